// `npm run bench`: generate the 40k catalogue, import it (JSON and JSONL), build
// and start the service, measure its cold start, drive it and the baseline in
// turn, and write bench/RESULTS.md. About five minutes with the defaults; the
// BENCH_* environment variables (see results.ts) shorten or lengthen it.
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { ensureCatalogue } from './generate-catalogue.js'
import { benchDir, cpuMs, envNumber, fmt, freePort, load, machine, median, npm, outDir, request, root, serviceEnv, settledRssMb, sleep, startBaseline, startService, unexpected, type Server } from './lib.js'
import type { LoadResult, RequestTemplate } from './load.js'
import { writeBench, type BenchResults, type ScenarioResult, type Summary, type Target } from './results.js'
import { probe, scenarios, type Scenario } from './scenarios.js'

const settings = {
  count: envNumber('BENCH_COUNT', 40_000),
  seed: envNumber('BENCH_SEED', 1),
  duration: envNumber('BENCH_DURATION', 5),
  rounds: envNumber('BENCH_ROUNDS', 3),
  connections: envNumber('BENCH_CONNECTIONS', 10),
  warmup: envNumber('BENCH_WARMUP', 2),
  coldStarts: envNumber('BENCH_COLD_STARTS', 5),
  importRounds: envNumber('BENCH_IMPORT_ROUNDS', 3),
  readerRate: envNumber('BENCH_READER_RATE', 1000),
  readerConnections: 4,
  loginConnections: 4,
  scryptN: envNumber('PASSWORD_SCRYPT_N', 2 ** 17)
}
const profile = process.env.BENCH_PROF === '1'

const log = (line: string): void => { process.stderr.write(`[bench] ${line}\n`) }

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

async function measureScenario (scenario: Scenario, service: Server, baseline: Server): Promise<ScenarioResult> {
  const probed = await probe(service, scenario)
  if (!probed.available) { log(`${scenario.name}: not available (${probed.note ?? ''})`); return { name: scenario.name, available: false, note: probed.note, dropped: probed.dropped } }
  const targets = scenario.baseline ? [service, baseline] : [service]
  const spec = (target: Server, duration: number) => ({ url: target.url, connections: settings.connections, duration, requests: probed.requests, seed: settings.seed })
  for (const target of targets) await load(spec(target, settings.warmup))
  const rounds = new Map<Server, LoadResult[]>(targets.map((t) => [t, []]))
  for (let round = 0; round < settings.rounds; round++) {
    // Alternate the order, so that drift of a noisy machine hits both alike.
    for (const target of round % 2 === 0 ? targets : [...targets].reverse()) {
      const cpuBefore = cpuMs(target.child.pid)
      const result = await load(spec(target, settings.duration))
      result.serverCpuUsPerRequest = 1000 * (cpuMs(target.child.pid) - cpuBefore) / Math.max(1, result.requests)
      rounds.get(target)!.push(result)
      log(`${scenario.name} ${target.name} round ${round + 1}: ${fmt(result.rps, 0)} req/s, p99 ${fmt(result.latency.p99, 2)} ms`)
    }
  }
  const serviceSummary = summarize(rounds.get(service)!)
  const baselineSummary = scenario.baseline ? summarize(rounds.get(baseline)!) : undefined
  const bad = [unexpected(serviceSummary.statuses, scenario.expected), baselineSummary === undefined ? '' : unexpected(baselineSummary.statuses, scenario.expected)]
  return {
    name: scenario.name,
    available: true,
    service: serviceSummary,
    ...(baselineSummary !== undefined ? { baseline: baselineSummary } : {}),
    dropped: probed.dropped,
    unexpected: bad.filter((s) => s !== '').join('; ')
  }
}

