// bench/RESULTS.md: the tables the last `npm run bench` wrote, the hand-written
// notes (bench/NOTES.md) and the latest soak runs (`npm run soak` appends).
import fs from 'node:fs'
import path from 'node:path'
import { benchDir, fmt, SETTLE_QUIET_MS, startCommand } from './lib.js'
import type { LoadResult } from './load.js'

const startCommandText = (): string => ['node', ...startCommand()].join(' ')

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

export interface ScenarioResult {
  name: string
  available: boolean
  note?: string
  service?: Summary
  baseline?: Summary
  /** Requests dropped from the mix because the service rejected them. */
  dropped?: string[]
  unexpected?: string
}

export interface BenchResults {
  date: string
  machine: Record<string, string>
  settings: Record<string, string | number>
  imports: Array<{ format: string, seconds: number, cpuSeconds: number, peakRssMb: number, records: string, runs: number[] }>
  coldStartMs: number[]
  /** CPU time the service had used by its first 200 (steadier than wall time on a busy machine). */
  coldStartCpuMs: number[]
  scenarios: ScenarioResult[]
  loginStorm?: { available: boolean, note?: string, idleP99: number, stormP99: number, idleP50: number, stormP50: number, loginsPerSecond: number, unexpected?: string }
  rss: { idleMb: number, endOfLoadMb: number, afterLoadMb: number, peakMb: number }
  targets: Target[]
  errors: string[]
  wallSeconds: number
}

const verdict = (t: Target): string => {
  const ok = passes(t)
  return ok === null ? `not measured${t.missing !== undefined ? ` (${t.missing})` : ''}` : ok ? 'pass' : '**FAIL**'
}

const row = (cells: Array<string | number>): string => `| ${cells.join(' | ')} |`

