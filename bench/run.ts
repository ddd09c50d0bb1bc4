// `npm run bench`: generate the 40k catalogue, import it (JSON and JSONL), build
// and start the service and the bare ceiling (bench/baseline.ts), drive them in
// alternating rounds, run the storms (search, recommendations, logins) against a
// steady reader, measure cold starts and the recommendations' first call, and
// write bench/RESULTS.md. About 12 minutes with the defaults; BENCH_QUICK=1 runs
// one short round of everything (about 4 minutes), and the BENCH_* environment
// variables (see results.ts) set each knob.
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { catalogueIds } from './baseline.js'
import { ensureCatalogue, prng } from './generate-catalogue.js'
import { benchDir, cpuMs, envNumber, fmt, freePort, IDLE_COLLECTION_WAIT_MS, load, machine, median, npm, outDir, request, root, serviceEnv, settle, settledRssMb, sleep, startBaseline, startService, unexpected, type Server } from './lib.js'
import type { IdDraw, LoadResult, LoadSpec, RequestTemplate } from './load.js'
import { oldServiceEstimate, renderBench, rpsRatioOf, writeBench, type BenchResults, type ScenarioResult, type StormResult, type Summary, type Target } from './results.js'
import { probe, scenarios, searchRequests, type CatalogueIds, type Scenario } from './scenarios.js'

const quick = process.env.BENCH_QUICK === '1'
const settings = {
  count: envNumber('BENCH_COUNT', 40_000),
  seed: envNumber('BENCH_SEED', 1),
  duration: envNumber('BENCH_DURATION', quick ? 2 : 3),
  rounds: envNumber('BENCH_ROUNDS', quick ? 1 : 5),
  connections: envNumber('BENCH_CONNECTIONS', 10),
  warmup: envNumber('BENCH_WARMUP', quick ? 1 : 2),
  coldStarts: envNumber('BENCH_COLD_STARTS', quick ? 2 : 5),
  importRounds: envNumber('BENCH_IMPORT_ROUNDS', quick ? 1 : 3),
  readerRate: envNumber('BENCH_READER_RATE', 1000),
  readerConnections: 4,
  loginConnections: 4,
  watchlistSize: envNumber('BENCH_WATCHLIST', 200),
  scryptN: envNumber('PASSWORD_SCRYPT_N', 2 ** 17)
}
const profile = process.env.BENCH_PROF === '1'
// BENCH_ONLY=<part>[,<part>...] runs a subset: scenario names (or their beginnings, any case) and the
// parts `imports`, `storms`, `cold starts`, `workers`, `postgres`. The results then go to
// bench/out/RESULTS-partial.md: RESULTS.md only ever shows a whole run.
const only = (process.env.BENCH_ONLY ?? '').split(',').map((part) => part.trim().toLowerCase()).filter((part) => part !== '')
const selected = (name: string): boolean => only.length === 0 || only.some((part) => name.toLowerCase().startsWith(part))
const withWorkers = (process.env.BENCH_WORKERS !== undefined ? process.env.BENCH_WORKERS !== '0' : !quick) && selected('workers')
const withPostgres = (process.env.BENCH_POSTGRES !== undefined ? process.env.BENCH_POSTGRES !== '0' : !quick) && selected('postgres')

const log = (line: string): void => { process.stderr.write(`[bench] ${line}\n`) }
/** JIKAN_WRITTEN_MAX for the run with Jikan's answers kept written out: room for every entry of the 40k catalogue. */
const JIKAN_KEPT_SIZE = '128mb'
const JIKAN_KEPT = `JIKAN_WRITTEN_MAX=${JIKAN_KEPT_SIZE}`

function runImport (file: string, dataDir: string): Promise<{ seconds: number, cpuSeconds: number, peakRssMb: number, code: number, output: string[] }> {
  fs.rmSync(dataDir, { recursive: true, force: true })
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(benchDir, 'import-child.ts'), file], {
      cwd: root, env: { ...process.env, DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'inherit']
    })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (text: string) => { out += text })
    child.once('exit', (code) => {
      try { resolve(JSON.parse(out.trim().split('\n').pop()!)) } catch { reject(new Error(`import of ${file} failed (${code}): ${out}`)) }
    })
  })
}

