// Service processes for tests of what only a process shows: signals, exit
// codes, files left on disk, several processes on one store. startProcess is
// the one place a test spawns the service (`program`: the bundle, or the
// sources when tap measures coverage; or the single executable) and waits for
// it; spawnServer is the common case: the program on a free port and a
// temporary DATA_DIR with a small catalogue.
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import { spawn, type ChildProcess } from 'node:child_process'
import type { Test } from 'tap'
import { projectRoot } from '../../src/config.js'
import { aodRecord, writeAod } from './aod.js'
import { tempDir } from './app.js'
import { measuresCoverage, testBundle } from './bundle.js'

/**
 * Node's arguments to run a TypeScript program from the sources, as the test
 * processes themselves run (the loader of test/helpers/ts-loader.mjs: its
 * source maps let the coverage report count what the child ran).
 */
export const fromSources = ['--import', path.join(import.meta.dirname, 'ts-loader.mjs')]

/**
 * Node's arguments that run the `anime-api` program (src/cli.ts) in a child
 * process, before the program's own: from the bundle (as `npm start` runs it)
 * in a run without coverage; from the sources where tap measures coverage, so
 * that the report counts what the child ran.
 */
export const program: string[] = measuresCoverage ? [...fromSources, path.join(projectRoot, 'src', 'cli.ts')] : [testBundle]

/**
 * The environment for a child process: `env`, where tap does not measure
 * coverage without tap's process tracking, which tap puts into NODE_OPTIONS
 * for every process (and which costs each one a third of a second of CPU).
 */
export function childEnv (env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (measuresCoverage || env.NODE_OPTIONS === undefined) return env
  return { ...env, NODE_OPTIONS: env.NODE_OPTIONS.split(/\s+/).filter((option) => !option.includes('@tapjs/processinfo')).join(' ') }
}

export interface StartedProcess {
  child: ChildProcess
  /** stdout and stderr so far. */
  output: () => string
  exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
}

export interface StartOptions {
  /** The program; by default this Node running anime-api (`node ...program`). */
  command?: string
  /** Its arguments; by default `serve`. */
  args?: string[]
  /** Where it runs; by default the project's root. */
  cwd?: string
  /** Its whole environment (given to it through childEnv). */
  env: NodeJS.ProcessEnv
  /** Polled until true (the process is ready), given its output so far; by default ready at once. */
  ready?: (output: string) => boolean | Promise<boolean>
  /** How long it may take to be ready (60 s). */
  timeoutMs?: number
}

/** Starts a process (killed when `t` ends, if still running) and waits until it is ready; throws with its output if it exits first or takes too long. */
export async function startProcess (t: Test, options: StartOptions): Promise<StartedProcess> {
  const command = options.command ?? process.execPath
  const args = options.command === undefined ? [...program, ...(options.args ?? ['serve'])] : (options.args ?? ['serve'])
  const child = spawn(command, args, { cwd: options.cwd ?? projectRoot, env: childEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.on('data', (chunk) => { output += String(chunk) })
  child.stderr!.on('data', (chunk) => { output += String(chunk) })
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }))
  })
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  const deadline = Date.now() + (options.timeoutMs ?? 60_000)
  while (options.ready !== undefined && !(await options.ready(output))) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${command} ${args.join(' ')} exited early:\n${output}`)
    if (Date.now() > deadline) throw new Error(`${command} ${args.join(' ')} was not ready in time:\n${output}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return { child, output: () => output, exited }
}

/**
 * Polls `check` every `everyMs` until it gives a value (anything but false or
 * undefined; a check that throws has not given one yet): that value, or
 * undefined once `timeoutMs` has passed. A check may be asynchronous (a request).
 */
export async function eventually<T> (check: () => T | false | undefined | Promise<T | false | undefined>, timeoutMs = 60_000, everyMs = 20): Promise<T | undefined> {
  for (const deadline = Date.now() + timeoutMs; ; await new Promise((resolve) => setTimeout(resolve, everyMs))) {
    try {
      const value = await check()
      if (value !== false && value !== undefined) return value
    } catch { /* not yet */ }
    if (Date.now() >= deadline) return undefined
  }
}

/** A readiness check: GET `path` on 127.0.0.1:`port` answers `status` (any status when null). */
export const answers = (port: number, path: string, status: number | null = 200) => async (): Promise<boolean> => {
  const got = await getOnce(port, path)
  return status === null ? got.status !== undefined : got.status === status
}

/** A port free on 127.0.0.1 right now (the one place tests get one). */
export async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

export interface ServerProcess extends StartedProcess {
  port: number
  dataDir: string
}

/** The environment every spawned service starts from: this one's, listening on 127.0.0.1:`port` over `dataDir` with `catalogue` as its default. */
export const serviceEnv = (port: number, dataDir: string, catalogue: string): NodeJS.ProcessEnv => ({
  ...process.env,
  HOST: '127.0.0.1',
  PORT: String(port),
  DATA_DIR: dataDir,
  DEFAULT_CATALOGUE: catalogue
})

