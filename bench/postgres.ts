// Accounts on PostgreSQL against the same on SQLite: logins, and reads that
// authenticate with a token (GET /account/user, GET /watchlists), driven with
// autocannon (bench/load.ts) against the built service on each backend in turn.
// PostgreSQL is a throwaway local server (test/helpers/postgres.ts), so the
// numbers show the cost of the network round trips and of the server, not of
// a remote network.
//
//   npm run bench:postgres            (BENCH_DURATION, BENCH_ROUNDS, BENCH_CONNECTIONS,
//                                      PASSWORD_SCRYPT_N, BENCH_SKIP_BUILD=1 as for npm run bench)
//
// bench/run.ts can call `benchStorage()` and put `storageTable()` into RESULTS.md.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { envNumber, fmt, freePort, load, median, npm, request, serviceEnv, sleep, startService, unexpected, type Server } from './lib.js'
import type { LoadResult, RequestTemplate } from './load.js'
import { startPostgres } from '../test/helpers/postgres.js'

export interface StorageRow {
  scenario: string
  sqlite: { rps: number, p50: number, p99: number }
  postgres: { rps: number, p50: number, p99: number }
  unexpected: string
}

export interface StorageSettings {
  duration: number
  rounds: number
  connections: number
  scryptN: number
  log: (line: string) => void
}

const defaults = (): StorageSettings => ({
  duration: envNumber('BENCH_DURATION', 5),
  rounds: envNumber('BENCH_ROUNDS', 3),
  connections: envNumber('BENCH_CONNECTIONS', 10),
  scryptN: envNumber('PASSWORD_SCRYPT_N', 2 ** 17),
  log: (line) => { process.stderr.write(`[bench:postgres] ${line}\n`) }
})

interface Scenarios { login: RequestTemplate[], user: RequestTemplate[], lists: RequestTemplate[] }

/** Users with a token and a watchlist of a few entries, made through the API. */
async function prepare (service: Server, count: number): Promise<Scenarios> {
  const scenarios: Scenarios = { login: [], user: [], lists: [] }
  const stamp = Date.now().toString(36)
  for (let i = 0; i < count; i++) {
    const user = { username: `bench_${stamp}_${i}`, password: `correct horse battery staple ${i}` }
    const answer = await request(service.url + '/account/register', { method: 'POST', body: JSON.stringify({ ...user, email: `${user.username}@bench.example` }), headers: { 'content-type': 'application/json' } })
    if (answer.status !== 200) throw new Error(`register answered ${answer.status}: ${answer.body.slice(0, 200)}`)
    const token = (JSON.parse(answer.body) as { token: string }).token
    const headers = { authorization: `Token ${token}` }
    const list = await request(service.url + '/watchlists', { method: 'POST', body: JSON.stringify({ name: 'Bench' }), headers: { ...headers, 'content-type': 'application/json' } })
    if (list.status !== 201) throw new Error(`POST /watchlists answered ${list.status}: ${list.body.slice(0, 200)}`)
    const listId = (JSON.parse(list.body) as { id: number }).id
    for (const anime of [1, 2, 3, 4, 5]) {
      await request(`${service.url}/watchlists/${listId}/anime/${anime}`, { method: 'PUT', body: '{"status":"watching"}', headers: { ...headers, 'content-type': 'application/json' } })
    }
    scenarios.login.push({ method: 'POST', path: '/account/login', body: JSON.stringify(user), headers: { 'content-type': 'application/json' } })
    scenarios.user.push({ method: 'GET', path: '/account/user', headers })
    scenarios.lists.push({ method: 'GET', path: `/watchlists/${listId}/anime`, headers })
  }
  return scenarios
}

const summary = (rounds: LoadResult[]) => ({
  rps: median(rounds.map((r) => r.rps)),
  p50: median(rounds.map((r) => r.latency.p50)),
  p99: median(rounds.map((r) => r.latency.p99))
})

