// The PostgreSQL backend on a real server (test/helpers/postgres.ts): schema
// migrations under the advisory lock, case-insensitive uniqueness when two
// instances race, the service with the server down at start and going away
// under it, the statement timeout, and `anime-api db copy` both ways.
// (The account, token and watchlist suites themselves run on PostgreSQL in
// test/storage/postgres/.)
import net from 'node:net'
import pg from 'pg'
import t from 'tap'
import { runCli } from '../../src/cli.js'
import { openPostgres } from '../../src/storage/postgres/database.js'
import { MIGRATION_LOCK_KEY, POSTGRES_SCHEMA_VERSION } from '../../src/storage/postgres/migrations.js'
import { openSqliteSource, readPostgres, readSqlite, type Snapshot } from '../../src/storage/copy.js'
import { StoreUnavailableError } from '../../src/storage/errors.js'
import { tempDir } from '../helpers/app.js'
import { accountsApp, login, post, register, tokenHeader } from '../helpers/accounts.js'
import { freePort, postgresSkip, startPostgres, type PostgresServer } from '../helpers/postgres.js'
import { eventually } from '../helpers/server.js'
import { call, makeList, putEntry, user, watchlistsApp } from '../helpers/watchlists.js'

const unavailable = '{"detail":"Service temporarily unavailable."}'

const needsPostgres = { skip: postgresSkip('test/storage/postgres.test.ts') }
let server: PostgresServer
t.before(async () => { if (needsPostgres.skip === false) server = await startPostgres(t) })

const capture = () => {
  const out: string[] = []
  const err: string[] = []
  return { out, err, io: { out: (l: string) => { out.push(l) }, err: (l: string) => { err.push(l) }, progress: () => {}, env: { ...process.env, DATABASE_URL: '' } } }
}

async function withClient<T> (url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try { return await fn(client) } finally { await client.end() }
}

t.test('migrations: versioned, idempotent, applied once when migrators start together', needsPostgres, async (t) => {
  const url = await server.createDatabase(t)
  const migrators = Array.from({ length: 6 }, () => openPostgres({ url, poolSize: 2, timeoutMs: 10_000 }))
  t.teardown(() => Promise.all(migrators.map((m) => m.close())))
  const reports = await Promise.all(migrators.map((m) => m.migrate()))
  const applied = reports.flatMap((r) => r.applied).sort()
  t.same(applied, Array.from({ length: POSTGRES_SCHEMA_VERSION }, (_, i) => i + 1), 'each migration applied by exactly one migrator')
  const versions = await withClient(url, async (c) => (await c.query('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => r.version))
  t.same(versions, Array.from({ length: POSTGRES_SCHEMA_VERSION }, (_, i) => i + 1))
  t.same((await migrators[0]!.migrate()).applied, [], 'again: nothing to do')

  // A migrator waits for the lock another session holds, then finds nothing left to do.
  const fresh = await server.createDatabase(t)
  await withClient(fresh, async (holder) => {
    await holder.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY])
    const waiting = openPostgres({ url: fresh, poolSize: 1, timeoutMs: 10_000 })
    t.teardown(() => waiting.close())
    let done = false
    const migrated = waiting.migrate().then((report) => { done = true; return report })
    await new Promise((resolve) => setTimeout(resolve, 500))
    t.notOk(done, 'waits while another session holds the migration lock')
    const tables = await holder.query("SELECT 1 FROM pg_tables WHERE tablename = 'users'")
    t.equal(tables.rowCount, 0, 'nothing applied meanwhile')
    await holder.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY])
    t.equal((await migrated).applied.length, POSTGRES_SCHEMA_VERSION)
  })

  // anime-api db migrate
  const cli = await server.createDatabase(t)
  const first = capture()
  t.equal(await runCli(['db', 'migrate'], { ...first.io, env: { ...first.io.env, DATABASE_URL: cli } }), 0, first.err.join('\n'))
  t.match(first.out.join('\n'), new RegExp(`applied migrations 1, 2, 3.*→ ${POSTGRES_SCHEMA_VERSION}`))
  const second = capture()
  t.equal(await runCli(['db', 'migrate'], { ...second.io, env: { ...second.io.env, DATABASE_URL: cli } }), 0)
  t.match(second.out.join('\n'), /up to date/)
})