async function loginStorm (service: Server, ids: RequestTemplate[]): Promise<NonNullable<BenchResults['loginStorm']>> {
  const none = { idleP99: NaN, stormP99: NaN, idleP50: NaN, stormP50: NaN, loginsPerSecond: NaN }
  const exists = await request(service.url + '/account/login', { method: 'POST', body: '{}' })
  if (exists.status === 404) return { available: false, note: 'POST /account/login answers 404', ...none }
  const users = Array.from({ length: settings.loginConnections }, (_, i) => ({ username: `bench_${Date.now().toString(36)}_${i}`, password: `correct horse battery staple ${i}` }))
  for (const user of users) {
    const answer = await request(service.url + '/account/register', { method: 'POST', body: JSON.stringify({ ...user, email: `${user.username}@bench.example` }) })
    if (answer.status !== 200) return { available: false, note: `register answered ${answer.status}: ${answer.body.slice(0, 200)}`, ...none }
  }
  const logins = users.map((user) => ({ method: 'POST' as const, path: '/account/login', body: JSON.stringify(user) }))
  const reader = { url: service.url, connections: settings.readerConnections, duration: settings.duration, requests: ids, rate: settings.readerRate, seed: settings.seed }
  const storm = { url: service.url, connections: settings.loginConnections, duration: settings.duration + 2, requests: logins, seed: settings.seed }
  await load({ ...reader, duration: settings.warmup })
  await load({ ...storm, duration: settings.warmup })
  const idle: LoadResult[] = []
  const during: LoadResult[] = []
  const stormRounds: LoadResult[] = []
  for (let round = 0; round < settings.rounds; round++) {
    idle.push(await load(reader))
    const [loginResult, readerResult] = await Promise.all([load(storm), sleep(1000).then(() => load(reader))])
    stormRounds.push(loginResult)
    during.push(readerResult)
    log(`login storm round ${round + 1}: reader p99 idle ${fmt(idle.at(-1)!.latency.p99, 2)} ms, storm ${fmt(readerResult.latency.p99, 2)} ms; ${fmt(loginResult.rps, 1)} logins/s`)
  }
  const idleSummary = summarize(idle)
  const duringSummary = summarize(during)
  const loginSummary = summarize(stormRounds)
  return {
    available: true,
    idleP99: idleSummary.p99,
    stormP99: duringSummary.p99,
    idleP50: idleSummary.p50,
    stormP50: duringSummary.p50,
    loginsPerSecond: loginSummary.rps,
    unexpected: [unexpected(idleSummary.statuses, [200]), unexpected(duringSummary.statuses, [200]), unexpected(loginSummary.statuses, [200])].filter((s) => s !== '').join('; ')
  }
}

function peakRssMb (pid: number | undefined): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match === null ? NaN : Number(match[1]) / 1024
  } catch { return NaN }
}