/** Runs the three scenarios on SQLite, then on PostgreSQL; one row each. */
export async function benchStorage (settings: StorageSettings = defaults()): Promise<StorageRow[]> {
  const cleanups: Array<() => unknown> = []
  const collector = { teardown: (fn: () => unknown) => { cleanups.unshift(fn) } }
  try {
    settings.log('starting a throwaway PostgreSQL server')
    const server = await startPostgres(collector)
    const databaseUrl = await server.createDatabase()
    const results = new Map<string, Map<'sqlite' | 'postgres', LoadResult[]>>()
    for (const backend of ['sqlite', 'postgres'] as const) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `anime-api-bench-${backend}-`))
      cleanups.unshift(() => fs.rmSync(dataDir, { recursive: true, force: true }))
      const service = await startService(dataDir, await freePort(), {
        ...serviceEnv(settings.scryptN),
        ...(backend === 'postgres' ? { DATABASE_URL: databaseUrl, DATABASE_POOL_SIZE: '10' } : {})
      })
      try {
        const scenarios = await prepare(service, settings.connections)
        for (const [name, requests] of [['login', scenarios.login], ['GET /account/user (token)', scenarios.user], ['GET /watchlists/:id/anime (token)', scenarios.lists]] as const) {
          const spec = { url: service.url, connections: settings.connections, requests, seed: 1 }
          await load({ ...spec, duration: 1 })
          const rounds: LoadResult[] = []
          for (let round = 0; round < settings.rounds; round++) rounds.push(await load({ ...spec, duration: settings.duration }))
          if (!results.has(name)) results.set(name, new Map())
          results.get(name)!.set(backend, rounds)
          const s = summary(rounds)
          settings.log(`${name} on ${backend}: ${fmt(s.rps, 0)} req/s, p50 ${fmt(s.p50, 2)} ms, p99 ${fmt(s.p99, 2)} ms`)
        }
        const warnings = service.stderr().trim()
        if (warnings !== '') settings.log(`the service on ${backend} logged: ${warnings.split('\n').slice(0, 3).join(' / ').slice(0, 500)}`)
      } finally {
        await service.stop()
        await sleep(100)
      }
    }
    return [...results].map(([scenario, byBackend]) => {
      const statuses = (rounds: LoadResult[]) => {
        const all: Record<string, number> = {}
        for (const r of rounds) for (const [code, n] of Object.entries(r.statuses)) all[code] = (all[code] ?? 0) + n
        return all
      }
      const sqlite = byBackend.get('sqlite')!
      const postgres = byBackend.get('postgres')!
      return {
        scenario,
        sqlite: summary(sqlite),
        postgres: summary(postgres),
        unexpected: [unexpected(statuses(sqlite), [200]), unexpected(statuses(postgres), [200])].filter((s) => s !== '').join('; ')
      }
    })
  } finally {
    for (const cleanup of cleanups) {
      try { await cleanup() } catch { /* best effort */ }
    }
  }
}

/** The rows as a markdown table. */
export function storageTable (rows: StorageRow[]): string {
  const lines = [
    '| scenario | SQLite req/s | PostgreSQL req/s | PostgreSQL / SQLite | SQLite p50 / p99 ms | PostgreSQL p50 / p99 ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: |'
  ]
  for (const row of rows) {
    lines.push(`| ${row.scenario} | ${fmt(row.sqlite.rps, 0)} | ${fmt(row.postgres.rps, 0)} | ${fmt(row.postgres.rps / row.sqlite.rps, 2)}× | ` +
      `${fmt(row.sqlite.p50, 2)} / ${fmt(row.sqlite.p99, 2)} | ${fmt(row.postgres.p50, 2)} / ${fmt(row.postgres.p99, 2)} |`)
  }
  const odd = rows.filter((r) => r.unexpected !== '').map((r) => `${r.scenario}: ${r.unexpected}`)
  return lines.join('\n') + (odd.length > 0 ? `\n\nUnexpected statuses: ${odd.join('; ')}` : '') + '\n'
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const settings = defaults()
  if (process.env.BENCH_SKIP_BUILD === '1') settings.log('using the existing build (BENCH_SKIP_BUILD=1)')
  else { settings.log('building the service'); npm('build') }
  const rows = await benchStorage(settings)
  process.stdout.write(`\nAccounts on PostgreSQL vs SQLite (${settings.connections} connections, ${settings.rounds} × ${settings.duration} s, scrypt N=${settings.scryptN}, ${os.cpus().length} CPUs)\n\n`)
  process.stdout.write(storageTable(rows))
}

/** Puts the table into bench/RESULTS.md as its own section (before the soak runs, replacing an older one). */
export function addStorageSection (table: string, resultsFile = path.join(path.dirname(import.meta.filename), 'RESULTS.md')): void {
  const heading = '## Accounts on PostgreSQL vs SQLite'
  const section = `${heading}\n\n\`npm run bench:postgres\` alone. A throwaway PostgreSQL on this machine; the service built, ` +
    'one backend at a time, the same users and requests on each.\n\n' + table
  let text = fs.existsSync(resultsFile) ? fs.readFileSync(resultsFile, 'utf8') : '# Benchmark results\n'
  const old = text.indexOf(`\n${heading}\n`)
  if (old >= 0) {
    const next = text.indexOf('\n## ', old + 1)
    text = text.slice(0, old) + (next < 0 ? '\n' : text.slice(next))
  }
  const soak = text.indexOf('\n## Soak runs')
  text = soak < 0 ? `${text.trimEnd()}\n\n${section}` : `${text.slice(0, soak).trimEnd()}\n\n${section}${text.slice(soak)}`
  fs.writeFileSync(resultsFile, text)
}