/** Starts the server on a catalogue of `entries` fixture entries; resolves once GET /health answers 200. */
export async function spawnServer (t: Test, env: Record<string, string> = {}, entries = 20): Promise<ServerProcess> {
  const dataDir = tempDir(t, 'anime-api-server-')
  const port = await freePort()
  const catalogue = writeAod(dataDir, Array.from({ length: entries }, (_, i) => aodRecord(i + 1)))
  const started = await startProcess(t, {
    env: {
      ...serviceEnv(port, dataDir, catalogue),
      LOG_LEVEL: 'info',
      WORKERS: '1',
      RATE_LIMIT_MAX: '0',
      THROTTLE_IP_LIMIT: '100000',
      PASSWORD_SCRYPT_N: '1024',
      // Stops at once on SIGTERM unless a test of the drain sets one.
      SHUTDOWN_DRAIN: '0',
      ...env
    },
    ready: answers(port, '/health')
  })
  return { ...started, port, dataDir }
}

/** One answer: its status and the headers a drain is judged by, or the error's code. */
export interface Answer {
  status?: number
  error?: string
  /** `x-worker`: the pid of the cluster's worker that answered (absent from a single process). */
  worker?: string
  /** The `Connection` header of the answer. */
  connection?: string
}

export interface LoadOutcome extends Answer { sentAt: number }

export interface StopUnderLoad {
  /** Every request of the stream, in the order they ended. */
  outcomes: LoadOutcome[]
  /** When `stop` was called, and when /ready first answered 503 (Infinity: never). */
  stoppedAt: number
  notReadyAt: number
  /** When each serving process (by `x-worker`; '' for a single process) first answered /ready with 503. */
  notReadyAtBy: Map<string, number>
  /** /ready's answers before it turned: anything but 200 (a refused connection, say). */
  readyProblems: string[]
}

/** GET `path` on a connection of its own (or of `agent`): its status and headers, or the error's code. */
export function getOnce (port: number, path: string, agent: http.Agent | false = false): Promise<Answer> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume()
      const worker = res.headers['x-worker']
      res.on('end', () => resolve({
        status: res.statusCode,
        ...(typeof worker === 'string' ? { worker } : {}),
        ...(res.headers.connection !== undefined ? { connection: res.headers.connection } : {})
      }))
      res.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }))
    })
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }))
  })
}

/**
 * What a load balancer in front of the service sees across a graceful stop:
 * `connections` clients send a steady stream of GETs of `paths` over keep-alive
 * connections while a checker polls /ready; `stop` (a SIGTERM) is called once
 * the stream runs. The checker polls until each of the `workers` serving
 * processes has answered 503; `reactionMs` after that the clients send no new
 * request, as a balancer that has taken the instance out, but each client
 * sends at least `minAfterNotReady` requests after it, however slow the machine.
 */
export async function stopUnderLoad (port: number, stop: () => void, paths: string[], options: { connections?: number, runBeforeMs?: number, reactionMs?: number, minAfterNotReady?: number, workers?: number } = {}): Promise<StopUnderLoad> {
  const { connections = 8, runBeforeMs = 500, reactionMs = 300, minAfterNotReady = 3, workers = 1 } = options
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections })
  const outcomes: LoadOutcome[] = []
  const readyProblems: string[] = []
  const notReadyAtBy = new Map<string, number>()
  let stoppedAt = Infinity
  let notReadyAt = Infinity
  let allNotReadyAt = Infinity
  // Gives up 30 s after the stop when /ready never turns.
  const givenUp = (): boolean => Date.now() >= stoppedAt + 30_000
  const clients = Array.from({ length: connections }, async (_, client) => {
    let afterNotReady = 0
    for (let i = 0; !givenUp() && (Date.now() < allNotReadyAt + reactionMs || (allNotReadyAt < Infinity && afterNotReady < minAfterNotReady)); i++) {
      const sentAt = Date.now()
      if (sentAt > allNotReadyAt) afterNotReady++
      outcomes.push({ sentAt, ...await getOnce(port, paths[(client + i) % paths.length]!, agent) })
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  })
  const checker = (async () => {
    while (notReadyAtBy.size < workers && !givenUp()) {
      const answer = await getOnce(port, '/ready')
      if (answer.status === 503 && stoppedAt !== Infinity) {
        const at = Date.now()
        notReadyAt = Math.min(notReadyAt, at)
        if (!notReadyAtBy.has(answer.worker ?? '')) notReadyAtBy.set(answer.worker ?? '', at)
        if (notReadyAtBy.size === workers) allNotReadyAt = at
      } else if (answer.status !== 200) readyProblems.push(answer.error ?? String(answer.status))
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  })()
  await new Promise((resolve) => setTimeout(resolve, runBeforeMs))
  stoppedAt = Date.now()
  stop()
  await Promise.all([...clients, checker])
  agent.destroy()
  return { outcomes, stoppedAt, notReadyAt, notReadyAtBy, readyProblems }
}
