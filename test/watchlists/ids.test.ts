// Catalogue ids are a promise to clients and to every watchlist entry: losing
// catalogue.sqlite and importing again must give every anime the id it had, so
// that no watchlist entry silently changes anime. The id map lives with the
// accounts (accounts.sqlite here; PostgreSQL when test/storage/postgres/
// runs this file with TEST_DATABASE_URL), and an install that kept it in the
// catalogue file alone hands it over once.
import t, { type Test } from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { Readable } from 'node:stream'
import Database from 'better-sqlite3'
import pg from 'pg'
import { runCli } from '../../src/cli.js'
import { CATALOGUE_FILE, openCatalogueDb } from '../../src/catalogue/db.js'
import { importCatalogue, importCatalogueFile } from '../../src/catalogue/import.js'
import { createSqliteCatalogueIds } from '../../src/storage/sqlite/catalogue-ids.js'
import { ACCOUNTS_FILE, openAccountsDb } from '../../src/storage/sqlite/database.js'
import { aodRecord, aodText, writeAod, type AodRecord } from '../helpers/aod.js'
import { buildApp, databaseFor, tempDir } from '../helpers/app.js'
import { FAST_SCRYPT_N } from '../helpers/accounts.js'
import { capture } from '../helpers/cli.js'
import { call, makeList, putEntry, user } from '../helpers/watchlists.js'

// Many imports and apps: minutes on a loaded machine.
t.setTimeout(10 * 60 * 1000)

// A history in which ids stop following file order: the first release, then one
// where entries were dropped, merged, split and added at the front.
const first = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => aodRecord(n))
const second: AodRecord[] = [
  aodRecord(20, { title: 'New at the front' }),
  aodRecord(8),
  aodRecord(45, { sources: ['https://anidb.net/anime/4', 'https://myanimelist.net/anime/100005'], title: 'Four and five merged' }),
  aodRecord(61, { sources: ['https://myanimelist.net/anime/100006'], title: 'Six, part one' }),
  aodRecord(62, { sources: ['https://anidb.net/anime/6'], title: 'Six, part two' }),
  aodRecord(21, { title: 'Another new one' }),
  aodRecord(2),
  aodRecord(1, { title: 'One, renamed' }),
  aodRecord(7)
]

/** DATA_DIR, and DATABASE_URL when the suite runs on PostgreSQL, for the command line. */
const envFor = (dir: string): Record<string, string> => {
  const url = databaseFor(dir)
  return { DATA_DIR: dir, ...(url === undefined ? {} : { DATABASE_URL: url }) }
}

const appFor = (t: Test, dir: string, catalogue: string) => buildApp(t, { dataDir: dir, defaultCatalogue: catalogue, passwordScryptN: FAST_SCRYPT_N })

/** Every served entry: id → title and primary source. */
function served (dir: string): Record<number, string> {
  const db = openCatalogueDb(dir)
  try {
    const rows = db.prepare('SELECT id, title, source FROM anime WHERE active = 1 ORDER BY id').all() as Array<{ id: number, title: string, source: string }>
    return Object.fromEntries(rows.map((r) => [r.id, `${r.title} <${r.source}>`]))
  } finally {
    db.close()
  }
}

function deleteCatalogue (dir: string): void {
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(path.join(dir, CATALOGUE_FILE + suffix), { force: true })
}

/** Runs SQL on the user store of `dir` (the accounts file, or the suite's PostgreSQL database); the first column of the first row. */
async function onStore (dir: string, sql: string): Promise<unknown> {
  const url = databaseFor(dir)
  if (url === undefined) {
    const db = new Database(path.join(dir, ACCOUNTS_FILE))
    try {
      if (/^\s*SELECT/i.test(sql)) return db.prepare(sql).pluck().get()
      db.exec(sql)
      return undefined
    } finally { db.close() }
  }
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const result = await client.query({ text: sql, rowMode: 'array' })
    const last = Array.isArray(result) ? result.at(-1) : result
    return last?.rows?.[0]?.[0]
  } finally { await client.end() }
}

/** A user with a list rating every served anime; returns the list's entries as anime id → title and rating. */
async function rateEverything (app: Awaited<ReturnType<typeof appFor>>, dir: string) {
  const me = await user(app, 'rater')
  const list = await makeList(app, me)
  const ids = Object.keys(served(dir)).map(Number)
  for (const [i, id] of ids.entries()) await putEntry(app, me, list.id, id, { rating: 1 + (i % 10), note: `about ${id}` })
  const entries = async (api: typeof app) => {
    const res = await call(api, 'GET', `/watchlists/${list.id}/anime?page_size=100&ordering=rating`, me)
    return (res.json().results as Array<{ anime_id: number, title: string, anime: { source: string } | null, rating: number, note: string }>)
      .map((e) => `${e.anime_id}: ${e.title} <${e.anime?.source ?? 'gone'}> rated ${e.rating} (${e.note})`)
  }
  return { me, list, entries }
}

