// bench/RESULTS.md: the tables the last `npm run bench` wrote, the hand-written
// notes (bench/NOTES.md) and the latest soak runs (`npm run soak` appends).
import fs from 'node:fs'
import path from 'node:path'
import { benchDir, fmt, IDLE_COLLECTION_WAIT_MS, median, SETTLE_QUIET_MS, startCommand } from './lib.js'
import type { LoadResult } from './load.js'

const startCommandText = (): string => {
  const { env, args } = startCommand()
  return [...Object.entries(env).map(([name, value]) => `${name}=${value}`), 'node', ...args].join(' ')
}

export const resultsFile = path.join(benchDir, 'RESULTS.md')
const notesFile = path.join(benchDir, 'NOTES.md')
const SOAK_MARKER = '<!-- soak runs: written by npm run soak; npm run bench keeps them -->'
const KEEP_SOAK_RUNS = 5

export interface Target {
  name: string
  measured: number
  limit: number
  /** 'min': measured must be at least limit; 'max': below (or equal). */
  kind: 'min' | 'max'
  unit: string
  /** Why there is no figure (the endpoint does not exist yet, …). */
  missing?: string
}

export const passes = (t: Target): boolean | null =>
  t.missing !== undefined || Number.isNaN(t.measured) ? null : t.kind === 'min' ? t.measured >= t.limit : t.measured <= t.limit

export interface Summary { rps: number, p50: number, p99: number, cpuUs: number, statuses: Record<string, number>, rounds: LoadResult[] }

/**
 * A scenario's figure over what it is compared with: the median of the rounds'
 * own ratios, each round's pair measured back to back. A machine whose speed
 * drifts between rounds moves both figures of a pair alike, where the ratio of
 * the two sides' medians would pair a fast round with a slow one.
 */
export function pairedRatio (side: Summary, versus: Summary, by: 'rps' | 'cpu'): number {
  const of = (r: LoadResult): number => by === 'rps' ? r.rps : r.serverCpuUsPerRequest ?? NaN
  const ratios = side.rounds.slice(0, versus.rounds.length).map((r, i) => of(r) / of(versus.rounds[i]!))
  return median(ratios)
}

export interface ScenarioResult {
  name: string
  available: boolean
  note?: string
  service?: Summary
  /** What it was compared against in the same rounds (the bare ceiling, or the service on other requests). */
  versus?: Summary
  versusName?: string
  /** Requests dropped from the mix because the service rejected them. */
  dropped?: string[]
  unexpected?: string
}

/** A reader's latency while a storm runs (the reader alone is BenchResults.readerIdle). */
export interface StormResult { name: string, available: boolean, note?: string, reader?: Summary, storm?: Summary, unexpected?: string }

export interface BenchResults {
  date: string
  /** The commit measured (and whether src/ had uncommitted changes). */
  commit: string
  machine: Record<string, string>
  settings: Record<string, string | number>
  imports: Array<{ format: string, seconds: number, cpuSeconds: number, peakRssMb: number, records: string, runs: number[] }>
  coldStartMs: number[]
  /** CPU time the service had used by its first 200 (steadier than wall time on a busy machine). */
  coldStartCpuMs: number[]
  /**
   * GET /account/recommendations for the bench's watchlist: the first call after each cold start, the median of the 10
   * calls right after it (while the start-up loads run), and the median of 10 calls once those loads are done.
   */
  recommendations: { firstMs: number[], laterMs: number[], settledMs: number[] }
  scenarios: ScenarioResult[]
  readerIdle?: Summary
  storms: StormResult[]
  rss: { idleMb: number, endOfLoadMb: number, afterLoadMb: number, afterIdleMb: number, peakMb: number }
  files: { catalogueMb: number, jsonlMb: number, jsonMb: number }
  targets: Target[]
  /** RESULTS.md's section on search quality (bench/search-quality.ts qualityReport), when it ran. */
  qualitySection?: string
  errors: string[]
  wallSeconds: number
}

