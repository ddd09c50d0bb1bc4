// CI-sized fuzzing: 2,000 seeded malformed requests to every route (see
// test/helpers/fuzz.ts for what is sent and what must hold). `npm run fuzz`
// runs 10,000+ with a fresh seed.
import t from 'tap'
import Database from 'better-sqlite3'
import path from 'node:path'
import { appRoutes, databaseDigests, fuzzTarget, runFuzz } from '../helpers/fuzz.js'
import { tempDir } from '../helpers/app.js'

const SEED = 20261125
const RUNS = Number(process.env.FUZZ_RUNS ?? 2000)

t.test('the fuzzer finds the routes of the app', async (t) => {
  const target = await fuzzTarget(t)
  const routes = appRoutes(target.app).map((r) => `${r.method} ${r.url}`)
  for (const route of ['GET /anime/entry/:id', 'GET /anime/random', 'POST /account/login', 'POST /account/register', 'POST /account/logout', 'POST /account/logoutall']) {
    t.ok(routes.includes(route), route)
  }
  t.ok(target.fields.includes('username') && target.fields.includes('password'), 'field names from the OpenAPI document')
})

t.test(`${RUNS} malformed requests: no 5xx, errors in the old service's shape, no row changed by a rejected request`, async (t) => {
  const target = await fuzzTarget(t)
  const { cases, statuses } = await runFuzz(target, { numRuns: RUNS, seed: SEED })
  t.ok(cases >= RUNS * 0.95, `${cases} requests answered`)
  t.ok(Object.keys(statuses).some((s) => Number(s) >= 400), 'some requests rejected')
  t.ok(Object.keys(statuses).some((s) => Number(s) < 300), 'some requests accepted')
  t.comment(`statuses: ${JSON.stringify(statuses)}`)
})

t.test('the check that rejected requests change nothing sees every committed change, and only those', async (t) => {
  const dir = tempDir(t)
  const writer = new Database(path.join(dir, 'accounts.sqlite'))
  t.teardown(() => writer.close())
  writer.pragma('journal_mode = WAL')
  writer.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); CREATE TABLE throttle_attempts (key TEXT)')
  const digests = databaseDigests(dir)
  t.teardown(() => digests.close())
  const first = digests.digest()
  t.equal(digests.digest(), first, 'nothing committed: the same digest')
  writer.prepare('INSERT INTO users (name) VALUES (?)').run('a')
  const second = digests.digest()
  t.not(second, first, 'a committed row changes it')
  writer.prepare('INSERT INTO throttle_attempts VALUES (?)').run('k')
  t.equal(digests.digest(), second, 'the attempt counters do not count')
  writer.prepare('UPDATE users SET name = ? WHERE id = 1').run('b')
  t.not(digests.digest(), second, 'an update changes it')
  const other = new Database(path.join(dir, 'other.sqlite'))
  other.exec('CREATE TABLE t (x)')
  other.close()
  t.not(digests.digest(), second, 'a new file counts')
})

t.test('what the fuzzer found stays fixed', async (t) => {
  const { app } = await fuzzTarget(t)
  // multipart/form-data without a boundary was a 500 (busboy's error has no status)
  for (const url of ['/account/login', '/account/register', '/anime/random']) {
    const res = await app.inject({ method: 'POST', url, headers: { 'content-type': 'multipart/form-data' }, payload: 'x' })
    t.ok(res.statusCode === 400 || res.statusCode === 405, `${url}: ${res.statusCode}`)
    t.equal(typeof res.json().detail, 'string')
  }
})
