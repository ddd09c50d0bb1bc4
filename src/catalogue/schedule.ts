// Scheduled catalogue updates (CATALOGUE_UPDATE_INTERVAL): every interval, run
// `anime-api catalogue update --url U` as a child process. Parsing a 100 MB file
// then never stalls a request, a crash of the update cannot take the service
// down, and the import's atomic switch does the rest. One update at a time.
import { spawn } from 'node:child_process'

export interface UpdateLog {
  info: (obj: object, msg: string) => void
  error: (obj: object, msg: string) => void
}

export interface ScheduleOptions {
  /** How to run `anime-api` (src/program.ts's thisProgram() in the service). */
  program: { file: string, args: string[] }
  url: string
  dataDir: string
  intervalMs: number
  /** Wait before the first update (default: intervalMs); see firstUpdateDelay. */
  firstDelayMs?: number
  log: UpdateLog
  /** After each successful update (the service refreshes its caches). */
  onUpdated?: () => void
  env?: NodeJS.ProcessEnv
}

export interface UpdateSchedule {
  /** Runs one update now unless one is running; resolves true when it succeeded. */
  runNow: () => Promise<boolean>
  stop: () => void
}

/**
 * When the first scheduled update is due: one interval after the last import, so
 * a restart neither skips nor repeats an update; soon (after `minMs`) when the
 * catalogue is older than that or was never updated.
 */
export function firstUpdateDelay (importedAt: string | null, intervalMs: number, now = Date.now(), minMs = 10_000): number {
  const last = importedAt === null ? NaN : Date.parse(importedAt)
  if (Number.isNaN(last)) return minMs
  return Math.min(intervalMs, Math.max(minMs, last + intervalMs - now))
}

export function scheduleUpdates (options: ScheduleOptions): UpdateSchedule {
  let running: Promise<boolean> | null = null
  let stopped = false
  let child: ReturnType<typeof spawn> | null = null

  const runOnce = (): Promise<boolean> => new Promise((resolve) => {
    options.log.info({ url: options.url }, 'scheduled catalogue update: starting')
    const started = Date.now()
    child = spawn(options.program.file, [...options.program.args, 'catalogue', 'update', '--url', options.url], {
      env: { ...(options.env ?? process.env), DATA_DIR: options.dataDir },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    let err = ''
    child.stdout!.on('data', (chunk: Buffer) => { out = (out + chunk.toString()).slice(-4000) })
    child.stderr!.on('data', (chunk: Buffer) => { err = (err + chunk.toString()).slice(-4000) })
    child.on('error', (error) => {
      options.log.error({ err: error }, 'scheduled catalogue update: could not start')
      resolve(false)
    })
    child.on('close', (code, signal) => {
      child = null
      const lastLine = (text: string) => text.trim().split(/\r|\n/).filter((l) => l.trim() !== '').pop() ?? ''
      const ms = Date.now() - started
      if (code === 0) {
        options.log.info({ ms, result: lastLine(out) }, 'scheduled catalogue update: done')
        try { options.onUpdated?.() } catch { /* the watcher logs its own errors */ }
        resolve(true)
      } else {
        options.log.error({ ms, code, signal, error: lastLine(err) }, 'scheduled catalogue update failed; the old catalogue stays')
        resolve(false)
      }
    })
  })

  const runNow = (): Promise<boolean> => {
    if (stopped) return Promise.resolve(false)
    if (running !== null) return running
    running = runOnce().finally(() => { running = null })
    return running
  }

  let timer = setTimeout(function tick () {
    void runNow()
    timer = setTimeout(tick, options.intervalMs).unref()
  }, options.firstDelayMs ?? options.intervalMs).unref()
  return {
    runNow,
    stop () {
      stopped = true
      clearTimeout(timer)
      child?.kill('SIGTERM')
    }
  }
}