async function main (): Promise<void> {
  const began = performance.now()
  const errors: string[] = []
  const results: BenchResults = {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    machine: machine(),
    settings: { ...settings },
    imports: [],
    coldStartMs: [],
    coldStartCpuMs: [],
    scenarios: [],
    rss: { idleMb: NaN, endOfLoadMb: NaN, afterLoadMb: NaN, peakMb: NaN },
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
  await sleep(2000)
  // Several rounds, the formats alternating, medians reported (one import is at the mercy of a noisy neighbour).
  const reports = { json: [] as Array<Awaited<ReturnType<typeof runImport>>>, jsonl: [] as Array<Awaited<ReturnType<typeof runImport>>> }
  for (let round = 0; round < settings.importRounds; round++) {
    for (const format of ['json', 'jsonl'] as const) {
      log(`importing ${format.toUpperCase()} (round ${round + 1} of ${settings.importRounds})`)
      const report = await runImport(files[format], dirs[format])
      if (report.code !== 0) errors.push(`import ${format}: exit ${report.code}: ${report.output.join(' ')}`)
      reports[format].push(report)
      log(`  ${fmt(report.seconds, 2)} s (CPU ${fmt(report.cpuSeconds, 2)} s), peak RSS ${fmt(report.peakRssMb, 0)} MB`)
    }
  }
  for (const format of ['json', 'jsonl'] as const) {
    const runs = reports[format]
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
  log('cold starts')
  for (let i = 0; i < settings.coldStarts; i++) {
    const server = await startService(dataDir, await freePort(), serviceEnv(settings.scryptN))
    results.coldStartMs.push(server.startMs)
    results.coldStartCpuMs.push(server.startCpuMs)
    await server.stop()
  }
  log(`  ${results.coldStartMs.map((ms) => fmt(ms, 0)).join(', ')} ms`)

  const service = await startService(dataDir, await freePort(), serviceEnv(settings.scryptN), profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(outDir, 'prof')}`] : [])
  const baseline = await startBaseline(dataDir, await freePort())
  try {
    await sleep(500)
    results.rss.idleMb = service.rssMb()
    const all = scenarios(settings.count, settings.seed)
    for (const scenario of all) {
      try {
        results.scenarios.push(await measureScenario(scenario, service, baseline))
      } catch (error) {
        errors.push(`${scenario.name}: ${(error as Error).message}`)
        results.scenarios.push({ name: scenario.name, available: false, note: 'failed, see below' })
      }
    }
    try {
      results.loginStorm = await loginStorm(service, all[0]!.requests)
    } catch (error) {
      errors.push(`login storm: ${(error as Error).message}`)
    }
    results.rss.endOfLoadMb = service.rssMb()
    results.rss.afterLoadMb = await settledRssMb(service.child.pid)
    results.rss.peakMb = peakRssMb(service.child.pid)
    const warnings = service.stderr().trim()
    if (warnings !== '') errors.push(`the service logged (warn and above): ${warnings.split('\n').slice(0, 5).join(' / ').slice(0, 1000)}`)
    await service.stop()

    // The same service with WORKERS=2 (node:cluster, one port): the baseline stays one process.
    log('WORKERS=2')
    const workers = await startService(dataDir, await freePort(), { ...serviceEnv(settings.scryptN), WORKERS: '2' })
    try {
      for (const scenario of all.filter((s) => ['entry by id', 'random', 'search'].includes(s.name))) {
        const renamed = { ...scenario, name: `${scenario.name}, WORKERS=2` }
        try {
          results.scenarios.push(await measureScenario(renamed, workers, baseline))
        } catch (error) {
          errors.push(`${renamed.name}: ${(error as Error).message}`)
        }
      }
    } finally {
      await workers.stop()
    }
  } finally {
    await service.stop()
    await baseline.stop()
  }

  // Accounts on PostgreSQL against SQLite (bench/postgres.ts), after the main service stopped; BENCH_POSTGRES=0 skips it.
  let storageTableText = ''
  if (process.env.BENCH_POSTGRES !== '0') {
    log('accounts on PostgreSQL vs SQLite')
    try {
      const { benchStorage, storageTable } = await import('./postgres.js')
      storageTableText = storageTable(await benchStorage({ duration: settings.duration, rounds: settings.rounds, connections: settings.connections, scryptN: settings.scryptN, log }))
    } catch (error) {
      errors.push(`accounts on PostgreSQL: ${(error as Error).message}`)
    }
  }

  const ratio = (name: string): number => {
    const s = results.scenarios.find((x) => x.name === name)
    return s?.service !== undefined && s.baseline !== undefined ? s.service.rps / s.baseline.rps : NaN
  }
  const storm = results.loginStorm
  const importOf = (format: string): number => results.imports.find((i) => i.format === format)?.seconds ?? NaN
  const targets: Target[] = [
    { name: 'entry by id: service / baseline req/s', measured: ratio('entry by id'), limit: 0.85, kind: 'min', unit: '×' },
    { name: 'random: service / baseline req/s', measured: ratio('random'), limit: 0.85, kind: 'min', unit: '×' },
    { name: 'login storm: readers\' p99 / idle p99', measured: storm?.available === true ? storm.stormP99 / storm.idleP99 : NaN, limit: 2, kind: 'max', unit: '×', ...(storm?.available !== true ? { missing: storm?.note ?? 'failed' } : {}) },
    { name: 'import, JSON', measured: importOf('JSON'), limit: 5, kind: 'max', unit: 's' },
    { name: 'import, JSONL', measured: importOf('JSONL'), limit: 5, kind: 'max', unit: 's' },
    { name: 'cold start to first 200 (median)', measured: median(results.coldStartMs) / 1000, limit: 0.5, kind: 'max', unit: 's' },
    { name: 'service RSS after the load runs', measured: results.rss.afterLoadMb, limit: 120, kind: 'max', unit: 'MB' }
  ]
  for (const s of results.scenarios) {
    if (s.available && s.unexpected !== undefined && s.unexpected !== '') errors.push(`${s.name}: unexpected statuses ${s.unexpected}`)
  }
  results.targets = targets
  results.wallSeconds = (performance.now() - began) / 1000
  writeBench(results)
  if (storageTableText !== '') (await import('./postgres.js')).addStorageSection(storageTableText)
  log(`wrote ${path.relative(root, path.join(benchDir, 'RESULTS.md'))} in ${fmt(results.wallSeconds / 60)} min`)
  for (const t of targets) log(`${t.name}: ${fmt(t.measured, 2)} ${t.unit} (limit ${t.kind === 'min' ? '≥' : '≤'} ${t.limit})`)
}

await main()
