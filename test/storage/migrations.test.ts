// The one migration runner (src/storage/migrations.ts) and the three databases
// it upgrades in place: a database the earlier runners wrote (its version where
// they kept it, PRAGMA user_version or schema_migrations) is upgraded with
// nothing lost; one newer than the program is refused.
import path from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import t from 'tap'
import { runMigrations, type MigrationAdapter } from '../../src/storage/migrations.js'
import { openPostgres } from '../../src/storage/postgres/database.js'
import { migrations as postgresMigrations, POSTGRES_SCHEMA_VERSION } from '../../src/storage/postgres/migrations.js'
import { ACCOUNTS_FILE, ACCOUNTS_SCHEMA_VERSION, accountsMigrations, openAccountsDb } from '../../src/storage/sqlite/database.js'
import { tempDir } from '../helpers/app.js'
import { postgresSkip, sharedPostgres } from '../helpers/postgres.js'

/** An adapter over an array: what a database of `start` records as applied. */
function memory (start: number, known: number, delay: boolean) {
  const log: number[] = []
  let version = start
  const adapter = {
    what: 'the test database',
    known,
    current: () => delay ? Promise.resolve(version) : version,
    apply: (v: number) => {
      if (v === 3 && known === 99) throw new Error('migration 3 fails')
      log.push(v)
      version = v
      return delay ? Promise.resolve() : undefined
    }
  }
  return { log, adapter }
}

t.test('the runner: the missing versions in order, each recorded; nothing to do twice; a newer database refused', async (t) => {
  const sync = memory(2, 5, false)
  t.same(runMigrations(sync.adapter as MigrationAdapter<false>), { from: 2, to: 5, applied: [3, 4, 5] }, 'returns at once with a synchronous adapter')
  t.same(sync.log, [3, 4, 5])
  t.same(runMigrations(sync.adapter as MigrationAdapter<false>), { from: 5, to: 5, applied: [] })

  const async = memory(0, 3, true)
  const report = runMigrations(async.adapter as MigrationAdapter<true>)
  t.ok(report instanceof Promise, 'a promise with an asynchronous adapter')
  t.same(await report, { from: 0, to: 3, applied: [1, 2, 3] })

  t.throws(() => runMigrations(memory(6, 5, false).adapter as MigrationAdapter<false>),
    { message: 'the test database has schema version 6, newer than this program knows (5); upgrade the program' })
  await t.rejects(runMigrations(memory(6, 5, true).adapter as MigrationAdapter<true>), { message: /schema version 6, newer than this program knows \(5\)/ })

  const failing = memory(1, 99, false)
  t.throws(() => runMigrations(failing.adapter as MigrationAdapter<false>), { message: 'migration 3 fails' })
  t.same(failing.log, [2], 'stops at the migration that fails, the ones before it kept')
})

t.test('an accounts file written by the earlier runner at each older version upgrades with its accounts and lists', async (t) => {
  for (let version = 1; version < ACCOUNTS_SCHEMA_VERSION; version++) {
    const dataDir = tempDir(t)
    // As the earlier runner left a file: each migration's SQL, then user_version.
    const old = new Database(path.join(dataDir, ACCOUNTS_FILE))
    for (let v = 0; v < version; v++) old.exec(accountsMigrations[v]!)
    old.pragma(`user_version = ${version}`)
    old.prepare("INSERT INTO users (username, username_key, email, email_key, password, date_joined) VALUES ('kept', 'kept', 'k@example.com', 'k@example.com', 'scrypt$x', 1)").run()
    old.prepare("INSERT INTO tokens (digest, token_key, user_id, created) VALUES ('d1', 'abcdefgh', 1, 1)").run()
    if (version >= 2) {
      old.prepare("INSERT INTO watchlists (user_id, name, name_key, created, updated) VALUES (1, 'List', 'list', 1, 1)").run()
      old.prepare("INSERT INTO watchlist_entries (watchlist_id, anime_id, status, added, updated) VALUES (1, 7, 'completed', 1, 1)").run()
    }
    old.close()

    const db = openAccountsDb(dataDir)
    t.equal(db.pragma('user_version', { simple: true }), ACCOUNTS_SCHEMA_VERSION, `from version ${version}`)
    t.same(db.prepare('SELECT id, username, email FROM users').all(), [{ id: 1, username: 'kept', email: 'k@example.com' }], `users kept (from ${version})`)
    t.same(db.prepare('SELECT digest, user_id FROM tokens').all(), [{ digest: 'd1', user_id: 1 }], `tokens kept (from ${version})`)
    // Watchlists came with version 2: earlier files had none to keep.
    t.same(db.prepare('SELECT anime_id, status FROM watchlist_entries').all(), version >= 2 ? [{ anime_id: 7, status: 'completed' }] : [], `entries kept (from ${version})`)
    t.same(db.prepare('SELECT revision, max_id FROM catalogue_id_state').all(), [{ revision: 0, max_id: 0 }], 'the later tables are there')
    db.close()
  }
})

t.test('an accounts file newer than the program is refused, untouched', async (t) => {
  const dataDir = tempDir(t)
  openAccountsDb(dataDir).close()
  const raw = new Database(path.join(dataDir, ACCOUNTS_FILE))
  raw.pragma(`user_version = ${ACCOUNTS_SCHEMA_VERSION + 1}`)
  raw.close()
  t.throws(() => openAccountsDb(dataDir), { message: `the accounts file has schema version ${ACCOUNTS_SCHEMA_VERSION + 1}, newer than this program knows (${ACCOUNTS_SCHEMA_VERSION}); upgrade the program` })
})

t.test('a PostgreSQL database the earlier runner migrated part way upgrades with its accounts', { skip: postgresSkip('test/storage/migrations.test.ts') }, async (t) => {
  const server = await sharedPostgres(t)
  const url = await server.createDatabase(t)
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  t.teardown(() => client.end())
  // As the earlier runner left it after migrations 1 and 2: their SQL, and a row each in schema_migrations.
  await client.query(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`)
  for (const migration of postgresMigrations.slice(0, 2)) {
    await client.query(migration.sql)
    await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name])
  }
  await client.query("INSERT INTO users (username, username_key, email, email_key, password, date_joined) VALUES ('kept', 'kept', 'k@example.com', 'k@example.com', 'scrypt$x', 1)")

  const db = openPostgres({ url, poolSize: 1, timeoutMs: 10_000 })
  t.teardown(() => db.close())
  t.same(await db.migrate(), { from: 2, to: POSTGRES_SCHEMA_VERSION, applied: [3, 4] })
  t.same((await client.query('SELECT username FROM users')).rows, [{ username: 'kept' }], 'the account is kept')
  t.same((await client.query('SELECT version, name FROM schema_migrations ORDER BY version')).rows,
    postgresMigrations.map((m) => ({ version: m.version, name: m.name })), 'each version recorded with its name, as before')

  await client.query(`INSERT INTO schema_migrations (version, name) VALUES (${POSTGRES_SCHEMA_VERSION + 1}, 'from a newer program')`)
  await t.rejects(db.migrate(), { message: `the PostgreSQL database has schema version ${POSTGRES_SCHEMA_VERSION + 1}, newer than this program knows (${POSTGRES_SCHEMA_VERSION}); upgrade the program` })
})
