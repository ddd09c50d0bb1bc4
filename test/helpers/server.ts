// The real server as a child process (`node --import tsx src/cli.ts serve`) on a free
// port and a temporary DATA_DIR, for tests of what only a process shows: signals,
// exit codes, files left on disk.
import http from 'node:http'
import net from 'node:net'
import { spawn, type ChildProcess } from 'node:child_process'
import type { Test } from 'tap'
import { projectRoot } from '../../src/config.js'
import { aodRecord, writeAod } from './aod.js'
import { tempDir } from './app.js'

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

export interface ServerProcess {
  child: ChildProcess
  port: number
  dataDir: string
  /** stdout and stderr so far (JSON log lines). */
  output: () => string
  exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
}

/** Starts the server on a catalogue of `entries` fixture entries; resolves once GET /health answers 200. */
export async function spawnServer (t: Test, env: Record<string, string> = {}, entries = 20): Promise<ServerProcess> {
  const dataDir = tempDir(t, 'anime-api-server-')
  const port = await freePort()
  const catalogue = writeAod(dataDir, Array.from({ length: entries }, (_, i) => aodRecord(i + 1)))
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    cwd: projectRoot,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      DEFAULT_CATALOGUE: catalogue,
      LOG_LEVEL: 'info',
      WORKERS: '1',
      RATE_LIMIT_MAX: '0',
      THROTTLE_IP_LIMIT: '100000',
      PASSWORD_SCRYPT_N: '1024',
      // Stops at once on SIGTERM unless a test of the drain sets one.
      SHUTDOWN_DRAIN: '0',
      ...env
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout!.on('data', (chunk) => { output += String(chunk) })
  child.stderr!.on('data', (chunk) => { output += String(chunk) })
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }))
  })
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited early:\n${output}`)
    const status = await new Promise<number>((resolve) => {
      http.get({ host: '127.0.0.1', port, path: '/health', agent: false }, (res) => { res.resume(); resolve(res.statusCode ?? 0) })
        .on('error', () => resolve(0))
    })
    if (status === 200) break
    if (Date.now() > deadline) throw new Error(`the server did not start:\n${output}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return { child, port, dataDir, output: () => output, exited }
}

export interface LoadOutcome { sentAt: number, status?: number, error?: string }

export interface StopUnderLoad {
  /** Every request of the stream, in the order they ended. */
  outcomes: LoadOutcome[]
  /** When `stop` was called, and when /ready first answered 503 (Infinity: never). */
  stoppedAt: number
  notReadyAt: number
  /** /ready's answers before it turned: anything but 200 (a refused connection, say). */
  readyProblems: string[]
}

/** GET `path` on a connection of its own: its status, or the error's code. */
export function getOnce (port: number, path: string, agent: http.Agent | false = false): Promise<{ status?: number, error?: string }> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode }))
      res.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }))
    })
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }))
  })
}

/**
 * What a load balancer in front of the service sees across a graceful stop:
 * `connections` clients send a steady stream of GETs of `paths` over keep-alive
 * connections while a checker polls /ready; `stop` (a SIGTERM) is called once
 * the stream runs, and `reactionMs` after /ready first answers 503 the clients
 * send no new request, as a balancer that has taken the instance out.
 */
export async function stopUnderLoad (port: number, stop: () => void, paths: string[], options: { connections?: number, runBeforeMs?: number, reactionMs?: number } = {}): Promise<StopUnderLoad> {
  const { connections = 8, runBeforeMs = 500, reactionMs = 300 } = options
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections })
  const outcomes: LoadOutcome[] = []
  const readyProblems: string[] = []
  let stoppedAt = Infinity
  let notReadyAt = Infinity
  // Gives up 30 s after the stop when /ready never turns.
  const sending = (): boolean => Date.now() < Math.min(notReadyAt + reactionMs, stoppedAt + 30_000)
  const clients = Array.from({ length: connections }, async (_, client) => {
    for (let i = 0; sending(); i++) {
      const sentAt = Date.now()
      outcomes.push({ sentAt, ...await getOnce(port, paths[(client + i) % paths.length]!, agent) })
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  })
  const checker = (async () => {
    while (notReadyAt === Infinity && Date.now() < stoppedAt + 30_000) {
      const answer = await getOnce(port, '/ready')
      if (answer.status === 503 && stoppedAt !== Infinity) notReadyAt = Date.now()
      else if (answer.status !== 200) readyProblems.push(answer.error ?? String(answer.status))
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  })()
  await new Promise((resolve) => setTimeout(resolve, runBeforeMs))
  stoppedAt = Date.now()
  stop()
  await Promise.all([...clients, checker])
  agent.destroy()
  return { outcomes, stoppedAt, notReadyAt, readyProblems }
}
