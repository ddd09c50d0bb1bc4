// `npm run soak`: the built service over a real socket for SOAK_DURATION seconds
// (60) at SOAK_CONNECTIONS (100): mixed reads, and registrations, logins and
// logouts where /account exists. Meanwhile the CLI imports a later edition of
// the catalogue into the same DATA_DIR, and a checker client makes sure no reader
// ever sees an error or a mix of the two catalogues, and that once the import has
// finished every answer comes from the new one. Passes with zero errors, zero
// unexpected statuses and RSS at the end within 1.5× of RSS after the warm-up.
// Prints a summary and adds it to bench/RESULTS.md.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { ensureCatalogue, revisionPlan } from './generate-catalogue.js'
import { envNumber, fmt, freePort, load, machine, npm, outDir, request, root, serviceEnv, settledRssMb, SETTLE_QUIET_MS, sleep, startService, unexpected, type Server } from './lib.js'
import type { FlowStep, LoadResult, LoadSpec, RequestTemplate } from './load.js'
import { appendSoak } from './results.js'
import { catalogueIds } from './baseline.js'
import { concreteRequests, probe, randomIds, scenarios } from './scenarios.js'

const settings = {
  count: envNumber('SOAK_COUNT', 40_000),
  seed: envNumber('BENCH_SEED', 1),
  duration: envNumber('SOAK_DURATION', 60),
  warmup: envNumber('SOAK_WARMUP', 10),
  connections: envNumber('SOAK_CONNECTIONS', 100),
  accountConnections: envNumber('SOAK_ACCOUNT_CONNECTIONS', 8),
  importAt: envNumber('SOAK_IMPORT_AT', 15),
  scryptN: envNumber('PASSWORD_SCRYPT_N', 2 ** 17)
}
const RSS_GROWTH_LIMIT = 1.5

const log = (line: string): void => { process.stderr.write(`[soak] ${line}\n`) }

function cli (args: string[], dataDir: string): Promise<{ code: number | null, output: string, exitedAt: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['dist/anime-api.cjs', ...args], { cwd: root, env: { ...process.env, DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (text: string) => { output += text })
    child.stderr.setEncoding('utf8').on('data', (text: string) => { if (!text.startsWith('importing')) output += text })
    child.once('exit', (code) => resolve({ code, output: output.trim(), exitedAt: performance.now() }))
  })
}

/**
 * One client, one request at a time, for the whole soak: which catalogue does
 * each answer come from? Entries of the new edition have pictures ending in
 * `?r=2`; ids of entries the new edition drops answer 404 only after the switch,
 * ids it adds answer 404 only before. Once an answer came from the new
 * catalogue, none may come from the old; once the import has exited, all must
 * come from the new.
 */
function checker (url: string, count: number, newIds: number) {
  const removed = revisionPlan(count, 2).removed
  const ids = randomIds(count + newIds, 4096, 7)
  let stop = false
  let switchedAt: number | null = null
  let importDoneAt: number | null = null
  const stats = { requests: 0, old: 0, new: 0, problems: [] as string[] }
  const problem = (text: string): void => { if (stats.problems.length < 20) stats.problems.push(text) }
  const run = async (): Promise<void> => {
    for (let i = 0; !stop; i++) {
      const id = ids[i % ids.length]!
      const path = i % 5 === 4 ? '/anime/random' : `/anime/entry/${id}`
      const started = performance.now()
      let answer
      try {
        answer = await request(url + path, { timeoutMs: 30_000 })
      } catch (error) {
        problem(`${path}: ${(error as Error).message}`)
        continue
      }
      stats.requests++
      let generation: 1 | 2
      if (answer.status === 200) {
        const picture = (JSON.parse(answer.body) as { picture?: string }).picture ?? ''
        generation = picture.endsWith('?r=2') ? 2 : 1
        if (generation === 1 && path !== '/anime/random' && id > count) problem(`${path}: 200 from the old catalogue, which has no such id`)
      } else if (answer.status === 404 && path !== '/anime/random' && id <= count && removed(id)) {
        generation = 2
      } else if (answer.status === 404 && path !== '/anime/random' && id > count) {
        generation = 1
      } else {
        problem(`${path}: ${answer.status} ${answer.body.slice(0, 120)}`)
        continue
      }
      if (generation === 2) { stats.new++; switchedAt ??= started } else stats.old++
      if (generation === 1 && switchedAt !== null && started > switchedAt) problem(`${path}: the old catalogue again after the new one was seen`)
      if (generation === 1 && importDoneAt !== null && started > importDoneAt) problem(`${path}: the old catalogue after the import had finished`)
    }
  }
  const done = run()
  return {
    stats,
    importDone: (at: number) => { importDoneAt = at },
    switchedAt: () => switchedAt,
    stop: async () => { stop = true; await done }
  }
}

