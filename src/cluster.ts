// WORKERS=N: N processes serve the one port (node:cluster; the primary accepts
// connections and hands them round-robin to the workers) and share the SQLite
// files (WAL: any number of readers next to one writer; the accounts file's
// writes are short transactions with a busy timeout).
//
// The primary serves nothing itself. Before forking it prepares DATA_DIR once
// (schema migrations, the default catalogue's first import), so the workers never
// race to do it. It restarts a worker that dies unexpectedly (with a growing
// delay when one keeps dying at start), forwards SIGHUP (re-check the catalogue)
// and SIGTERM/SIGINT (graceful stop, src/server.ts) to the workers, and runs the
// scheduled catalogue updates (CATALOGUE_UPDATE_INTERVAL), one for the whole
// cluster. A worker is this program again, which serves (src/cli.ts).
import cluster, { type Worker } from 'node:cluster'
import type { AppConfig, LogLevel } from './config.js'
import { withCatalogue } from './catalogue/open.js'
import type { CatalogueInfo } from './catalogue/repository.js'
import { repairCatalogue } from './catalogue/prepare.js'
import { openUserStore } from './storage/index.js'
import { firstUpdateDelay, scheduleUpdates, type UpdateLog } from './catalogue/schedule.js'
import { thisProgram } from './program.js'
import { StoreUnavailableError } from './storage/errors.js'

/** `anime-api serve`: one process, or a cluster of `config.workers`. */
export async function startService (config: AppConfig): Promise<void> {
  if (config.workers <= 1 || cluster.isWorker) {
    // Checking (and rebuilding) the catalogue may take longer than a plugin may
    // take to start: done before the app is built (a cluster's primary does it), and not again by the app.
    if (!cluster.isWorker) await prepareDataDir(config, primaryLog(config.logLevel, 'start'))
    // Loaded here only: the primary of a cluster serves nothing and needs none of the app.
    const { startServer } = await import('./server.js')
    await startServer({ ...config, dataDirPrepared: true })
    return
  }
  await startPrimary(config)
}

const levels: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity }

/** The primary's log: JSON lines in the shape of the workers' (pino) lines. */
function primaryLog (level: LogLevel, role = 'primary'): UpdateLog & { warn: UpdateLog['info'] } {
  const write = (at: number) => (obj: object, msg: string) => {
    if (at < levels[level]) return
    const fields = Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, v instanceof Error ? { message: v.message, stack: v.stack } : v]))
    process.stdout.write(JSON.stringify({ level: at, time: Date.now(), pid: process.pid, role, ...fields, msg }) + '\n')
  }
  return { info: write(30), warn: write(40), error: write(50) }
}

/**
 * Migrates both files and imports the default catalogue if there is none yet
 * (or hands an upgraded install's id map to the user store): once, before forking.
 */
export async function prepareDataDir (config: AppConfig, log: UpdateLog): Promise<CatalogueInfo> {
  // The accounts file is migrated here; PostgreSQL (DATABASE_URL) by start() too, under its advisory lock.
  const store = await openUserStore(config)
  try {
    await repairCatalogue(config.dataDir, store.catalogueIds, log)
    // The usual start (a catalogue is there) opens the file once: each open migrates, and the
    // close of the last connection checkpoints the WAL, all before a single process listens.
    const served = await withCatalogue(config.dataDir, async (catalogue) => {
      if (catalogue.info().version === 0) return null
      try {
        await store.start()
        const adopted = await catalogue.saveIdMap(store.catalogueIds)
        if (adopted > 0) log.info({ urls: adopted }, 'catalogue id map saved with the accounts')
      } catch (error) {
        log.error({ err: error }, 'could not bring the catalogue id map up to date with the user store; tried again at the next start or import')
      }
      return catalogue.info()
    })
    if (served !== null) return served
    log.info({ file: config.defaultCatalogue }, 'no catalogue yet: importing the default catalogue')
    // The importer is loaded only when there is something to import (it is not light).
    const { importCatalogueFile, importDefaultCatalogue } = await import('./catalogue/import.js')
    const unavailable = (error: Error) => {
      log.error({ err: error }, 'the user store holding the catalogue id map is unavailable: the default catalogue is imported with ids of its own, brought in line with the map at the next import')
    }
    const report = await store.start().then(
      () => importDefaultCatalogue(config.dataDir, config.defaultCatalogue, store.catalogueIds, unavailable),
      async (error: unknown) => {
        if (!(error instanceof StoreUnavailableError)) throw error
        unavailable(error as Error)
        return await importCatalogueFile(config.dataDir, config.defaultCatalogue)
      })
    log.info({ total: report.total, skipped: report.skipped }, 'default catalogue imported')
    return await withCatalogue(config.dataDir, (catalogue) => catalogue.info())
  } finally {
    await store.close()
  }
}

async function startPrimary (config: AppConfig): Promise<void> {
  const log = primaryLog(config.logLevel)
  const catalogue = await prepareDataDir(config, log)

  let stopping = false
  const started = new Map<number, number>() // worker id → start time
  let quickDeaths = 0

  const fork = (): Worker => {
    const worker = cluster.fork()
    started.set(worker.id, Date.now())
    return worker
  }

  cluster.on('listening', (worker, address) => {
    log.info({ worker: worker.process.pid, port: address.port }, 'worker listening')
  })
  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (started.get(worker.id) ?? 0)
    started.delete(worker.id)
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0)
      return
    }
    quickDeaths = lived < 5000 ? quickDeaths + 1 : 0
    const delay = Math.min(30_000, quickDeaths <= 1 ? 0 : 1000 * 2 ** (quickDeaths - 2))
    log.error({ worker: worker.process.pid, code, signal, restartInMs: delay }, 'worker died; starting another')
    setTimeout(() => { if (!stopping) fork() }, delay)
  })

  const workers = (): Worker[] => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined)

  const stop = (signal: NodeJS.Signals) => {
    // The same signal to the workers: a worker drains on SIGTERM, and a SIGINT ends its drain.
    const forward = () => { for (const worker of workers()) worker.process.kill(signal) }
    if (stopping) {
      if (signal === 'SIGINT') forward()
      return
    }
    stopping = true
    log.info({ signal, workers: workers().length }, 'stopping the workers')
    schedule?.stop()
    if (workers().length === 0) process.exit(0)
    forward()
    // Each worker drains for SHUTDOWN_DRAIN, gives its requests SHUTDOWN_TIMEOUT, and itself 5 s more to close.
    setTimeout(() => {
      log.error({ workers: workers().length }, 'workers did not stop in time: killing them')
      for (const worker of workers()) worker.process.kill('SIGKILL')
      process.exit(1)
    }, config.shutdownDrainMs + config.shutdownTimeoutMs + 10_000).unref()
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
  const hangup = () => {
    for (const worker of workers()) worker.process.kill('SIGHUP')
  }
  process.on('SIGHUP', () => {
    log.info({ workers: workers().length }, 'SIGHUP: forwarded to the workers')
    hangup()
  })

  const schedule = config.catalogueUpdateIntervalMs === null
    ? null
    : scheduleUpdates({
      program: thisProgram(),
      url: config.catalogueUpdateUrl,
      dataDir: config.dataDir,
      intervalMs: config.catalogueUpdateIntervalMs,
      firstDelayMs: firstUpdateDelay(catalogue.importedAt, config.catalogueUpdateIntervalMs),
      log,
      onUpdated: hangup
    })

  log.info({ workers: config.workers }, 'starting workers')
  for (let i = 0; i < config.workers; i++) fork()
}