function summarize (rounds: LoadResult[]): Summary {
  const statuses: Record<string, number> = {}
  for (const r of rounds) for (const [code, n] of Object.entries(r.statuses)) statuses[code] = (statuses[code] ?? 0) + n
  return {
    rps: median(rounds.map((r) => r.rps)),
    p50: median(rounds.map((r) => r.latency.p50)),
    p99: median(rounds.map((r) => r.latency.p99)),
    cpuUs: median(rounds.map((r) => r.serverCpuUsPerRequest ?? NaN)),
    statuses,
    rounds
  }
}

/** One side of a comparison: a server and what is sent to it. */
interface Side { server: Server, requests: RequestTemplate[], ids?: IdDraw }

/** A load run on one side, with the server's CPU time per answered request. */
async function measured (side: Side, duration: number, connections = settings.connections): Promise<LoadResult> {
  const cpuBefore = cpuMs(side.server.child.pid)
  const result = await load({ url: side.server.url, connections, duration, requests: side.requests, ...(side.ids !== undefined ? { ids: side.ids } : {}), seed: settings.seed })
  result.serverCpuUsPerRequest = 1000 * (cpuMs(side.server.child.pid) - cpuBefore) / Math.max(1, result.requests)
  return result
}

async function measureScenario (scenario: Scenario, service: Server, ceiling: Server): Promise<ScenarioResult> {
  const probed = await probe(service, scenario)
  if (!probed.available) { log(`${scenario.name}: not available (${probed.note ?? ''})`); return { name: scenario.name, available: false, note: probed.note, dropped: probed.dropped } }
  const main: Side = { server: service, requests: probed.requests, ...(scenario.ids !== undefined ? { ids: scenario.ids } : {}) }
  const versus = scenario.versus
  const other: Side | undefined = versus === undefined
    ? undefined
    : versus.kind === 'ceiling'
      ? { ...main, server: ceiling }
      : { server: service, requests: versus.requests, ...(versus.ids !== undefined ? { ids: versus.ids } : {}) }
  const sides = other === undefined ? [main] : [main, other]
  for (const side of sides) await load({ url: side.server.url, connections: settings.connections, duration: settings.warmup, requests: side.requests, ...(side.ids !== undefined ? { ids: side.ids } : {}), seed: settings.seed })
  const rounds = new Map<Side, LoadResult[]>(sides.map((s) => [s, []]))
  for (let round = 0; round < settings.rounds; round++) {
    // Alternate the order, so that drift of a noisy machine hits both alike.
    for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
      const result = await measured(side, settings.duration)
      rounds.get(side)!.push(result)
      log(`${scenario.name} ${side === main ? 'service' : versus?.kind === 'service' ? versus.name : 'ceiling'} round ${round + 1}: ${fmt(result.rps, 0)} req/s, p99 ${fmt(result.latency.p99, 2)} ms, CPU ${fmt(result.serverCpuUsPerRequest ?? NaN, 0)} µs/req`)
    }
  }
  const serviceSummary = summarize(rounds.get(main)!)
  const versusSummary = other === undefined ? undefined : summarize(rounds.get(other)!)
  const bad = [unexpected(serviceSummary.statuses, scenario.expected), versusSummary === undefined ? '' : unexpected(versusSummary.statuses, scenario.expected)]
  return {
    name: scenario.name,
    available: true,
    service: serviceSummary,
    ...(versusSummary !== undefined ? { versus: versusSummary, versusName: versus!.kind === 'ceiling' ? 'bare ceiling' : `service, ${versus!.name}` } : {}),
    dropped: probed.dropped,
    unexpected: bad.filter((s) => s !== '').join('; ')
  }
}

const json = { 'content-type': 'application/json' }

/** A user with a token, made through the API. */
async function register (service: Server, name: string, password: string): Promise<{ token: string } | { note: string }> {
  const answer = await request(service.url + '/account/register', { method: 'POST', body: JSON.stringify({ username: name, password, email: `${name}@bench.example` }) })
  if (answer.status === 404) return { note: 'POST /account/register answers 404' }
  if (answer.status !== 200) return { note: `register answered ${answer.status}: ${answer.body.slice(0, 200)}` }
  return { token: (JSON.parse(answer.body) as { token: string }).token }
}

/**
 * A user whose one watchlist holds `size` entries drawn over the catalogue,
 * mostly completed and rated, some watching, planned and dropped: the caller of
 * the recommendations runs. Returns the headers that authenticate as them.
 */