const verdict = (t: Target): string => {
  const ok = passes(t)
  if (ok === null) return `not measured${t.missing !== undefined ? ` (${t.missing})` : ''}`
  if (ok) return 'met'
  const by = t.kind === 'max' ? t.measured / t.limit : t.limit / t.measured
  return `**missed**, by ${fmt(by, by < 10 ? 2 : 0)}×`
}

const row = (cells: Array<string | number>): string => `| ${cells.join(' | ')} |`

/** Scenario `name`'s req/s over what it is compared with (pairedRatio); NaN when it did not run or has nothing beside it. */
export function rpsRatioOf (scenarios: ScenarioResult[], name: string): number {
  const s = scenarios.find((x) => x.name === name && x.available)
  return s?.service === undefined || s.versus === undefined ? NaN : pairedRatio(s.service, s.versus, 'rps')
}

/**
 * What issue #18 reported when it set the 40x target, the only figures there are for the old
 * service: on this machine, the old service answered 1.25-1.43k req/s on the 40k catalogue while
 * the bare ceiling (then as now a node:http server answering pre-serialised entries from a Map)
 * answered 57.6-57.9k. Its share of the ceiling is what carries over to another run, whose
 * absolute speed differs (the machine's speed moves between sessions).
 */
export const OLD_SERVICE_REPORTED = { rps: [1250, 1430], ceilingRps: [57_600, 57_900] } as const

/**
 * The old service's figure that can be given without running it: not measured in the same run,
 * so indicative only. `ceilingShare` is this run's entry req/s over the bare ceiling's; the old
 * service's share was the reported req/s over the ceiling of that time.
 */
export function oldServiceEstimate (ceilingShare: number): string {
  if (!Number.isFinite(ceilingShare)) return 'no estimate either (entry against the bare ceiling was not measured in this run)'
  const lowShare = OLD_SERVICE_REPORTED.rps[0] / OLD_SERVICE_REPORTED.ceilingRps[1]
  const highShare = OLD_SERVICE_REPORTED.rps[1] / OLD_SERVICE_REPORTED.ceilingRps[0]
  return `indicative only, not same-run: the issue reported the old service at ${fmt(lowShare * 100, 1)}–${fmt(highShare * 100, 1)}% of the bare ceiling, ` +
    `which puts this run's entry (uniform, ${fmt(ceilingShare, 2)}× the ceiling) at ${fmt(ceilingShare / highShare, 0)}–${fmt(ceilingShare / lowShare, 0)}× the old service; ` +
    `40× would take ${fmt(40 * lowShare, 2)}–${fmt(40 * highShare, 2)}× the ceiling`
}