t.test('two instances, one database: racing registrations of one name (any case) give one 200 and one 400', needsPostgres, async (t) => {
  const url = await server.createDatabase(t)
  const a = await accountsApp(t, { databaseUrl: url })
  const b = await accountsApp(t, { databaseUrl: url })
  for (let round = 0; round < 10; round++) {
    const [one, two] = await Promise.all([
      post(a, '/account/register', { username: `racer${round}`, email: `a${round}@test.com`, password: 'pw' }),
      post(b, '/account/register', { username: `RACER${round}`, email: `b${round}@test.com`, password: 'pw' })
    ])
    t.same([one.statusCode, two.statusCode].sort(), [200, 400], `round ${round}: ${one.body} / ${two.body}`)
    const refused = one.statusCode === 400 ? one : two
    t.equal(refused.body, '{"username":["A user with that username already exists."]}')
  }
  const [one, two] = await Promise.all([
    post(a, '/account/register', { username: 'mail1', email: 'Same@Test.com', password: 'pw' }),
    post(b, '/account/register', { username: 'mail2', email: 'same@test.COM', password: 'pw' })
  ])
  t.same([one.statusCode, two.statusCode].sort(), [200, 400])
  t.equal((one.statusCode === 400 ? one : two).body, '{"email":["A user with that email already exists."]}')
  const count = await withClient(url, async (c) => (await c.query('SELECT count(*)::int AS n FROM users')).rows[0].n)
  t.equal(count, 11)
})

t.test('server down at start: the catalogue is served, accounts answer 503, /ready says so, and it recovers by itself', needsPostgres, async (t) => {
  const url = await server.createDatabase(t)
  server.stop()
  let running = false
  t.teardown(() => { if (!running) server.start() })
  // A server that is down refuses connections at once: the 503s do not wait for DATABASE_TIMEOUT,
  // which is long so that the recovery below is not cut short on a busy machine.
  const app = await accountsApp(t, { databaseUrl: url, databaseTimeoutMs: 60_000 })
  t.equal((await app.inject('/anime/random')).statusCode, 200, 'the catalogue is served')
  for (const [path, body] of [['/account/register', { username: 'a', email: 'a@test.com', password: 'p' }], ['/account/login', { username: 'a', password: 'p' }]] as const) {
    const res = await post(app, path, body)
    t.equal(res.statusCode, 503, path)
    t.equal(res.body, unavailable)
  }
  const res = await post(app, '/account/logout', undefined, tokenHeader('a'.repeat(64)))
  t.equal(res.statusCode, 503, 'token authentication too')
  const health = await app.userStore.health()
  t.match(health, { ok: false, backend: 'postgres' })
  t.match(health.detail, /127\.0\.0\.1:\d+\/t_/)
  t.notMatch(health.detail, /postgres@/, 'no credentials')
  const ready = await app.inject('/ready')
  t.equal(ready.statusCode, 503, '/ready: not ready')
  t.match(ready.json(), { accounts: { writable: false, backend: 'postgres' } })

  server.start()
  running = true
  const registered = await post(app, '/account/register', { username: 'back', email: 'back@test.com', password: 'p' })
  t.equal(registered.statusCode, 200, 'recovered: migrations applied, account made')
  t.match(await app.userStore.health(), { ok: true })
  t.equal((await app.inject('/ready')).statusCode, 200, '/ready: ready again')

  // Stopped under the running service, then started again.
  const { token } = await login(app, 'back', 'p')
  server.stop()
  running = false
  t.equal((await post(app, '/account/login', { username: 'back', password: 'p' })).statusCode, 503, 'stopped: 503')
  t.equal((await post(app, '/account/logout', undefined, tokenHeader(token))).statusCode, 503)
  t.equal((await app.inject('/anime/entry/1')).statusCode, 200, 'the catalogue still answers')
  server.start()
  running = true
  // The pool may still hold a connection from before the restart: a first try may fail on it.
  let status = 0
  for (const deadline = Date.now() + 60_000; status !== 200 && Date.now() < deadline;) {
    status = (await post(app, '/account/login', { username: 'back', password: 'p' })).statusCode
    if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 250))
  }
  t.equal(status, 200, 'restarted: logins work again')
  t.equal((await post(app, '/account/logout', undefined, tokenHeader(token))).statusCode, 204, 'the token from before works')
})