async function watchlistUser (service: Server, catalogue: CatalogueIds, size: number): Promise<{ headers: Record<string, string> } | { note: string }> {
  const user = await register(service, `bench_recs_${Date.now().toString(36)}`, 'correct horse battery staple recs')
  if ('note' in user) return user
  const headers = { authorization: `Token ${user.token}` }
  const list = await request(service.url + '/watchlists', { method: 'POST', body: JSON.stringify({ name: 'Bench' }), headers: { ...headers, ...json } })
  if (list.status !== 201) return { note: `POST /watchlists answered ${list.status}: ${list.body.slice(0, 200)}` }
  const listId = (JSON.parse(list.body) as { id: number }).id
  const random = prng(settings.seed * 31 + 7)
  const chosen = new Set<number>()
  while (chosen.size < Math.min(size, catalogue.ids.length)) chosen.add(catalogue.ids[Math.floor(random() * catalogue.ids.length)]!)
  for (const anime of chosen) {
    const u = random()
    const body = u < 0.6
      ? { status: 'completed', rating: 1 + Math.floor(random() * 10) }
      : u < 0.75 ? { status: 'watching' } : u < 0.9 ? { status: 'planned' } : { status: 'dropped', rating: 1 + Math.floor(random() * 4) }
    const put = await request(`${service.url}/watchlists/${listId}/anime/${anime}`, { method: 'PUT', body: JSON.stringify(body), headers: { ...headers, ...json } })
    if (put.status !== 201 && put.status !== 200) return { note: `PUT /watchlists/${listId}/anime/${anime} answered ${put.status}: ${put.body.slice(0, 200)}` }
  }
  const check = await request(service.url + '/account/recommendations', { headers })
  if (check.status !== 200) return { note: `GET /account/recommendations answered ${check.status}: ${check.body.slice(0, 200)}` }
  return { headers }
}

interface StormPlan { name: string, note?: string, load?: LoadSpec }

async function loginPlan (service: Server): Promise<StormPlan> {
  const name = `logins (${settings.loginConnections} connections, scrypt N=${settings.scryptN})`
  const users = Array.from({ length: settings.loginConnections }, (_, i) => ({ username: `bench_${Date.now().toString(36)}_${i}`, password: `correct horse battery staple ${i}` }))
  for (const user of users) {
    const made = await register(service, user.username, user.password)
    if ('note' in made) return { name, note: made.note }
  }
  const logins = users.map((user) => ({ method: 'POST' as const, path: '/account/login', body: JSON.stringify(user) }))
  return { name, load: { url: service.url, connections: settings.loginConnections, duration: settings.duration + 2, requests: logins, seed: settings.seed } }
}

/**
 * A reader fetching entries (uniform over the catalogue) at a steady rate, alone
 * and while each storm runs at full speed, in rounds; its p99 during each storm
 * against its p99 alone says how much the storm's work holds up everyone else.
 */
async function storms (service: Server, reader: LoadSpec, plans: StormPlan[]): Promise<{ idle: Summary, storms: StormResult[] }> {
  const running = plans.filter((p) => p.load !== undefined)
  await load({ ...reader, duration: settings.warmup })
  for (const plan of running) await load({ ...plan.load!, duration: settings.warmup })
  const idle: LoadResult[] = []
  const during = new Map<StormPlan, LoadResult[]>(running.map((p) => [p, []]))
  const stormRounds = new Map<StormPlan, LoadResult[]>(running.map((p) => [p, []]))
  for (let round = 0; round < settings.rounds; round++) {
    idle.push(await load(reader))
    for (const plan of running) {
      const [stormResult, readerResult] = await Promise.all([load(plan.load!), sleep(1000).then(() => load(reader))])
      stormRounds.get(plan)!.push(stormResult)
      during.get(plan)!.push(readerResult)
      log(`${plan.name} round ${round + 1}: reader p99 idle ${fmt(idle.at(-1)!.latency.p99, 2)} ms, during ${fmt(readerResult.latency.p99, 2)} ms; storm ${fmt(stormResult.rps, 1)} req/s`)
    }
  }
  const idleSummary = summarize(idle)
  return {
    idle: idleSummary,
    storms: plans.map((plan): StormResult => {
      if (plan.load === undefined) return { name: plan.name, available: false, note: plan.note }
      const reading = summarize(during.get(plan)!)
      const storm = summarize(stormRounds.get(plan)!)
      return {
        name: plan.name,
        available: true,
        reader: reading,
        storm,
        unexpected: [unexpected(reading.statuses, [200]), unexpected(storm.statuses, [200])].filter((s) => s !== '').join('; ')
      }
    })
  }
}

