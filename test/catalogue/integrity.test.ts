// A damaged catalogue file is never served half-broken: at start it is checked
// (unless exactly as the service left it), and a damaged one is moved aside and
// rebuilt from its last import with every id intact, or refused in one line
// when that cannot be done. Found damaged while serving, /ready says so.
import t, { type Test } from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import Database from 'better-sqlite3'
import { runCli } from '../../src/cli.js'
import { CATALOGUE_FILE, openCatalogueDb } from '../../src/catalogue/db.js'
import { checkCatalogue, LAST_IMPORT_FILE, STAMP_FILE } from '../../src/catalogue/integrity.js'
import { aodRecord, writeAod } from '../helpers/aod.js'
import { buildApp, databaseFor, tempDir } from '../helpers/app.js'
import { capture } from '../helpers/cli.js'
import { FAST_SCRYPT_N } from '../helpers/accounts.js'
import { makeList, putEntry, user, call } from '../helpers/watchlists.js'

// Each test imports a catalogue twice: minutes on a loaded machine.
t.setTimeout(10 * 60 * 1000)

// Enough entries that the file spans many pages of every kind (rows, indexes, word indexes).
const records = Array.from({ length: 800 }, (_, i) => aodRecord(i + 1, {
  title: `Anime ${i + 1} ${['Sky', 'Sea', 'Fire', 'Stone'][i % 4]}`,
  synonyms: [`Synonym ${i + 1}`, `別名 ${i + 1}`],
  tags: ['drama', 'action', `tag ${i % 40}`]
}))

const envFor = (dir: string): Record<string, string> => {
  const url = databaseFor(dir)
  return { DATA_DIR: dir, ...(url === undefined ? {} : { DATABASE_URL: url }) }
}

/** A DATA_DIR whose catalogue came from a local file by `catalogue import`, with a few ids moved by a second import. */
async function installed (t: Test): Promise<{ dir: string, source: string }> {
  const dir = tempDir(t)
  const first = writeAod(dir, records.slice(0, 700), 'jsonl')
  t.equal(await runCli(['catalogue', 'import', first], capture({ DATA_DIR: dir }).io), 0)
  const source = writeAod(dir, [...records.slice(700).reverse(), ...records.slice(10, 700)])
  const run = capture({ DATA_DIR: dir })
  t.equal(await runCli(['catalogue', 'import', source], run.io), 0, run.err.join(' '))
  return { dir, source }
}

function served (dir: string): Record<number, string> {
  const db = openCatalogueDb(dir)
  try {
    return Object.fromEntries((db.prepare('SELECT id, title FROM anime WHERE active = 1').all() as Array<{ id: number, title: string }>).map((r) => [r.id, r.title]))
  } finally {
    db.close()
  }
}

/** Random bytes over `fraction` of the file, from its middle on. */
function damage (dir: string, fraction = 0.05): void {
  const file = path.join(dir, CATALOGUE_FILE)
  const size = fs.statSync(file).size
  const fd = fs.openSync(file, 'r+')
  try {
    const length = Math.max(65536, Math.floor(size * fraction))
    fs.writeSync(fd, randomBytes(length), 0, length, Math.floor(size / 2))
  } finally {
    fs.closeSync(fd)
  }
}

const quickCheck = (dir: string): string[] => {
  const db = new Database(path.join(dir, CATALOGUE_FILE))
  try {
    return (db.pragma('quick_check', { simple: false }) as Array<{ quick_check: string }>).map((r) => r.quick_check)
  } catch (error) {
    return [(error as Error).message]
  } finally {
    db.close()
  }
}

const appFor = (t: Test, dir: string) => buildApp(t, { dataDir: dir, passwordScryptN: FAST_SCRYPT_N })

t.test('random bytes in the middle of catalogue.sqlite: rebuilt at start from its last import, every id and watchlist entry intact', async (t) => {
  const { dir } = await installed(t)
  const before = served(dir)
  const app = await appFor(t, dir)
  const me = await user(app, 'keeper')
  const list = await makeList(app, me)
  const ids = Object.keys(before).map(Number)
  for (const id of [ids[0]!, ids[1]!, 400, ids.at(-1)!]) await putEntry(app, me, list.id, id, { rating: 7 })
  const entries = async (api: typeof app) => (await call(api, 'GET', `/watchlists/${list.id}/anime?page_size=100`, me)).json().results.map((e: { anime_id: number, title: string }) => `${e.anime_id} ${e.title}`)
  const listed = await entries(app)
  await app.close()
  t.ok(fs.existsSync(path.join(dir, STAMP_FILE)), 'a clean stop stamps the file')

  damage(dir)
  t.not(quickCheck(dir).join(), 'ok', 'the file really is damaged')

  const again = await appFor(t, dir)
  t.equal((await again.inject('/ready')).statusCode, 200)
  for (const url of ['/anime/search?q=sky', '/anime/search?q=別名', '/anime/tags', '/anime/entry/400/similar', '/anime/entry/750/details', '/anime/random?tags=drama']) {
    t.equal((await again.inject(url)).statusCode, 200, url)
  }
  t.same(served(dir), before, 'every id names the anime it named')
  t.same(await entries(again), listed, 'and every watchlist entry')
  t.same(quickCheck(dir), ['ok'])
  t.equal(fs.readdirSync(dir).filter((f) => f.startsWith(`${CATALOGUE_FILE}.damaged-`) && !/-(wal|shm)$/.test(f)).length, 1, 'the damaged file is kept aside, not deleted')
})

