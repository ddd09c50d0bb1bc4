// Which index answers: the one of the catalogue version the file holds now.
// At start and after each import the index is loaded from the file saved beside
// the catalogue (index-file.ts) when that is of the served version, else built
// (in a worker thread for a large catalogue, so the event loop keeps answering;
// inline for a small one, or where no worker script exists: the single
// executable) and saved for the next start; either way swapped in whole once
// ready, never blocking the start. A request that finds the file at a version the index is not
// (yet) of waits for that version's index: answers never mix two versions.
import path from 'node:path'
import type { Db } from '../db.js'
import { startProcess, startWorker, workerScript } from '../../worker-threads.js'
import { Engine } from './engine.js'
import { buildIndexData, indexIdentity, type IndexData } from './index-data.js'
import { loadIndexFile, saveIndexFile } from './index-file.js'
import { foreground } from './turns.js'

/** Catalogues up to this many entries are indexed inline (a few milliseconds). */
export const INLINE_BUILD_MAX = 2_000

export interface IndexSource {
  /** The index of the version the file holds now (building it if needed). */
  current: () => Promise<Engine>
  /**
   * The index of the version `recentVersion` reads (at most a few milliseconds
   * behind the file, see recent-version.ts), with no read of the file when it
   * is the one held; else current()'s.
   */
  recent: () => Promise<Engine>
  /** The index as it is, without waiting (null before the first build). */
  peek: () => Engine | null
  /** Starts building the current version's index if it is not the one held. */
  refresh: () => void
  /** Ends a build running beside the service (a child process would otherwise outlive it, writing into its DATA_DIR). */
  stop: () => void
  /**
   * From now until decode(): an index file read is not turned into the index
   * yet (tens of milliseconds of the event loop), so that a start's first
   * answer does not wait behind it. A client asking for the index ends the wait.
   */
  holdDecode: () => void
  /** Ends holdDecode's wait. */
  decode: () => void
}

export interface IndexSourceOptions {
  /** The served version as the catalogue reads it (Catalogue.version). */
  version: () => string
  /** The served version as answers are labelled with it (see recent()); default `version`. */
  recentVersion?: () => string
  /** How many entries are served (decides inline or worker). */
  served: () => number
  onError?: (error: unknown) => void
  /** Build in a worker from this size up (tests lower it). */
  inlineMax?: number
  /**
   * The build's script (index-worker), in place of the one beside this module:
   * tests running from the sources give the built one, whose child process
   * starts without a TypeScript loader.
   */
  buildScript?: URL
}

/** Builds in a child process, which saves the index file; whether it did. `started` is given what ends it early. */
function buildInProcess (script: URL, file: string, started: (cancel: () => void) => void): Promise<boolean> {
  return new Promise((resolve) => {
    const child = startProcess(script, [file])
    started(() => { child.kill() })
    child.once('error', () => { resolve(false) })
    child.once('exit', (code) => { resolve(code === 0) })
  })
}

/** Builds in a worker thread, which also saves the index file. `started` is given what ends it early. */
function buildInWorker (script: URL, file: string, started: (cancel: () => void) => void): Promise<IndexData> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(script, { workerData: { file } })
    started(() => { void worker.terminate() })
    let done = false
    worker.once('message', (data: IndexData) => { done = true; resolve(data) })
    worker.once('error', (error) => { done = true; reject(error) })
    worker.once('exit', (code) => { if (!done) reject(new Error(`the index build's worker exited with code ${code}`)) })
  })
}

export function createIndexSource (db: Db, options: IndexSourceOptions): IndexSource {
  let engine: Engine | null = null
  let building: Promise<Engine> | null = null
  const inlineMax = options.inlineMax ?? INLINE_BUILD_MAX
  const script = options.buildScript ?? workerScript(import.meta.url, 'index-worker')
  /** Ends the build running beside the service, if any. */
  let cancel: (() => void) | null = null
  let stopped = false
  const running = (end: () => void): void => { if (stopped) end(); else cancel = end }
  const dataDir = db.name === ':memory:' || db.name === '' ? null : path.dirname(db.name)

  /** While held (holdDecode), what a read index file waits for before it is decoded. */
  let decoding: { allowed: Promise<void>, allow: () => void } | null = null
  const decode = (): void => {
    decoding?.allow()
    decoding = null
  }

  const load = async (): Promise<IndexData> => {
    // The file is read at once, decoded when allowed (holdDecode).
    const saved = dataDir === null ? null : await loadIndexFile(dataDir, indexIdentity(db), async () => { await decoding?.allowed })
    if (saved !== null) return saved
    if (dataDir !== null && options.served() > inlineMax && script !== null) {
      // A child process builds and saves it; a thread, when that did not work (say, an unwritable DATA_DIR).
      // (The version it built may be behind by then: current() sees that and asks again.)
      const built = await buildInProcess(script, db.name, running).finally(() => { cancel = null })
      if (stopped) throw new Error('the catalogue was closed')
      if (built) {
        const saved = await loadIndexFile(dataDir)
        if (saved !== null) return saved
      }
      return await buildInWorker(script, db.name, running).finally(() => { cancel = null })
    }
    const data = buildIndexData(db)
    // Not saved, the next start builds again: that costs what this build did, and nothing else.
    if (dataDir !== null) try { saveIndexFile(dataDir, data) } catch {}
    return data
  }

  const build = (): Promise<Engine> => {
    if (building === null) {
      building = load().then((data) => {
        const built = new Engine(data)
        if (engine === null || built.version >= engine.version) engine = built
        return built
      }).finally(() => { building = null })
    }
    return building
  }

  const fresh = (): boolean => engine !== null && String(engine.version) === options.version()
  const recentVersion = options.recentVersion ?? options.version

  const current = async (): Promise<Engine> => {
    if (fresh()) return engine!
    decode()
    // A client waits for the index: background slices step aside until it is there.
    return await foreground.during(async () => {
      for (let attempt = 0; !fresh(); attempt++) {
        // An import during the build: build again (a few times at most; then serve what is there).
        if (attempt >= 3 && engine !== null) break
        await build()
      }
      return engine!
    })
  }

  return {
    current,
    async recent () {
      return engine !== null && String(engine.version) === recentVersion() ? engine : await current()
    },
    peek: () => engine,
    holdDecode () {
      if (decoding !== null) return
      let allow!: () => void
      const allowed = new Promise<void>((resolve) => { allow = resolve })
      decoding = { allowed, allow }
    },
    decode,
    stop () {
      stopped = true
      cancel?.()
    },
    refresh () {
      if (!fresh()) build().catch((error: unknown) => { if (!stopped) options.onError?.(error) })
    }
  }
}
