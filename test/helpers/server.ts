// The real server as a child process (`node --import tsx src/server.ts`) on a free
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
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
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
