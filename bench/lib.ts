// Process plumbing shared by the benchmark and soak runners: start the built
// service and the baseline as child processes, run the load generator in a
// child of its own, read a process's RSS, describe the machine.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { LoadResult, LoadSpec } from './load.js'

export const benchDir = path.dirname(fileURLToPath(import.meta.url))
export const root = path.resolve(benchDir, '..')
export const outDir = path.join(benchDir, 'out')
const tsx = ['--import', 'tsx']

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

export function envNumber (name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw.trim() === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name}: expected a positive number, got "${raw}"`)
  return value
}

export function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

export interface HttpAnswer { status: number, body: string, headers: http.IncomingHttpHeaders }

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 })

/** One request over a keep-alive connection (`agent: false`: on a connection of its own); rejects on a socket error. */
export function request (url: string, options: { method?: string, body?: string, headers?: Record<string, string>, timeoutMs?: number, agent?: false } = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: options.method ?? 'GET',
      agent: options.agent ?? agent,
      headers: { ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers }
    }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }))
      res.on('error', reject)
    })
    req.setTimeout(options.timeoutMs ?? 10_000, () => req.destroy(new Error(`timeout: ${url}`)))
    req.on('error', reject)
    req.end(options.body)
  })
}

export interface Server {
  name: string
  child: ChildProcess
  url: string
  port: number
  /** Spawn to first 200, in milliseconds. */
  startMs: number
  /** CPU time the process had used by its first 200, in milliseconds. */
  startCpuMs: number
  stop (): Promise<void>
  rssMb (): number
  /** Text the child wrote to stderr (warnings and errors; the service logs at warn). */
  stderr (): string
}

/** Resident set size of a process in MB, from /proc (Linux); NaN where unavailable. */
export function rssMb (pid: number | undefined): number {
  if (pid === undefined) return NaN
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
    const match = /VmRSS:\s+(\d+) kB/.exec(status)
    return match === null ? NaN : Number(match[1]) / 1024
  } catch {
    return NaN
  }
}

/** CPU time (user + system) a process has used so far, in milliseconds, from /proc (Linux); NaN elsewhere. */
export function cpuMs (pid: number | undefined): number {
  if (pid === undefined) return NaN
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th, in clock ticks.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10 + childrenOf(pid).reduce((sum, child) => sum + cpuMs(child), 0)
  } catch {
    return NaN
  }
}

/** Live child processes (a cluster primary's workers), whose CPU counts with their parent's. */
function childrenOf (pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter((x) => x !== '').map(Number)
  } catch {
    return []
  }
}

/** How long a process must be quiet for its RSS to count as settled (see settledRssMb). */
export const SETTLE_QUIET_MS = 8_000

/** How long after the load the bench reads RSS again, once V8's idle collection has had its time (see bench/run.ts). */
export const IDLE_COLLECTION_WAIT_MS = 120_000

/**
 * RSS once the process has settled: in-flight work (queued password hashes, 128 MiB
 * each while they run) has drained and the process has been quiet for `quietMs`,
 * that is, in every 500 ms of that time it used under 5% of a CPU and its RSS moved
 * less than 2%: what it holds once a burst is over. Gives up after `timeoutMs`, and
 * then says so (`settled: false`): what runs next runs beside the process's own work.
 */
export async function settle (pid: number | undefined, quietMs = SETTLE_QUIET_MS, timeoutMs = 40_000): Promise<{ rssMb: number, settled: boolean }> {
  const until = performance.now() + timeoutMs
  let rss = rssMb(pid)
  let cpu = cpuMs(pid)
  let quietSince = performance.now()
  for (;;) {
    await sleep(500)
    const [nextRss, nextCpu] = [rssMb(pid), cpuMs(pid)]
    const quiet = nextCpu - cpu < 25 && Math.abs(nextRss - rss) <= rss * 0.02
    if (!quiet) quietSince = performance.now()
    if (performance.now() - quietSince >= quietMs) return { rssMb: nextRss, settled: true }
    if (performance.now() > until) return { rssMb: nextRss, settled: false }
    rss = nextRss
    cpu = nextCpu
  }
}

/** The RSS `settle` finds, settled or not. */
export async function settledRssMb (pid: number | undefined, quietMs = SETTLE_QUIET_MS, timeoutMs = 40_000): Promise<number> {
  return (await settle(pid, quietMs, timeoutMs)).rssMb
}

/**
 * Spawns a server and polls `probe` (a GET path) until it answers 200; the
 * time from spawn to that answer is the cold start.
 */
export async function startProcess (name: string, args: string[], env: NodeJS.ProcessEnv, port: number, probe: string, timeoutMs = 30_000): Promise<Server> {
  const started = performance.now()
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (text: string) => { if (stderr.length < 100_000) stderr += text })
  let exited: number | null | undefined
  child.once('exit', (code) => { exited = code })
  const url = `http://127.0.0.1:${port}`
  for (;;) {
    if (exited !== undefined) throw new Error(`${name} exited (${exited}) before answering:\n${stderr}`)
    if (performance.now() - started > timeoutMs) { child.kill('SIGKILL'); throw new Error(`${name} did not answer ${probe} within ${timeoutMs} ms:\n${stderr}`) }
    try {
      const answer = await rawGet(url + probe)
      if (answer === 200) break
    } catch {}
    await sleep(2)
  }
  const startMs = performance.now() - started
  const startCpuMs = cpuMs(child.pid)
  return {
    name,
    child,
    url,
    port,
    startMs,
    startCpuMs,
    rssMb: () => rssMb(child.pid),
    stderr: () => stderr,
    stop: () => new Promise((resolve) => {
      if (exited !== undefined) { resolve(); return }
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      child.once('exit', () => { clearTimeout(timer); resolve() })
      child.kill('SIGTERM')
    })
  }
}