t.test('catalogue.sqlite lost, the same file imported again: every id and every watchlist entry unchanged', async (t) => {
  const dir = tempDir(t)
  const app = await appFor(t, dir, writeAod(dir, first))
  const update = capture(envFor(dir))
  t.equal(await runCli(['catalogue', 'import', writeAod(dir, second)], update.io), 0, update.err.join(' '))
  const before = served(dir)
  t.notSame(Object.values(before).map((v) => v.split(' <')[0]), second.map((r) => r.title), 'the ids no longer follow the file order')
  const { entries } = await rateEverything(app, dir)
  const listed = await entries(app)
  t.equal(listed.length, Object.keys(before).length)
  await app.close()

  // The control: the same file into a new catalogue with no map gives other ids.
  const control = tempDir(t)
  await importCatalogueFile(control, writeAod(control, second))
  t.notSame(served(control), before, 'without the map the ids would move')

  // Lost, then imported again by the command line.
  deleteCatalogue(dir)
  const again = capture(envFor(dir))
  t.equal(await runCli(['catalogue', 'import', writeAod(dir, second)], again.io), 0, again.err.join(' '))
  t.match(again.out[0], /9 added, 0 updated, 0 kept/)
  t.same(served(dir), before, 'every id names the same anime')

  // Lost again: the service imports its default catalogue at start, with the map too.
  deleteCatalogue(dir)
  const restarted = await appFor(t, dir, writeAod(dir, second))
  t.same(served(dir), before, 'the same after an import at start')
  const { entries: after } = { entries: () => entries(restarted) }
  t.same(await after(), listed, 'every watchlist entry still names its anime, with its rating and note')
  for (const [id, label] of Object.entries(before)) {
    const res = await restarted.inject(`/anime/entry/${id}`)
    t.equal(`${res.json().title} <${res.json().source}>`, label, `entry ${id}`)
  }

  // A new entry after all that gets an id never used before.
  const next = capture(envFor(dir))
  t.equal(await runCli(['catalogue', 'import', writeAod(dir, [...second, aodRecord(99)])], next.io), 0)
  const ids = Object.keys(served(dir)).map(Number)
  t.equal(Math.max(...ids), 12, 'ids 1-8 of the first release, 9-11 of the second, then 12: never a retired one')
})

t.test('an install whose id map lived only in catalogue.sqlite hands it over once, then survives the file', async (t) => {
  const dir = tempDir(t)
  // The old way: imports on the catalogue file alone.
  await importCatalogueFile(dir, writeAod(dir, first))
  await importCatalogueFile(dir, writeAod(dir, second))
  const before = served(dir)
  // Starting the upgraded service (its user store new, or migrated with an empty map) hands the map over.
  const app = await appFor(t, dir, writeAod(dir, second))
  t.equal(Number(await onStore(dir, 'SELECT count(*) FROM catalogue_ids')), 20, 'the user store holds every URL ever seen now')
  t.equal(Number(await onStore(dir, 'SELECT max_id FROM catalogue_id_state')), 11)
  const { entries } = await rateEverything(app, dir)
  const listed = await entries(app)
  await app.close()

  deleteCatalogue(dir)
  const restarted = await appFor(t, dir, writeAod(dir, second))
  t.same(served(dir), before, 'every id names the same anime after the file was lost')
  t.same(await entries(restarted), listed)
})

t.test('the first import after the upgrade hands the map over too (no start in between)', async (t) => {
  const dir = tempDir(t)
  await importCatalogueFile(dir, writeAod(dir, first))
  await importCatalogueFile(dir, writeAod(dir, second))
  const before = served(dir)
  const run = capture(envFor(dir))
  t.equal(await runCli(['catalogue', 'import', writeAod(dir, second)], run.io), 0, run.err.join(' '))
  t.same(served(dir), before)
  deleteCatalogue(dir)
  t.equal(await runCli(['catalogue', 'import', writeAod(dir, second)], capture(envFor(dir)).io), 0)
  t.same(served(dir), before)
})