t.test('a server that accepts connections but never answers: 503 after DATABASE_TIMEOUT, no hanging request', needsPostgres, async (t) => {
  const sockets = new Set<net.Socket>()
  const silent = net.createServer((socket) => { sockets.add(socket) })
  const port = await freePort()
  await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve))
  t.teardown(() => { for (const s of sockets) s.destroy(); silent.close() })
  const app = await accountsApp(t, { databaseUrl: `postgres://nobody@127.0.0.1:${port}/none`, databaseTimeoutMs: 700 })
  const res = await post(app, '/account/login', { username: 'a', password: 'p' })
  t.equal(res.statusCode, 503)
  t.equal(res.body, unavailable)
  // The migrations' first connection gives up after DATABASE_TIMEOUT; until then (a busy machine may
  // answer the login first) health says they are still running.
  const detail = await eventually(async () => {
    const { detail } = await app.userStore.health()
    return /timeout/i.test(detail ?? '') ? detail : false
  })
  t.match(detail, /timeout/i, 'DATABASE_TIMEOUT gave up waiting for it')
  t.equal((await app.inject('/anime/random')).statusCode, 200)
})

t.test('db copy: SQLite → PostgreSQL → SQLite keeps every account, hash, token, list and entry; refuses a non-empty target', needsPostgres, async (t) => {
  // Real data made through the API on SQLite.
  const source = await watchlistsApp(t)
  const alice = await user(source, 'alice')
  const bob = await user(source, 'Bob')
  const gone = await user(source, 'gone')
  await login(source, 'alice')
  const list = await makeList(source, alice, 'Favourites', true)
  await putEntry(source, alice, list.id, 1, { status: 'watching', rating: 8, note: 'ünïcode ✓' })
  await putEntry(source, alice, list.id, 2, {})
  const other = await makeList(source, bob, 'Later')
  await putEntry(source, bob, other.id, 3, { status: 'completed', episodes_watched: 12 })
  t.equal((await call(source, 'DELETE', '/account/user', gone, { password: 'test' })).statusCode < 300, true, 'a deleted user: its id stays used')
  await source.close()
  const sqliteDb = openSqliteSource(source.dataDir)
  const original: Snapshot = readSqlite(sqliteDb)
  sqliteDb.close()
  t.equal(original.tables.users!.length, 2)
  t.equal(original.counters.users, 3)

  const url = await server.createDatabase(t)
  const run = async (...args: string[]) => {
    const c = capture()
    const code = await runCli(['db', 'copy', ...args], c.io)
    return { code, out: c.out.join('\n'), err: c.err.join('\n') }
  }
  const copied = await run('--from', `sqlite:${source.dataDir}`, '--to', url)
  t.equal(copied.code, 0, copied.err)
  t.match(copied.out, /copied 2 users, 3 tokens, 2 watchlists and 3 watchlist entries/)
  const db = openPostgres({ url, poolSize: 1, timeoutMs: 5000 })
  t.teardown(() => db.close())
  t.same(await readPostgres(db), original, 'PostgreSQL holds exactly what SQLite held')

  const refused = await run('--from', `sqlite:${source.dataDir}`, '--to', url)
  t.equal(refused.code, 1)
  t.match(refused.err, /already holds accounts or watchlists; add --force/)
  t.equal((await run('--from', `sqlite:${source.dataDir}`, '--to', url, '--force')).code, 0, '--force replaces')
  t.same(await readPostgres(db), original)

  // The service on PostgreSQL: old passwords and tokens work, lists read back, new ids go on.
  const moved = await watchlistsApp(t)
  const onPg = await accountsApp(t, { dataDir: moved.dataDir, defaultCatalogue: moved.config.defaultCatalogue, databaseUrl: url })
  await login(onPg, 'alice')
  t.equal((await call(onPg, 'GET', `/watchlists/${list.id}`, alice)).statusCode, 200, "alice's token from SQLite works")
  const entries = await call(onPg, 'GET', `/watchlists/${list.id}/anime`, alice)
  t.equal(entries.json().count, 2)
  t.equal((await register(onPg, 'carol')).user.id, 4, 'ids go on after the deleted one')

  // And back: PostgreSQL → a new SQLite DATA_DIR.
  const back = tempDir(t)
  const returned = await run('--from', url, '--to', `sqlite:${back}`)
  t.equal(returned.code, 0, returned.err)
  const backDb = openSqliteSource(back)
  const roundTrip = readSqlite(backDb)
  backDb.close()
  const expected = await readPostgres(db)
  t.same(roundTrip, expected, 'SQLite holds exactly what PostgreSQL held')
  t.equal(roundTrip.counters.users, 4)

  t.equal((await run('--from', `sqlite:${tempDir(t)}/missing`, '--to', url)).code, 1, 'a source without accounts file')
  const usage = capture()
  t.equal(await runCli(['db', 'copy', '--from', 'mysql://x'], usage.io), 2)
})