/** A GET on a fresh connection (no agent): the cold-start probe. */
function rawGet (url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)) })
    req.on('error', reject)
    req.setTimeout(2000, () => req.destroy(new Error('timeout')))
  })
}

/**
 * Environment of the service under test: all load comes from one client address,
 * so the login throttle and the global rate limit are out of the way; no drain
 * on SIGTERM (no load balancer to tell), so a stop between runs is quick.
 */
export const serviceEnv = (scryptN: number): Record<string, string> => ({
  SHUTDOWN_DRAIN: '0',
  THROTTLE_IP_LIMIT: '1000000',
  THROTTLE_USER_LIMIT: '1000000',
  RATE_LIMIT_MAX: '0',
  PASSWORD_SCRYPT_N: String(scryptN)
})

/**
 * A start script's line (`NAME=value …` settings of its environment, if any,
 * then `node …`, as a POSIX shell reads it), as that environment and node's
 * arguments.
 */
export function parseStartCommand (line: string): { env: Record<string, string>, args: string[] } {
  const words = line.trim().split(/\s+/)
  const env: Record<string, string> = {}
  while (/^[A-Z_][A-Z0-9_]*=/.test(words[0] ?? '')) {
    const [name, ...value] = words.shift()!.split('=')
    env[name!] = value.join('=')
  }
  const [program, ...args] = words
  if (program !== 'node') throw new Error(`npm start is not a node command: ${line}`)
  return { env, args }
}

/** `npm start`'s command (package.json's start script), parsed: what is measured is what users run. */
export function startCommand (): { env: Record<string, string>, args: string[] } {
  const { scripts } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  return parseStartCommand(scripts.start!)
}

/** The service as `npm start` runs it, logging at warn. */
export function startService (dataDir: string, port: number, env: NodeJS.ProcessEnv = {}, nodeArgs: string[] = []): Promise<Server> {
  const start = startCommand()
  return startProcess('service', [...nodeArgs, ...start.args], { ...start.env, LOG_LEVEL: 'warn', DATA_DIR: dataDir, ...env }, port, '/anime/entry/1')
}

export function startBaseline (dataDir: string, port: number): Promise<Server> {
  return startProcess('baseline', [...tsx, path.join(benchDir, 'baseline.ts')], { DATA_DIR: dataDir }, port, '/anime/entry/1')
}

/** Runs the load generator in a child process and returns its result. */
export function load (spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    // The spec goes through stdin: thousands of request paths overflow a command line.
    const child = spawn(process.execPath, [...tsx, path.join(benchDir, 'load.ts')], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] })
    child.stdin.end(JSON.stringify(spec))
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (text: string) => { out += text })
    child.stderr.setEncoding('utf8').on('data', (text: string) => { err += text })
    child.once('exit', (code) => {
      if (code !== 0) { reject(new Error(`load generator failed (${code}): ${err}`)); return }
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as LoadResult)
      } catch (error) {
        reject(new Error(`load generator printed no result: ${out}${err} ${(error as Error).message}`))
      }
    })
  })
}

/** Runs an npm script (the build) and throws with its output when it fails. */
export function npm (script: string): void {
  const result = spawnSync('npm', ['run', '-s', script], { cwd: root, encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`npm run ${script} failed:\n${result.stdout}${result.stderr}`)
}

export function machine (): Record<string, string> {
  const cpus = os.cpus()
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: String(cpus.length),
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`
  }
}

export function median (values: number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return NaN
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** A figure to `digits` decimals; n/a for none (a load run that answered nothing has no latencies). */
export const fmt = (value: number | null | undefined, digits = 1): string => value === null || value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(digits)

/** Statuses in a load result other than the expected ones, as "404×3, 500×1". */
export function unexpected (statuses: Record<string, number>, expected: number[]): string {
  return Object.entries(statuses).filter(([code]) => !expected.includes(Number(code))).map(([code, n]) => `${code}×${n}`).join(', ')
}