function accountFlow (): FlowStep[] {
  const credentials = '"username":"soak_{n}","password":"soak password {n}"'
  return [
    { method: 'POST', path: '/account/register', body: `{${credentials},"email":"soak_{n}@soak.example"}`, unique: true },
    { method: 'POST', path: '/account/login', body: `{${credentials}}` },
    { method: 'POST', path: '/account/logout', headers: { authorization: 'Token {token}' } },
    { method: 'POST', path: '/account/login', body: `{${credentials}}` },
    { method: 'POST', path: '/account/logoutall', headers: { authorization: 'Token {token}' } }
  ]
}

/** Percent of the reads each scenario gets (bench/scenarios.ts names); others 0% (the Jikan routes, and the Zipf variants: the uniform ones stand for both). */
const readShares: Record<string, number> = {
  'entry by id, uniform': 40, random: 15, 'details, uniform': 10, search: 10, tags: 10, 'similar, uniform': 5, 'random, filtered': 5
}

async function readMix (service: Server, dataDir: string): Promise<{ requests: RequestTemplate[], included: string[] }> {
  // Reads that answer 200 before and after the import: ids both editions have.
  const removed = revisionPlan(settings.count, 2).removed
  const included: string[] = []
  const requests: RequestTemplate[] = []
  for (const scenario of scenarios(catalogueIds(dataDir))) {
    const share = readShares[scenario.name]
    if (share === undefined) continue
    const probed = await probe(service, scenario)
    if (!probed.available) continue
    const kept = concreteRequests({ ...scenario, requests: probed.requests }, 4096, settings.seed).filter((r) => !/\/anime\/entry\/(\d+)/.test(r.path) || !removed(Number(/\/anime\/entry\/(\d+)/.exec(r.path)![1])))
    // Shares of a day's traffic, not of the endpoints' cost: lookups mostly, some discovery.
    for (let i = 0; i < share * 10; i++) requests.push(kept[i % kept.length]!)
    included.push(`${scenario.name} ${share}%`)
  }
  return { requests, included }
}