t.test('config: DATABASE_URL, DATABASE_POOL_SIZE, DATABASE_TIMEOUT', needsPostgres, async (t) => {
  const { loadConfig } = await import('../../src/config.js')
  t.match(loadConfig({}), { databaseUrl: null, databasePoolSize: 10, databaseTimeoutMs: 5000 })
  t.match(loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/anime', DATABASE_POOL_SIZE: '25', DATABASE_TIMEOUT: '1500ms' }),
    { databaseUrl: 'postgres://u:p@db:5432/anime', databasePoolSize: 25, databaseTimeoutMs: 1500 })
  t.equal(loadConfig({ DATABASE_URL: 'postgresql://db/anime' }).databaseUrl, 'postgresql://db/anime')
  t.throws(() => loadConfig({ DATABASE_URL: 'mysql://db/anime' }), { name: 'ConfigError', message: /^DATABASE_URL: / })
  t.throws(() => loadConfig({ DATABASE_POOL_SIZE: '0' }), { message: /^DATABASE_POOL_SIZE: / })
  t.throws(() => loadConfig({ DATABASE_TIMEOUT: 'soon' }), { message: /^DATABASE_TIMEOUT: / })
})

t.test('the users command on PostgreSQL; an unreachable server is one line, exit 1', needsPostgres, async (t) => {
  const url = await server.createDatabase(t)
  const made = capture()
  t.equal(await runCli(['users', 'create', 'Dana', 'dana@test.com', '--password', 'long enough pw'], { ...made.io, env: { ...made.io.env, DATABASE_URL: url, PASSWORD_SCRYPT_N: '1024' } }), 0, made.err.join('\n'))
  const listed = capture()
  t.equal(await runCli(['users', 'list'], { ...listed.io, env: { ...listed.io.env, DATABASE_URL: url } }), 0)
  t.match(listed.out.join('\n'), /\tDana\tdana@test\.com\tyes\t/)
  const port = await freePort()
  const down = capture()
  t.equal(await runCli(['users', 'list'], { ...down.io, env: { ...down.io.env, DATABASE_URL: `postgres://x:secret@127.0.0.1:${port}/none` } }), 1)
  t.match(down.err.join('\n'), /^anime-api: the user store is unavailable: PostgreSQL at 127\.0\.0\.1:\d+\/none: /)
  t.notMatch(down.err.join('\n'), /secret/)
})

t.test('backup with DATABASE_URL set points to pg_dump', needsPostgres, async (t) => {
  const c = capture()
  t.equal(await runCli(['backup', `${tempDir(t)}/b.sqlite`], { ...c.io, env: { ...c.io.env, DATABASE_URL: 'postgres://127.0.0.1/x' } }), 1)
  t.match(c.err.join('\n'), /accounts are in PostgreSQL; back them up with pg_dump/)
})

t.test('a request while another instance holds the migration lock: 503 after DATABASE_TIMEOUT, then served', needsPostgres, async (t) => {
  const url = await server.createDatabase(t)
  // DATABASE_TIMEOUT also bounds each connection: ten times what one takes here and now, at least 700 ms.
  const connectingAt = performance.now()
  await withClient(url, async (holder) => {
    const connectMs = performance.now() - connectingAt
    await holder.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY])
    const db = openPostgres({ url, poolSize: 2, timeoutMs: Math.max(700, Math.ceil(10 * connectMs)) })
    t.teardown(() => db.close())
    // Refused when DATABASE_TIMEOUT ran out, the lock still held: the reason says so.
    const refused = await db.query('SELECT 1').then(() => null, (error: unknown) => error)
    t.type(refused, StoreUnavailableError, 'refused: the store is unavailable (503)')
    t.match(refused, { reason: /schema migrations still running/ }, 'saying why')
    t.match(await db.health(), { ok: false })
    await holder.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY])
    await db.ready()
    t.equal((await db.query<{ n: number }>('SELECT 1 AS n')).rows[0]!.n, 1)
  })
})