t.test('damaged, with the file it came from gone: the service refuses in one line; catalogue import recovers', async (t) => {
  const { dir, source } = await installed(t)
  const before = served(dir)
  const kept = fs.readFileSync(source)
  fs.rmSync(source)
  damage(dir)
  const run = capture({ ...envFor(dir), HOST: '127.0.0.1', PORT: '0' })
  t.equal(await runCli(['serve'], run.io), 1)
  t.equal(run.err.length, 1, run.err.join('\n'))
  t.match(run.err[0], /catalogue\.sqlite is damaged \(.+\); it was moved aside to catalogue\.sqlite\.damaged-[\dT-]+Z?, and could not be rebuilt from .*aod-\d+\.json: .*is gone; import a catalogue with `anime-api catalogue import <file>`/)
  t.notMatch(run.err[0], /\n\s+at /)

  // What the line says to do works, and brings every id back.
  const moved = path.join(dir, 'kept.json')
  fs.writeFileSync(moved, kept)
  const imported = capture(envFor(dir))
  t.equal(await runCli(['catalogue', 'import', moved], imported.io), 0, imported.err.join(' '))
  t.same(served(dir), before)
})

t.test('the header wiped ("file is not a database"): rebuilt the same way', async (t) => {
  const { dir } = await installed(t)
  const before = served(dir)
  const fd = fs.openSync(path.join(dir, CATALOGUE_FILE), 'r+')
  fs.writeSync(fd, randomBytes(4096), 0, 4096, 0)
  fs.closeSync(fd)
  const app = await appFor(t, dir)
  t.equal((await app.inject('/anime/search?q=stone')).statusCode, 200)
  t.same(served(dir), before)
})

t.test('catalogue import over a damaged file sets it aside and imports into a new one', async (t) => {
  const { dir, source } = await installed(t)
  const before = served(dir)
  damage(dir)
  const run = capture(envFor(dir))
  t.equal(await runCli(['catalogue', 'import', source], run.io), 0, run.err.join(' '))
  t.match(run.out[0], /the catalogue file is damaged \(.+\): moved aside to .*catalogue\.sqlite\.damaged-/)
  t.same(served(dir), before)
  const info = capture(envFor(dir))
  damage(dir)
  t.equal(await runCli(['catalogue', 'info'], info.io), 1, 'info on a damaged file: one line')
  t.match(info.err[0], /the catalogue file is damaged .*starting the service rebuilds it/)
})

t.test('the check reads the file only when it changed since it was last checked or cleanly closed', async (t) => {
  const { dir } = await installed(t)
  t.same(checkCatalogue(dir), { state: 'unchanged' }, 'imported by the command line into a sound file: stamped')
  const file = path.join(dir, CATALOGUE_FILE)
  const later = new Date(Date.now() + 5000)
  fs.utimesSync(file, later, later)
  t.match(checkCatalogue(dir), { state: 'sound' }, 'touched: read again')
  t.same(checkCatalogue(dir), { state: 'unchanged' }, 'then stamped')
  fs.writeFileSync(`${file}-wal`, 'pending')
  t.match(checkCatalogue(dir), { state: 'sound' }, 'a WAL beside it: read again (SQLite discards a WAL that is not one)')
  t.same(checkCatalogue(dir), { state: 'unchanged' })
  damage(dir)
  t.match(checkCatalogue(dir), { state: 'damaged', problem: /.+/ })
  t.same(checkCatalogue(tempDir(t)), { state: 'missing' })
  t.ok(fs.existsSync(path.join(dir, LAST_IMPORT_FILE)))
})

t.test('damage found while serving: /ready answers 503 from then on', async (t) => {
  const { dir } = await installed(t)
  const app = await appFor(t, dir)
  t.equal((await app.inject('/ready')).statusCode, 200)
  damage(dir, 0.45)
  const statuses: number[] = []
  for (const q of ['sky', 'sea', 'fire', 'stone', 'synonym', 'anime', '別名', 'tag']) {
    statuses.push((await app.inject(`/anime/search?q=${encodeURIComponent(q)}&page_size=100`)).statusCode)
    statuses.push((await app.inject(`/anime/search?q=${encodeURIComponent(q)}&page_size=100&page=3`)).statusCode)
  }
  // Search reads the rows of its pages only (the index is in memory): entries' answers and details read the rest of the file.
  for (let id = 1; id <= records.length && !statuses.some((s) => s >= 500); id++) {
    statuses.push((await app.inject(`/anime/entry/${id}`)).statusCode, (await app.inject(`/anime/entry/${id}/details`)).statusCode)
  }
  t.ok(statuses.some((s) => s >= 500), `a read met the damage: ${statuses.filter((s) => s !== 200).join(' ')}`)
  const ready = await app.inject('/ready')
  t.equal(ready.statusCode, 503)
  t.match(ready.json().detail, /a database file is damaged; a restart checks the catalogue and rebuilds it/)
})