t.test('no map anywhere while watchlists hold ids: an import is refused, unless --accept-new-ids', async (t) => {
  const dir = tempDir(t)
  const app = await appFor(t, dir, writeAod(dir, first))
  await rateEverything(app, dir)
  await app.close()
  // Both copies of the map gone: the catalogue file, and the accounts' (say, an accounts backup from before the upgrade).
  deleteCatalogue(dir)
  await onStore(dir, 'DELETE FROM catalogue_ids; UPDATE catalogue_id_state SET revision = 0, max_id = 0')

  const refused = capture(envFor(dir))
  t.equal(await runCli(['catalogue', 'import', writeAod(dir, second)], refused.io), 1)
  t.equal(refused.err.length, 1)
  t.match(refused.err[0], /refusing to import: watchlist entries hold catalogue ids, but the map of those ids .* --accept-new-ids/)
  t.notOk(fs.existsSync(path.join(dir, CATALOGUE_FILE)) && Object.keys(served(dir)).length > 0, 'nothing imported')
  await t.rejects(appFor(t, dir, writeAod(dir, second)), { name: 'IdMapMissingError' }, 'nor at start')

  const accepted = capture(envFor(dir))
  t.equal(await runCli(['catalogue', 'import', writeAod(dir, second), '--accept-new-ids'], accepted.io), 0, accepted.err.join(' '))
  t.equal(Object.keys(served(dir)).length, 9)
  // From here on the new map is kept like any other.
  const kept = served(dir)
  deleteCatalogue(dir)
  t.equal(await runCli(['catalogue', 'import', writeAod(dir, second)], capture(envFor(dir)).io), 0)
  t.same(served(dir), kept)
})

t.test('imports racing on one map agree on every id, and never give one id to two anime', async (t) => {
  const dir = tempDir(t)
  const accounts = openAccountsDb(dir)
  t.teardown(() => accounts.close())
  const ids = createSqliteCatalogueIds(accounts)
  // Two catalogue files (two instances) on one map, importing overlapping files at once.
  const left = openCatalogueDb(path.join(dir, 'left'))
  const right = openCatalogueDb(path.join(dir, 'right'))
  t.teardown(() => { left.close(); right.close() })
  const a = Array.from({ length: 300 }, (_, i) => aodRecord(i + 1))
  const b = Array.from({ length: 300 }, (_, i) => aodRecord(i + 151)) // 151-300 shared, in another order below
  b.reverse()
  const [ra, rb] = await Promise.all([
    importCatalogue(left, Readable.from([Buffer.from(aodText(a))]), { ids, parseInWorker: false }).catch((e: unknown) => e),
    importCatalogue(right, (async function * () { yield Buffer.from(aodText(b, 'jsonl')) })(), { ids, parseInWorker: false }).catch((e: unknown) => e)
  ])
  t.notOk(ra instanceof Error, String(ra))
  t.notOk(rb instanceof Error, String(rb))
  // The URLs each catalogue serves, with the id it serves them under.
  const map = (db: typeof left) => new Map((db.prepare('SELECT j.value AS url, a.id AS anime_id FROM anime a, json_each(a.sources) j WHERE a.active = 1').all() as Array<{ url: string, anime_id: number }>).map((r) => [r.url, r.anime_id]))
  const l = map(left)
  const r = map(right)
  let shared = 0
  for (const [url, id] of r) {
    if (!l.has(url)) continue
    shared++
    t.equal(id, l.get(url), url)
  }
  t.equal(shared, 300, 'the 150 shared anime, two URLs each')
  const byId = new Map<number, Set<string>>()
  const stored = accounts.prepare('SELECT url, anime_id FROM catalogue_ids').all() as Array<{ url: string, anime_id: number }>
  for (const { url, anime_id: id } of stored) byId.set(id, (byId.get(id) ?? new Set()).add(url.replace(/^https:\/\/(anidb\.net\/anime\/|myanimelist\.net\/anime\/1?0*)/, '')))
  t.equal(stored.length, 900, 'every URL of both files, once')
  t.equal(byId.size, 450, '450 anime, 450 ids')
  t.ok([...byId.values()].every((names) => names.size === 1), 'each id: the two URLs of one anime')
  t.equal(accounts.prepare('SELECT max_id FROM catalogue_id_state').pluck().get(), 450)
})

t.test('a save over a map that moved on is refused; nothing is written', async (t) => {
  const dir = tempDir(t)
  const accounts = openAccountsDb(dir)
  t.teardown(() => accounts.close())
  const ids = createSqliteCatalogueIds(accounts)
  t.same(await ids.state(), { revision: 0, maxId: 0 })
  t.equal(await ids.save(0, [{ url: 'https://anidb.net/anime/1', id: 1, dead: false }], 1), 1)
  t.equal(await ids.save(0, [{ url: 'https://anidb.net/anime/2', id: 2, dead: false }], 2), null, 'revision 0 is gone')
  t.same(await ids.state(), { revision: 1, maxId: 1 })
  const rows = []
  for await (const page of ids.rows()) rows.push(...page)
  t.same(rows, [{ url: 'https://anidb.net/anime/1', id: 1, dead: false }])
  t.equal(await ids.save(1, [], 0), 2, 'a lower max id never lowers it')
  t.same(await ids.state(), { revision: 2, maxId: 1 })
})