function peakRssMb (pid: number | undefined): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match === null ? NaN : Number(match[1]) / 1024
  } catch { return NaN }
}

/** Milliseconds one GET takes, on a connection of its own (never one a stopped server left behind). */
async function timedGet (url: string, headers: Record<string, string>): Promise<{ ms: number, status: number }> {
  const started = performance.now()
  const answer = await request(url, { headers, agent: false })
  return { ms: performance.now() - started, status: answer.status }
}

const fileMb = (file: string): number => fs.existsSync(file) ? fs.statSync(file).size / 2 ** 20 : 0

function commitOf (): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim()
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no', '--', 'src', 'schemas', 'package.json', 'package-lock.json'], { cwd: root, encoding: 'utf8' }).stdout.trim() !== ''
  return head === '' ? 'unknown' : dirty ? `${head} with uncommitted changes to src/` : head
}

async function main (): Promise<void> {
  const began = performance.now()
  const errors: string[] = []
  /**
   * Waits until what a service does once after a start (the search index, the entry answers and
   * Jikan resources held in memory) is done: its CPU would count against the first scenario's requests.
   */
  const settleStartUp = async (server: Server, what: string): Promise<void> => {
    if ((await settle(server.child.pid, 2000, 120_000)).settled) return
    errors.push(`${what} was still busy with its start-up work 120 s after its first answer: the scenarios ran beside it`)
    log(errors.at(-1)!)
  }
  const results: BenchResults = {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    commit: commitOf(),
    machine: machine(),
    settings: { ...settings, quick: String(quick), workers: String(withWorkers), postgres: String(withPostgres) },
    imports: [],
    coldStartMs: [],
    coldStartCpuMs: [],
    recommendations: { firstMs: [], laterMs: [], settledMs: [] },
    scenarios: [],
    storms: [],
    rss: { idleMb: NaN, endOfLoadMb: NaN, afterLoadMb: NaN, afterIdleMb: NaN, peakMb: NaN },
    files: { catalogueMb: NaN, jsonlMb: NaN, jsonMb: NaN },
    targets: [],
    errors,
    wallSeconds: 0
  }

  log('generating the catalogue')
  const files = ensureCatalogue(outDir, { count: settings.count, seed: settings.seed })
  if (process.env.BENCH_SKIP_BUILD === '1') log('using the existing build (BENCH_SKIP_BUILD=1)')
  else {
    log('building the service')
    npm('build')
  }

  const dirs = { json: path.join(outDir, 'data-json'), jsonl: path.join(outDir, 'data-jsonl') }
  // The build's files written out first, so the imports do not share the disk with that writeback.
  spawnSync('sync')
  await sleep(quick ? 200 : 2000)
  // Several rounds, the formats alternating, medians reported (one import is at the mercy of a noisy neighbour).
  const reports = { json: [] as Array<Awaited<ReturnType<typeof runImport>>>, jsonl: [] as Array<Awaited<ReturnType<typeof runImport>>> }
  // A partial run without `imports` serves the catalogue an earlier run imported, or imports the JSONL once.
  const measureImports = selected('imports')
  const reuseImport = !measureImports && fs.existsSync(path.join(dirs.jsonl, 'catalogue.sqlite'))
  if (reuseImport) log(`serving the catalogue imported earlier in ${path.relative(root, dirs.jsonl)}`)
  const importRounds = reuseImport ? 0 : measureImports ? settings.importRounds : 1
  // The JSONL import last: its DATA_DIR is what the service serves.
  const formats = measureImports ? ['json', 'jsonl'] as const : ['jsonl'] as const
  for (let round = 0; round < importRounds; round++) {
    for (const format of formats) {
      log(`importing ${format.toUpperCase()} (round ${round + 1} of ${importRounds})`)
      const report = await runImport(files[format], dirs[format])
      if (report.code !== 0) errors.push(`import ${format}: exit ${report.code}: ${report.output.join(' ')}`)
      reports[format].push(report)
      log(`  ${fmt(report.seconds, 2)} s (CPU ${fmt(report.cpuSeconds, 2)} s), peak RSS ${fmt(report.peakRssMb, 0)} MB`)
    }
  }
  for (const format of ['json', 'jsonl'] as const) {
    const runs = reports[format]
    if (runs.length === 0) continue
    results.imports.push({
      format: format.toUpperCase(),
      seconds: median(runs.map((r) => r.seconds)),
      cpuSeconds: median(runs.map((r) => r.cpuSeconds)),
      peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
      records: runs.at(-1)!.output.join(' ').replace(/^imported \w+: /, ''),
      runs: runs.map((r) => r.seconds)
    })
  }
  const dataDir = dirs.jsonl
  const catalogueFile = path.join(dataDir, 'catalogue.sqlite')
  results.files = { catalogueMb: fileMb(catalogueFile) + fileMb(catalogueFile + '-wal'), jsonlMb: fileMb(files.jsonl), jsonMb: fileMb(files.json) }
  log(`catalogue.sqlite ${fmt(results.files.catalogueMb)} MB, the JSONL ${fmt(results.files.jsonlMb)} MB`)

  const catalogue = catalogueIds(dataDir)
  log(`${catalogue.ids.length} served entries, ${catalogue.malPairs.ids.length} with a MyAnimeList id`)
  const all = scenarios(catalogue)
  const uniformEntries: Pick<LoadSpec, 'requests' | 'ids'> = { requests: [{ path: '/anime/entry/{id}' }], ids: { values: catalogue.ids } }
  let recommendationsHeaders: Record<string, string> | undefined
  let recommendationsNote: string | undefined

  const service = await startService(dataDir, await freePort(), serviceEnv(settings.scryptN), profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(outDir, 'prof')}`] : [])
  const ceiling = await startBaseline(dataDir, await freePort())
  try {
    // The first start after an import builds the search index (in a child process, whose CPU counts
    // with the service's): a search answers once it is there, so that no scenario pays for the build.
    const indexing = performance.now()
    await request(service.url + '/anime/search?q=a', { timeoutMs: 300_000 })
    log(`search index ready ${fmt((performance.now() - indexing) / 1000, 2)} s after the service answered`)
    await sleep(500)
    results.rss.idleMb = service.rssMb()
    await settleStartUp(service, 'the service')
    for (const scenario of all.filter((s) => selected(s.name))) {
      try {
        results.scenarios.push(await measureScenario(scenario, service, ceiling))
      } catch (error) {
        errors.push(`${scenario.name}: ${(error as Error).message}`)
        results.scenarios.push({ name: scenario.name, available: false, note: 'failed, see below' })
      }
    }
    await ceiling.stop()

    if (selected('storms') || selected('cold starts')) {
      log(`a ${settings.watchlistSize}-entry watchlist for the recommendations`)
      const made = await watchlistUser(service, catalogue, settings.watchlistSize)
      if ('note' in made) recommendationsNote = made.note
      else recommendationsHeaders = made.headers
    }
    if (selected('storms')) {
      const plans: StormPlan[] = [
        { name: `search (${settings.connections} connections, the search mix)`, load: { url: service.url, connections: settings.connections, duration: settings.duration + 2, requests: searchRequests(), seed: settings.seed } },
        recommendationsHeaders === undefined
          ? { name: 'recommendations', note: recommendationsNote }
          : { name: `recommendations (${settings.connections} connections, ${settings.watchlistSize}-entry watchlist)`, load: { url: service.url, connections: settings.connections, duration: settings.duration + 2, requests: [{ path: '/account/recommendations', headers: recommendationsHeaders }], seed: settings.seed } },
        await loginPlan(service)
      ]
      try {
        const reader: LoadSpec = { url: service.url, connections: settings.readerConnections, duration: settings.duration, ...uniformEntries, rate: settings.readerRate, seed: settings.seed }
        const found = await storms(service, reader, plans)
        results.readerIdle = found.idle
        results.storms = found.storms
      } catch (error) {
        errors.push(`storms: ${(error as Error).message}`)
      }
    }
    results.rss.endOfLoadMb = service.rssMb()
    const loadEnded = performance.now()
    results.rss.afterLoadMb = await settledRssMb(service.child.pid)
    // A quiet process allocates nothing, and V8 then runs its idle collection only on its
    // memory reducer's timers, seconds to some 100 s after the last full collection: what a
    // quiet service holds for good shows only after it (or after QUIET_COLLECTION's).
    // Full runs only: a quick or partial run would spend two minutes on it.
    if (!quick && only.length === 0) {
      await sleep(Math.max(0, IDLE_COLLECTION_WAIT_MS - (performance.now() - loadEnded)))
      results.rss.afterIdleMb = service.rssMb()
    }
    results.rss.peakMb = peakRssMb(service.child.pid)
    const warnings = service.stderr().trim()
    if (warnings !== '') errors.push(`the service logged (warn and above): ${warnings.split('\n').slice(0, 5).join(' / ').slice(0, 1000)}`)
  } finally {
    await service.stop()
    await ceiling.stop()
  }

  // Cold starts, each followed by the recommendations' first call after the start and a few later ones.
  log('cold starts')
  for (let i = 0; i < (selected('cold starts') ? settings.coldStarts : 0); i++) {
    const server = await startService(dataDir, await freePort(), serviceEnv(settings.scryptN))
    try {
      results.coldStartMs.push(server.startMs)
      results.coldStartCpuMs.push(server.startCpuMs)
      if (recommendationsHeaders !== undefined) {
        const first = await timedGet(server.url + '/account/recommendations', recommendationsHeaders)
        results.recommendations.firstMs.push(first.ms)
        const later: number[] = []
        for (let k = 0; k < 10; k++) later.push((await timedGet(server.url + '/account/recommendations', recommendationsHeaders)).ms)
        results.recommendations.laterMs.push(median(later))
        // Later calls in the steady state: once the entry answers and Jikan resources a start loads are held.
        if (!(await settle(server.child.pid, 2000, 120_000)).settled) {
          errors.push(`cold start ${i + 1}: the service was still busy 120 s after its first answer; the later recommendations calls ran beside its start-up work`)
          log(errors.at(-1)!)
        }
        const settled: number[] = []
        for (let k = 0; k < 10; k++) settled.push((await timedGet(server.url + '/account/recommendations', recommendationsHeaders)).ms)
        results.recommendations.settledMs.push(median(settled))
        if (first.status !== 200) errors.push(`recommendations after a cold start answered ${first.status}`)
      }
    } finally {
      await server.stop()
    }
  }
  log(`  ${results.coldStartMs.map((ms) => fmt(ms, 0)).join(', ')} ms; recommendations first ${results.recommendations.firstMs.map((ms) => fmt(ms, 0)).join(', ')} ms, right after ${results.recommendations.laterMs.map((ms) => fmt(ms, 1)).join(', ')} ms, once loaded ${results.recommendations.settledMs.map((ms) => fmt(ms, 1)).join(', ')} ms`)

  if (withWorkers) {
    // The same service with WORKERS=2 (node:cluster, one port): the ceiling stays one process.
    log('WORKERS=2')
    const workers = await startService(dataDir, await freePort(), { ...serviceEnv(settings.scryptN), WORKERS: '2' })
    const ceilingAgain = await startBaseline(dataDir, await freePort())
    try {
      for (const scenario of all.filter((s) => ['entry by id, uniform', 'search'].includes(s.name))) {
        const renamed = { ...scenario, name: `${scenario.name}, WORKERS=2` }
        try {
          results.scenarios.push(await measureScenario(renamed, workers, ceilingAgain))
        } catch (error) {
          errors.push(`${renamed.name}: ${(error as Error).message}`)
        }
      }
    } finally {
      await workers.stop()
      await ceilingAgain.stop()
    }
  }

  // The service with Jikan's answers kept written out (JIKAN_WRITTEN_MAX, off by default): /v4/anime/{id}
  // against /anime/entry/:id again, and what the process holds after that load.
  const keptScenario = all.find((s) => s.name === 'Jikan /v4/anime/{id}, uniform')
  if (keptScenario !== undefined && selected(JIKAN_KEPT)) {
    log(JIKAN_KEPT)
    const kept = await startService(dataDir, await freePort(), { ...serviceEnv(settings.scryptN), JIKAN_WRITTEN_MAX: JIKAN_KEPT_SIZE })
    try {
      await request(kept.url + '/anime/search?q=a', { timeoutMs: 300_000 })
      await settleStartUp(kept, `the service with ${JIKAN_KEPT}`)
      // Compared with /anime/entry/:id on the same service: no bare ceiling is used.
      const measured = await measureScenario({ ...keptScenario, name: `Jikan /v4/anime/{id}, uniform, ${JIKAN_KEPT}` }, kept, kept)
      // Measured as the default service's "after the load" RSS is (settledRssMb).
      results.scenarios.push({ ...measured, note: `RSS ${fmt(await settledRssMb(kept.child.pid), 0)} MB after this load alone (measured as the default service's below, which ran every scenario)` })
    } catch (error) {
      errors.push(`${JIKAN_KEPT}: ${(error as Error).message}`)
    } finally {
      await kept.stop()
    }
  }

  // Accounts on PostgreSQL against SQLite (bench/postgres.ts), after the main service stopped; BENCH_POSTGRES=0 skips it.
  let storageTableText = ''
  if (withPostgres) {
    log('accounts on PostgreSQL vs SQLite')
    try {
      const { benchStorage, storageTable } = await import('./postgres.js')
      storageTableText = storageTable(await benchStorage({ duration: settings.duration, rounds: settings.rounds, connections: settings.connections, scryptN: settings.scryptN, log }))
    } catch (error) {
      errors.push(`accounts on PostgreSQL: ${(error as Error).message}`)
    }
  }

  // Search quality (known items, bench/search-quality.ts) on both catalogues, in this process, after every service stopped.
  let quality: { kindsBelow: number, compared: number } | { missing: string } = { missing: 'not run (BENCH_ONLY)' }
  if (selected('quality')) {
    log('search quality')
    try {
      const { measureSearchQuality, qualityReport, engineBefore, QUALITY_RUNS } = await import('./search-quality.js')
      const runs = []
      for (const { catalogue, sample } of QUALITY_RUNS) {
        const run = await measureSearchQuality({ catalogue, sample, count: settings.count })
        // The engine before was measured on the 40k generated catalogue: another count asks other queries.
        runs.push({ run, before: catalogue === 'generated' && settings.count !== 40_000 ? undefined : engineBefore(catalogue) })
      }
      const report = qualityReport(runs)
      results.qualitySection = report.section
      quality = report
      log(`  ${report.kindsBelow} of ${report.compared} kinds below the engine before`)
    } catch (error) {
      errors.push(`search quality: ${(error as Error).message}`)
      quality = { missing: `failed: ${(error as Error).message}` }
    }
  }

  const scenario = (name: string): ScenarioResult | undefined => results.scenarios.find((x) => x.name === name && x.available)
  const missing = (name: string): { missing: string } | Record<string, never> => scenario(name) === undefined ? { missing: results.scenarios.find((x) => x.name === name)?.note ?? 'not measured' } : {}
  const ceilingRatio = (name: string): Target => ({ name: `${name}: service / bare ceiling req/s`, measured: ratioOf(name, 'rps'), limit: 0.75, kind: 'min', unit: '×', ...missing(name) })
  function ratioOf (name: string, by: 'rps' | 'time'): number {
    const rps = rpsRatioOf(results.scenarios, name)
    return by === 'rps' ? rps : 1 / rps
  }
  const cpu = (name: string, limit: number): Target => ({ name: `${name}: CPU per request`, measured: scenario(name)?.service?.cpuUs ?? NaN, limit, kind: 'max', unit: 'µs', ...missing(name) })
  const stormTarget = (prefix: string): Target => {
    const storm = results.storms.find((s) => s.name.startsWith(prefix))
    const measured = storm?.available === true && results.readerIdle !== undefined ? storm.reader!.p99 / results.readerIdle.p99 : NaN
    return { name: `entry p99 during the ${prefix} storm / idle p99`, measured, limit: 2, kind: 'max', unit: '×', ...(storm?.available !== true ? { missing: storm?.note ?? 'failed' } : {}) }
  }
  const importOf = (format: string): number => results.imports.find((i) => i.format === format)?.seconds ?? NaN
  const recommendationsMissing = recommendationsHeaders === undefined ? { missing: recommendationsNote ?? 'not measured' } : {}
  const targets: Target[] = [
    ceilingRatio('entry by id, uniform'),
    ceilingRatio('entry by id, Zipf'),
    ceilingRatio('random'),
    { name: 'entry by id: against the old Django service', measured: NaN, limit: 40, kind: 'min', unit: '×', missing: `the old Django service is not available: its source is not in this repository, so it cannot be run beside the service; ${oldServiceEstimate(ratioOf('entry by id, uniform', 'rps'))}` },
    cpu('search', 300),
    cpu('similar, uniform', 300),
    { name: `recommendations, ${settings.watchlistSize}-entry watchlist: first call after start (median)`, measured: median(results.recommendations.firstMs), limit: 50, kind: 'max', unit: 'ms', ...recommendationsMissing },
    { name: `recommendations, ${settings.watchlistSize}-entry watchlist: later calls, once the start-up loads are done (median)`, measured: median(results.recommendations.settledMs), limit: 10, kind: 'max', unit: 'ms', ...recommendationsMissing },
    stormTarget('search'),
    stormTarget('recommendations'),
    stormTarget('logins'),
    // As fast as the entry route: with the answers kept written out (JIKAN_WRITTEN_MAX), what the service offers for
    // it; by default it holds the compact form for memory (the 150 MB target), and the scenario's row gives its ratio.
    { name: `Jikan GET /v4/anime/{id} with ${JIKAN_KEPT}: time against GET /anime/entry/:id`, measured: ratioOf(`Jikan /v4/anime/{id}, uniform, ${JIKAN_KEPT}`, 'time'), limit: 1.2, kind: 'max', unit: '×', ...missing(`Jikan /v4/anime/{id}, uniform, ${JIKAN_KEPT}`) },
    { name: 'Jikan GET /v4/anime?q=: time against GET /anime/search?q=', measured: ratioOf('Jikan /v4/anime?q=', 'time'), limit: 1.2, kind: 'max', unit: '×', ...missing('Jikan /v4/anime?q=') },
    'missing' in quality
      ? { name: 'search quality, known items: query kinds ranked worse than the engine before (top-1 or MRR@10)', measured: NaN, limit: 0, kind: 'max', unit: 'kinds', missing: quality.missing }
      : { name: `search quality, known items: query kinds ranked worse than the engine before (top-1 or MRR@10, ${quality.compared} kinds over both catalogues)`, measured: quality.kindsBelow, limit: 0, kind: 'max', unit: 'kinds' },
    { name: 'catalogue.sqlite / the AOD JSONL it came from', measured: results.files.catalogueMb / results.files.jsonlMb, limit: 2, kind: 'max', unit: '×' },
    { name: 'import, JSON', measured: importOf('JSON'), limit: 5, kind: 'max', unit: 's' },
    { name: 'import, JSONL', measured: importOf('JSONL'), limit: 5, kind: 'max', unit: 's' },
    { name: 'cold start to first 200 (median)', measured: median(results.coldStartMs) / 1000, limit: 0.5, kind: 'max', unit: 's' },
    { name: 'service RSS after the load runs, with the search engine held', measured: results.rss.afterLoadMb, limit: 150, kind: 'max', unit: 'MB' },
    { name: 'service RSS after the load runs, the whole service\'s limit', measured: results.rss.afterLoadMb, limit: 120, kind: 'max', unit: 'MB' }
  ]
  for (const s of results.scenarios) {
    if (s.available && s.unexpected !== undefined && s.unexpected !== '') errors.push(`${s.name}: unexpected statuses ${s.unexpected}`)
  }
  for (const s of results.storms) {
    if (s.available && s.unexpected !== undefined && s.unexpected !== '') errors.push(`${s.name} storm: unexpected statuses ${s.unexpected}`)
  }
  results.targets = targets
  results.wallSeconds = (performance.now() - began) / 1000
  if (only.length > 0) {
    const partial = path.join(outDir, 'RESULTS-partial.md')
    fs.writeFileSync(partial, `(BENCH_ONLY=${only.join(',')}: a partial run; the targets of the parts not run read "not measured")\n\n${renderBench(results)}\n${storageTableText}`)
    log(`wrote ${path.relative(root, partial)} in ${fmt(results.wallSeconds / 60)} min`)
  } else {
    writeBench(results)
    if (storageTableText !== '') (await import('./postgres.js')).addStorageSection(storageTableText)
    log(`wrote ${path.relative(root, path.join(benchDir, 'RESULTS.md'))} in ${fmt(results.wallSeconds / 60)} min`)
  }
  for (const t of targets) log(`${t.name}: ${t.missing !== undefined ? `not measured (${t.missing})` : `${fmt(t.measured, 2)} ${t.unit}`} (limit ${t.kind === 'min' ? '≥' : '≤'} ${t.limit})`)
}

await main()