async function main (): Promise<void> {
  const began = new Date()
  const failures: string[] = []
  log('generating the catalogue and its next edition')
  const first = ensureCatalogue(outDir, { count: settings.count, seed: settings.seed })
  const second = ensureCatalogue(outDir, { count: settings.count, seed: settings.seed, revision: 2 })
  const plan = revisionPlan(settings.count, 2)
  let newIds = 0
  for (let n = settings.count + 1; n <= plan.total; n++) if (!plan.removed(n)) newIds++
  if (process.env.BENCH_SKIP_BUILD === '1') log('using the existing build (BENCH_SKIP_BUILD=1)')
  else {
    log('building the service')
    npm('build')
  }

  const dataDir = path.join(outDir, 'soak-data')
  fs.rmSync(dataDir, { recursive: true, force: true })
  log('importing the catalogue')
  const initial = await cli(['catalogue', 'import', first.jsonl], dataDir)
  if (initial.code !== 0) throw new Error(`import failed: ${initial.output}`)

  const service = await startService(dataDir, await freePort(), serviceEnv(settings.scryptN))
  let summary = ''
  try {
    const reads = await readMix(service, dataDir)
    const accounts = (await request(service.url + '/account/login', { method: 'POST', body: '{}' })).status !== 404
    const readers = settings.connections - (accounts ? settings.accountConnections : 0)
    const readSpec: LoadSpec = { url: service.url, connections: readers, duration: settings.duration, requests: reads.requests, seed: settings.seed, timeout: 30 }
    const flowSpec: LoadSpec = { url: service.url, connections: settings.accountConnections, duration: settings.duration, flow: accountFlow(), timeout: 60 }
    log(`reads: ${reads.included.join(', ')}; account flows: ${accounts ? `${settings.accountConnections} connections` : 'not available'}`)

    log(`warming up for ${settings.warmup} s`)
    await Promise.all([load({ ...readSpec, duration: settings.warmup }), accounts ? load({ ...flowSpec, duration: settings.warmup }) : undefined])
    const rssWarm = await settledRssMb(service.child.pid)

    log(`soaking for ${settings.duration} s at ${settings.connections} connections; importing the next edition after ${settings.importAt} s`)
    const check = checker(service.url, settings.count, newIds)
    const started = performance.now()
    const loads = Promise.all([load(readSpec), accounts ? load(flowSpec) : Promise.resolve(undefined)])
    const rssSamples: number[] = []
    const sampler = setInterval(() => rssSamples.push(service.rssMb()), 1000)
    await sleep(settings.importAt * 1000)
    const importStarted = performance.now()
    const update = await cli(['catalogue', 'import', second.jsonl], dataDir)
    check.importDone(update.exitedAt)
    if (update.code !== 0) failures.push(`the import during the soak failed (${update.code}): ${update.output}`)
    const [readResult, flowResult] = await loads as [LoadResult, LoadResult | undefined]
    // On a busy machine the import can outlast the load: then readers get another
    // ten seconds on the new catalogue, so that the switch is seen under load too.
    const loadEnded = performance.now()
    const afterSwitch = update.exitedAt > loadEnded - 5000 ? await load({ ...readSpec, duration: 10 }) : undefined
    clearInterval(sampler)
    await sleep(2000) // the checker runs on a little past the import, then stops
    await check.stop()
    const rssEnd = await settledRssMb(service.child.pid)
    const seconds = (performance.now() - started) / 1000

    const readBad = unexpected(readResult.statuses, [200])
    const flowBad = flowResult === undefined ? '' : unexpected(flowResult.statuses, [200, 204])
    if (readResult.errors + readResult.timeouts > 0) failures.push(`readers: ${readResult.errors} errors, ${readResult.timeouts} timeouts`)
    if (readBad !== '') failures.push(`readers: unexpected statuses ${readBad}`)
    if (afterSwitch !== undefined) {
      const bad = unexpected(afterSwitch.statuses, [200])
      if (afterSwitch.errors + afterSwitch.timeouts > 0 || bad !== '') failures.push(`readers after the switch: ${afterSwitch.errors} errors, ${afterSwitch.timeouts} timeouts${bad === '' ? '' : `, unexpected statuses ${bad}`}`)
    }
    if (flowResult !== undefined && flowResult.errors + flowResult.timeouts > 0) failures.push(`account flows: ${flowResult.errors} errors, ${flowResult.timeouts} timeouts`)
    if (flowBad !== '') failures.push(`account flows: unexpected statuses ${flowBad}`)
    for (const p of check.stats.problems) failures.push(`import checker: ${p}`)
    if (check.stats.new === 0) failures.push('import checker: never saw the new catalogue')
    if (rssEnd > rssWarm * RSS_GROWTH_LIMIT) failures.push(`RSS grew from ${fmt(rssWarm, 0)} MB to ${fmt(rssEnd, 0)} MB (limit ${RSS_GROWTH_LIMIT}×)`)
    const warnings = service.stderr().trim()
    if (warnings !== '') failures.push(`the service logged: ${warnings.split('\n').slice(0, 3).join(' / ').slice(0, 600)}`)

    const switched = check.switchedAt()
    const m = machine()
    summary = [
      `### ${began.toISOString().replace(/\.\d+Z$/, 'Z')}: ${failures.length === 0 ? 'pass' : '**FAIL**'}`,
      '',
      `${fmt(seconds, 0)} s at ${settings.connections} connections against the production build (${m.cpu}, ${m.cores} cores, node ${m.node}); ${settings.count}-entry catalogue; scrypt N=${settings.scryptN}.`,
      '',
      `- reads (${readers} connections; ${reads.included.join(', ')}): ${readResult.requests} requests, ${fmt(readResult.rps, 0)} req/s, p50 ${fmt(readResult.latency.p50, 2)} ms, p99 ${fmt(readResult.latency.p99, 2)} ms, max ${fmt(readResult.latency.max, 0)} ms; statuses ${JSON.stringify(readResult.statuses)}, ${readResult.errors} errors, ${readResult.timeouts} timeouts`,
      flowResult === undefined
        ? '- account flows: not available (/account answers 404)'
        : `- account flows (${settings.accountConnections} connections; register, login, logout, login, logoutall): ${flowResult.requests} requests, ${fmt(flowResult.rps, 1)} req/s, p99 ${fmt(flowResult.latency.p99, 0)} ms; statuses ${JSON.stringify(flowResult.statuses)}, ${flowResult.errors} errors, ${flowResult.timeouts} timeouts`,
      ...(afterSwitch === undefined ? [] : [`- the import outlasted the load, so readers ran 10 s more after the switch: ${afterSwitch.requests} requests, p99 ${fmt(afterSwitch.latency.p99, 2)} ms; statuses ${JSON.stringify(afterSwitch.statuses)}, ${afterSwitch.errors} errors, ${afterSwitch.timeouts} timeouts`]),
      `- import of the next edition (CLI, same DATA_DIR) after ${settings.importAt} s: ${fmt((update.exitedAt - importStarted) / 1000, 1)} s, exit ${update.code}; ${update.output.split('\n').pop() ?? ''}`,
      `- import checker: ${check.stats.requests} sequential reads, ${check.stats.old} from the old catalogue and ${check.stats.new} from the new; switch seen ${switched === null ? 'never' : `${fmt((switched - importStarted) / 1000, 1)} s after the import started (it exited after ${fmt((update.exitedAt - importStarted) / 1000, 1)} s)`}; ${check.stats.problems.length} problems`,
      `- RSS (settled: queued work drained, then quiet for ${SETTLE_QUIET_MS / 1000} s): ${fmt(rssWarm, 0)} MB after warm-up, ${fmt(rssEnd, 0)} MB at the end (${fmt(rssEnd / rssWarm, 2)}×, limit ${RSS_GROWTH_LIMIT}×); highest sample during the soak ${fmt(Math.max(...rssSamples), 0)} MB`,
      ...(failures.length > 0 ? ['', 'Failures:', ...failures.map((f) => `- ${f.replace(/\n/g, ' ')}`)] : []),
      '',
      `Reproduce: \`npm run soak\` (knobs: SOAK_DURATION, SOAK_CONNECTIONS, SOAK_ACCOUNT_CONNECTIONS, SOAK_WARMUP, SOAK_IMPORT_AT, SOAK_COUNT, BENCH_SKIP_BUILD=1).`
    ].join('\n')
  } finally {
    await service.stop()
  }
  console.log(summary)
  appendSoak(summary)
  log(`added to ${path.relative(root, path.join(path.dirname(outDir), 'RESULTS.md'))}`)
  process.exitCode = failures.length === 0 ? 0 : 1
}

await main()