export function renderBench (r: BenchResults): string {
  const lines: string[] = []
  lines.push('# Benchmark results', '')
  lines.push(`Written by \`npm run bench\` on ${r.date} (${fmt(r.wallSeconds / 60)} min), measured at commit ${r.commit}. Every speed target is a ratio against a baseline measured in the same run (the bare ceiling, or the route a Jikan route mirrors), or a time measured on this machine; the machine is shared and noisy, so expect some drift between runs.`, '')
  lines.push('## Machine', '')
  lines.push(row(['cpu', 'cores', 'memory', 'node', 'os']), row(['---', '---', '---', '---', '---']))
  lines.push(row([r.machine.cpu!, r.machine.cores!, r.machine.memory!, r.machine.node!, r.machine.os!]), '')
  lines.push('Settings: ' + Object.entries(r.settings).map(([k, v]) => `${k}=${v}`).join(', '), '')

  lines.push('## Targets', '')
  lines.push(row(['target', 'measured', 'limit', 'result']), row(['---', '---:', '---:', '---']))
  for (const t of r.targets) {
    lines.push(row([t.name, t.missing !== undefined || Number.isNaN(t.measured) ? '–' : `${fmt(t.measured, t.unit === '×' ? 2 : t.unit === 'µs' || t.unit === 'MB' || t.unit === 'kinds' ? 0 : t.unit === 'ms' ? 1 : 2)} ${t.unit}`, `${t.kind === 'min' ? '≥' : '≤'} ${t.limit} ${t.unit}`, verdict(t)]))
  }
  lines.push('')
  lines.push('"by" says how far from the limit a figure is, as a factor: a missed "at most" target is measured / limit, a missed "at least" one limit / measured.', '')

  lines.push('## Requests', '')
  lines.push(`Medians over ${r.settings.rounds} rounds of ${r.settings.duration} s at ${r.settings.connections} connections each (a scenario and what it is compared with alternate, after ${r.settings.warmup} s of warm-up each). ` +
    'Ids are drawn per request over every served entry of the catalogue: uniformly, or Zipf-distributed (s = 1; the popular entries spread over the catalogue by a seeded shuffle). ' +
    'The bare ceiling (`bench/baseline.ts`) is a `node:http` server answering the service\'s own stored entry answers, pre-serialised, from a Map: no framework, no per-request work but the socket write. ' +
    'Latency in milliseconds, measured by the load generator per request. CPU µs/req is the server process\'s CPU time (user + system, from /proc) per answered request: on a shared machine it moves far less than req/s.', '')
  lines.push(row(['scenario', 'req/s', 'p50', 'p99', 'CPU µs/req', 'compared with', 'its req/s', 'p50', 'p99', 'CPU µs/req', 'req/s ratio', 'CPU ratio', 'notes']))
  lines.push(row(['---', '---:', '---:', '---:', '---:', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---']))
  for (const s of r.scenarios) {
    if (!s.available) { lines.push(row([s.name, 'not available', '', '', '', '', '', '', '', '', '', '', s.note ?? ''])); continue }
    const b = s.versus
    const notes = [s.note, s.unexpected !== undefined && s.unexpected !== '' ? `unexpected statuses: ${s.unexpected}` : undefined,
      s.dropped !== undefined && s.dropped.length > 0 ? `dropped (rejected by the service): ${s.dropped.join(' ')}` : undefined].filter(Boolean).join('; ')
    const sv = s.service!
    lines.push(row([s.name, fmt(sv.rps, 0), fmt(sv.p50, 2), fmt(sv.p99, 2), fmt(sv.cpuUs, 0),
      ...(b === undefined ? ['', '', '', '', '', '', ''] : [s.versusName ?? '', fmt(b.rps, 0), fmt(b.p50, 2), fmt(b.p99, 2), fmt(b.cpuUs, 0), fmt(pairedRatio(sv, b, 'rps'), 2), fmt(pairedRatio(sv, b, 'cpu'), 2)]),
      notes]))
  }
  lines.push('')
  lines.push('"req/s ratio" is the scenario\'s req/s over what it is compared with (against the ceiling: the share of the ceiling reached; for a Jikan route, its inverse is the time ratio of the targets); "CPU ratio" is its CPU per request over the other\'s. Both are the median of the rounds\' own ratios, each round\'s two runs back to back, so that a machine whose speed drifts between rounds does not pair a fast run with a slow one.', '')
  const perRound = r.scenarios.filter((s) => s.available && s.service !== undefined)
  if (perRound.length > 0) {
    lines.push('<details><summary>Every round (req/s)</summary>', '')
    for (const s of perRound) {
      const versus = s.versus
      lines.push(`- ${s.name}: ${s.service!.rounds.map((x) => fmt(x.rps, 0)).join(', ')}` +
        (versus !== undefined
          ? `; ${s.versusName ?? 'compared with'} ${versus.rounds.map((x) => fmt(x.rps, 0)).join(', ')}; ratios ${s.service!.rounds.slice(0, versus.rounds.length).map((x, i) => fmt(x.rps / versus.rounds[i]!.rps, 2)).join(', ')}`
          : ''))
    }
    lines.push('', '</details>', '')
  }

  lines.push('## Storms', '')
  if (r.readerIdle === undefined) {
    lines.push('Not measured (see the problems below).', '')
  } else {
    lines.push(`A reader fetches entries (ids uniform over the catalogue) at ${r.settings.readerRate} req/s over ${r.settings.readerConnections} connections: alone, then while each storm runs at full speed, in ${r.settings.rounds} rounds; medians. ` +
      'The recommendations storm calls GET /account/recommendations for one user whose watchlist holds the bench\'s entries (mostly completed and rated).', '')
    lines.push(row(['while', 'reader p50 (ms)', 'reader p99 (ms)', 'p99 / idle p99', 'storm req/s', 'storm p50 (ms)', 'storm p99 (ms)', 'notes']), row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---']))
    lines.push(row(['nothing else runs', fmt(r.readerIdle.p50, 2), fmt(r.readerIdle.p99, 2), '1.00', '', '', '', '']))
    for (const s of r.storms) {
      if (!s.available) { lines.push(row([s.name, 'not available', '', '', '', '', '', s.note ?? ''])); continue }
      lines.push(row([s.name, fmt(s.reader!.p50, 2), fmt(s.reader!.p99, 2), fmt(s.reader!.p99 / r.readerIdle.p99, 2), fmt(s.storm!.rps, 1), fmt(s.storm!.p50, 1), fmt(s.storm!.p99, 1),
        s.unexpected !== undefined && s.unexpected !== '' ? `unexpected statuses: ${s.unexpected}` : '']))
    }
    lines.push('')
  }

  lines.push('## Recommendations', '')
  if (r.recommendations.firstMs.length === 0) {
    lines.push('Not measured (see the targets).', '')
  } else {
    lines.push(`GET /account/recommendations for a ${r.settings.watchlistSize}-entry watchlist, timed by the client on a connection of its own: the first call after each cold start ${r.recommendations.firstMs.map((ms) => fmt(ms, 1)).join(', ')} ms; ` +
      `the median of the 10 calls right after it, while the service still loads its held answers ${r.recommendations.laterMs.map((ms) => fmt(ms, 1)).join(', ')} ms; ` +
      `the median of 10 calls once those loads are done (the "later calls" target) ${(r.recommendations.settledMs ?? []).map((ms) => fmt(ms, 1)).join(', ')} ms.`, '')
  }

  lines.push('## Old Django service', '')
  const share = rpsRatioOf(r.scenarios, 'entry by id, uniform')
  lines.push('Not measured. The old Django REST service this one replaced is not available here: its source is not in this repository, so it cannot be run beside the service on the same catalogue. ' +
    `The one figure there is for it, ${oldServiceEstimate(share)}: the target asks for nearly the speed of a server that does no work but the socket write.`, '')

  lines.push('## Catalogue import and file', '')
  lines.push(`The generated ${r.settings.count}-entry catalogue, each format into an empty DATA_DIR, by the built CLI in a process of its own; ${r.settings.importRounds} rounds with the formats alternating, medians (peak RSS: the highest).`, '')
  lines.push(row(['format', 'seconds (median)', 'CPU seconds (user + system)', 'peak RSS (MB)', 'every round (s)', 'result']), row(['---', '---:', '---:', '---:', '---', '---']))
  for (const i of r.imports) lines.push(row([i.format, fmt(i.seconds, 2), fmt(i.cpuSeconds, 2), fmt(i.peakRssMb, 0), i.runs.map((x) => fmt(x, 2)).join(', '), i.records]))
  lines.push('')
  lines.push(`catalogue.sqlite after the JSONL import (with its WAL, if any): ${fmt(r.files.catalogueMb)} MB; the AOD JSONL it came from: ${fmt(r.files.jsonlMb)} MB (${fmt(r.files.catalogueMb / r.files.jsonlMb, 2)}×); the same catalogue as pretty-printed JSON: ${fmt(r.files.jsonMb)} MB.`, '')
  if (r.qualitySection !== undefined) lines.push(r.qualitySection, '')
  lines.push('## Start and memory', '')
  lines.push(`Cold start (spawn of what \`npm start\` runs, \`${startCommandText()}\`, to the first 200 of GET /anime/entry/1, ${r.settings.count}-entry catalogue imported): ${r.coldStartMs.map((ms) => fmt(ms, 0)).join(', ')} ms; CPU time used by then: ${r.coldStartCpuMs.map((ms) => fmt(ms, 0)).join(', ')} ms.`, '')
  lines.push(`Service RSS: ${fmt(r.rss.idleMb, 0)} MB after start; ${fmt(r.rss.endOfLoadMb, 0)} MB the moment the last load run (the storms) ended; ` +
    `${fmt(r.rss.afterLoadMb, 0)} MB after the load runs once settled (quiet for ${SETTLE_QUIET_MS / 1000} s: the targets' figure, after the service's quiet collection, which runs once it has been quiet for 6 s); ` +
    (Number.isNaN(r.rss.afterIdleMb) ? '' : `${fmt(r.rss.afterIdleMb, 0)} MB ${IDLE_COLLECTION_WAIT_MS / 1000} s after the load ended, once V8's idle collection has had its time (a quiet process ran it anywhere from about 9 to 100 s after its last full collection in our measurements); `) +
    `${fmt(r.rss.peakMb, 0)} MB at its peak (VmHWM; scrypt at N=2^17 takes 128 MiB per hash while it runs).`, '')
  if (r.errors.length > 0) {
    lines.push('## Problems during the run', '')
    for (const e of r.errors) lines.push(`- ${e.replace(/\n/g, ' ')}`)
    lines.push('')
  }
  lines.push('## How to reproduce', '')
  lines.push('    npm install', '    npm run bench                 # about 12 minutes', '    BENCH_QUICK=1 npm run bench   # one short round of each, no WORKERS=2 and no PostgreSQL: about 4 minutes', '')
  lines.push('The run generates the catalogue (`bench/generate-catalogue.ts`, deterministic; cached in `bench/out/`), builds the service, imports the catalogue, starts the service as `npm start` does (`' + startCommandText() + '`, LOG_LEVEL=warn, login throttle and global rate limit out of the way, since all load comes from one address) and the bare ceiling (`bench/baseline.ts`), and drives each in turn with autocannon from a separate process (`bench/load.ts`). ' +
    'Knobs (environment): `BENCH_QUICK=1`, `BENCH_DURATION` (seconds per round), `BENCH_ROUNDS`, `BENCH_CONNECTIONS`, `BENCH_WARMUP`, `BENCH_COUNT`, `BENCH_SEED`, `BENCH_COLD_STARTS`, `BENCH_IMPORT_ROUNDS`, `BENCH_READER_RATE`, `BENCH_WATCHLIST` (entries in the recommendations\' watchlist), `BENCH_WORKERS=0|1`, `BENCH_POSTGRES=0|1`, `BENCH_SKIP_BUILD=1` (use the existing `dist/`), `BENCH_PROF=1` (writes a CPU profile of the service to `bench/out/prof/`).', '')
  if (fs.existsSync(notesFile)) lines.push(fs.readFileSync(notesFile, 'utf8').trim(), '')
  return lines.join('\n')
}

/** The soak section of the current RESULTS.md (kept across bench runs). */
function soakSection (): string[] {
  if (!fs.existsSync(resultsFile)) return []
  const text = fs.readFileSync(resultsFile, 'utf8')
  const at = text.indexOf(SOAK_MARKER)
  if (at < 0) return []
  return text.slice(at + SOAK_MARKER.length).split(/\n(?=### )/).map((s) => s.trim()).filter((s) => s.startsWith('### '))
}

function write (bench: string, soakRuns: string[]): void {
  const soak = soakRuns.length === 0 ? '' : `\n## Soak runs (newest first)\n\n${SOAK_MARKER}\n\n${soakRuns.slice(0, KEEP_SOAK_RUNS).join('\n\n')}\n`
  fs.writeFileSync(resultsFile, bench.trimEnd() + '\n' + soak)
}

export function writeBench (r: BenchResults): void {
  write(renderBench(r), soakSection())
}

/** Adds a soak summary (markdown starting with `### `) to RESULTS.md, newest first. */
export function appendSoak (summary: string): void {
  let bench = '# Benchmark results\n\n(no `npm run bench` yet)\n'
  if (fs.existsSync(resultsFile)) {
    const text = fs.readFileSync(resultsFile, 'utf8')
    const at = text.indexOf('\n## Soak runs')
    bench = at < 0 ? text : text.slice(0, at)
  }
  write(bench, [summary.trim(), ...soakSection()])
}