export function renderBench (r: BenchResults): string {
  const lines: string[] = []
  lines.push('# Benchmark results', '')
  lines.push(`Written by \`npm run bench\` on ${r.date} (${fmt(r.wallSeconds / 60)} min). Every speed target is a ratio against a baseline measured in the same run, or a time measured on this machine; the machine is shared and noisy, so expect a few percent of drift between runs.`, '')
  lines.push('## Machine', '')
  lines.push(row(['cpu', 'cores', 'memory', 'node', 'os']), row(['---', '---', '---', '---', '---']))
  lines.push(row([r.machine.cpu!, r.machine.cores!, r.machine.memory!, r.machine.node!, r.machine.os!]), '')
  lines.push('Settings: ' + Object.entries(r.settings).map(([k, v]) => `${k}=${v}`).join(', '), '')

  lines.push('## Targets', '')
  lines.push(row(['target', 'measured', 'limit', 'result']), row(['---', '---:', '---:', '---']))
  for (const t of r.targets) {
    lines.push(row([t.name, t.missing !== undefined ? '–' : `${fmt(t.measured, t.unit === '×' ? 2 : 1)} ${t.unit}`, `${t.kind === 'min' ? '≥' : '≤'} ${t.limit} ${t.unit}`, verdict(t)]))
  }
  lines.push('')

  lines.push('## Requests', '')
  lines.push(`Medians over ${r.settings.rounds} rounds of ${r.settings.duration} s at ${r.settings.connections} connections each (service and baseline alternate, after ${r.settings.warmup} s of warm-up). Latency in milliseconds, measured by the load generator per request. CPU µs/req is the server process's CPU time (user + system, from /proc) per answered request: on a shared machine it moves far less than req/s, so the last column is the steadier view of the same ratio.`, '')
  lines.push(row(['scenario', 'service req/s', 'p50', 'p99', 'CPU µs/req', 'baseline req/s', 'p50', 'p99', 'CPU µs/req', 'service / baseline req/s', 'baseline / service CPU', 'notes']))
  lines.push(row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---']))
  for (const s of r.scenarios) {
    if (!s.available) { lines.push(row([s.name, 'not available', '', '', '', '', '', '', '', '', '', s.note ?? ''])); continue }
    const b = s.baseline
    const notes = [s.note, s.unexpected !== undefined && s.unexpected !== '' ? `unexpected statuses: ${s.unexpected}` : undefined,
      s.dropped !== undefined && s.dropped.length > 0 ? `dropped (rejected by the service): ${s.dropped.join(' ')}` : undefined].filter(Boolean).join('; ')
    const sv = s.service!
    lines.push(row([s.name, fmt(sv.rps, 0), fmt(sv.p50, 2), fmt(sv.p99, 2), fmt(sv.cpuUs, 0),
      ...(b === undefined ? ['', '', '', '', '', ''] : [fmt(b.rps, 0), fmt(b.p50, 2), fmt(b.p99, 2), fmt(b.cpuUs, 0), fmt(sv.rps / b.rps, 2), fmt(b.cpuUs / sv.cpuUs, 2)]),
      notes]))
  }
  lines.push('')
  const perRound = r.scenarios.filter((s) => s.available && s.service !== undefined)
  if (perRound.length > 0) {
    lines.push('<details><summary>Every round (req/s)</summary>', '')
    for (const s of perRound) {
      lines.push(`- ${s.name}: service ${s.service!.rounds.map((x) => fmt(x.rps, 0)).join(', ')}` +
        (s.baseline !== undefined ? `; baseline ${s.baseline.rounds.map((x) => fmt(x.rps, 0)).join(', ')}` : ''))
    }
    lines.push('', '</details>', '')
  }

  lines.push('## Login storm', '')
  const storm = r.loginStorm
  if (storm === undefined || !storm.available) {
    lines.push(`Not available${storm?.note !== undefined ? `: ${storm.note}` : ''}.`, '')
  } else {
    lines.push(`Logins at full speed (${r.settings.loginConnections} connections, scrypt N=${r.settings.scryptN}) while a reader fetches entries at ${r.settings.readerRate} req/s over ${r.settings.readerConnections} connections; the reader alone first, in alternating rounds.`, '')
    lines.push(row(['', 'reader p50 (ms)', 'reader p99 (ms)']), row(['---', '---:', '---:']))
    lines.push(row(['idle', fmt(storm.idleP50, 2), fmt(storm.idleP99, 2)]))
    lines.push(row(['during the storm', fmt(storm.stormP50, 2), fmt(storm.stormP99, 2)]))
    lines.push('', `Logins/s: ${fmt(storm.loginsPerSecond, 1)}.${storm.unexpected !== undefined && storm.unexpected !== '' ? ` Unexpected statuses: ${storm.unexpected}.` : ''}`, '')
  }

  lines.push('## Catalogue import', '')
  lines.push(`The generated ${r.settings.count}-entry catalogue, each format into an empty DATA_DIR, by the built CLI in a process of its own; ${r.settings.importRounds} rounds with the formats alternating, medians (peak RSS: the highest).`, '')
  lines.push(row(['format', 'seconds (median)', 'CPU seconds (user + system)', 'peak RSS (MB)', 'every round (s)', 'result']), row(['---', '---:', '---:', '---:', '---', '---']))
  for (const i of r.imports) lines.push(row([i.format, fmt(i.seconds, 2), fmt(i.cpuSeconds, 2), fmt(i.peakRssMb, 0), i.runs.map((x) => fmt(x, 2)).join(', '), i.records]))
  lines.push('')
  lines.push('## Start and memory', '')
  lines.push(`Cold start (spawn of what \`npm start\` runs, \`${startCommandText()}\`, to the first 200 of GET /anime/entry/1, 40k catalogue imported): ${r.coldStartMs.map((ms) => fmt(ms, 0)).join(', ')} ms; CPU time used by then: ${r.coldStartCpuMs.map((ms) => fmt(ms, 0)).join(', ')} ms.`, '')
  lines.push(`Service RSS: ${fmt(r.rss.idleMb, 0)} MB after start; ${fmt(r.rss.endOfLoadMb, 0)} MB the moment the last load run (the login storm) ended; ` +
    `${fmt(r.rss.afterLoadMb, 0)} MB after the load runs once settled (quiet for ${SETTLE_QUIET_MS / 1000} s); ` +
    `${fmt(r.rss.peakMb, 0)} MB at its peak (VmHWM; scrypt at N=2^17 takes 128 MiB per hash while it runs).`, '')
  if (r.errors.length > 0) {
    lines.push('## Problems during the run', '')
    for (const e of r.errors) lines.push(`- ${e.replace(/\n/g, ' ')}`)
    lines.push('')
  }
  lines.push('## How to reproduce', '')
  lines.push('    npm install', '    npm run bench', '')
  lines.push('The run generates the catalogue (`bench/generate-catalogue.ts`, deterministic; cached in `bench/out/`), imports it, builds the service, starts it as `npm start` does (`' + startCommandText() + '`, LOG_LEVEL=warn, login throttle and global rate limit out of the way, since all load comes from one address) and the baseline (`bench/baseline.ts`), and drives each in turn with autocannon from a separate process (`bench/load.ts`). Knobs (environment): `BENCH_DURATION` (seconds per round), `BENCH_ROUNDS`, `BENCH_CONNECTIONS`, `BENCH_WARMUP`, `BENCH_COUNT`, `BENCH_SEED`, `BENCH_COLD_STARTS`, `BENCH_IMPORT_ROUNDS`, `BENCH_READER_RATE`, `BENCH_SKIP_BUILD=1` (use the existing `dist/`), `BENCH_PROF=1` (writes a CPU profile of the service to `bench/out/prof/`).', '')
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