t.test('the catalogue id map on PostgreSQL: every instance gives every anime the same id, racing or not', async (t) => {
  const url = await server.createDatabase(t)
  const { aodRecord, writeAod } = await import('../helpers/aod.js')
  const { openCatalogueDb } = await import('../../src/catalogue/db.js')
  const importInto = async (dir: string, records: ReturnType<typeof aodRecord>[]) => {
    const c = capture()
    // DATABASE_TIMEOUT of a minute: the two imports at once below wait for each other on a busy machine.
    const code = await runCli(['catalogue', 'import', writeAod(dir, records)], { ...c.io, env: { ...process.env, DATA_DIR: dir, DATABASE_URL: url, DATABASE_TIMEOUT: '60s' } })
    return { code, err: c.err.join('\n'), out: c.out.join('\n') }
  }
  const served = (dir: string) => {
    const db = openCatalogueDb(dir)
    try {
      return Object.fromEntries((db.prepare('SELECT j.value AS url, a.id FROM anime a, json_each(a.sources) j WHERE a.active = 1').all() as Array<{ url: string, id: number }>).map((r) => [r.url, r.id]))
    } finally { db.close() }
  }
  // Instance A saw two releases; B starts later, on the second only.
  const first = Array.from({ length: 40 }, (_, i) => aodRecord(i + 1))
  const second = [...Array.from({ length: 10 }, (_, i) => aodRecord(100 + i)), ...first.slice(5).reverse()]
  const a = tempDir(t)
  const b = tempDir(t)
  t.equal((await importInto(a, first)).code, 0)
  t.equal((await importInto(a, second)).code, 0)
  const imported = await importInto(b, second)
  t.equal(imported.code, 0, imported.err)
  t.same(served(b), served(a), 'B gives every anime the id A gave it')
  t.equal(served(b)['https://anidb.net/anime/100'], 41, 'not 1, which the first record of the file would get from a catalogue file alone')

  // Two instances importing different releases at once: one map, no id twice.
  const c = tempDir(t)
  const d = tempDir(t)
  const third = Array.from({ length: 60 }, (_, i) => aodRecord(200 + i))
  const fourth = Array.from({ length: 60 }, (_, i) => aodRecord(230 + (59 - i)))
  const results = await Promise.all([importInto(c, third), importInto(d, fourth)])
  t.same(results.map((r) => r.code), [0, 0], results.map((r) => r.err).join(' '))
  const left = served(c)
  const right = served(d)
  const shared = Object.keys(left).filter((u) => u in right)
  t.equal(shared.length, 60, '30 anime in both, two URLs each')
  t.ok(shared.every((u) => left[u] === right[u]), 'the same id on both')
  const ids = await withClient(url, async (client) => (await client.query('SELECT anime_id, count(*)::int AS urls FROM catalogue_ids GROUP BY anime_id')).rows as Array<{ anime_id: number, urls: number }>)
  t.ok(ids.every((row) => row.urls === 2 || row.urls === 1), 'no id names two anime')
  t.equal(new Set(ids.map((row) => row.anime_id)).size, ids.length)

  // The map reads back a page at a time past its page size.
  const { createPostgresCatalogueIds } = await import('../../src/storage/postgres/catalogue-ids.js')
  const db = openPostgres({ url, poolSize: 2, timeoutMs: 10_000 })
  t.teardown(() => db.close())
  const store = createPostgresCatalogueIds(db)
  const state = await store.state()
  const many = Array.from({ length: 25_000 }, (_, i) => ({ url: `https://example.org/anime/${i}`, id: 1000 + i, dead: i % 7 === 0 }))
  t.equal(await store.save(state.revision, many, 26_000), state.revision + 1)
  t.equal(await store.save(state.revision, [{ url: 'https://example.org/x', id: 1, dead: false }], 1), null, 'a stale revision writes nothing')
  let rows = 0
  let deadRows = 0
  for await (const page of store.rows()) { rows += page.length; deadRows += page.filter((r) => r.dead).length }
  t.equal(rows, 25_000 + ids.reduce((sum, row) => sum + row.urls, 0))
  t.equal(deadRows, Math.ceil(25_000 / 7))
  t.same(await store.state(), { revision: state.revision + 1, maxId: 26_000 })
})
