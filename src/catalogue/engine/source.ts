// Which index answers: the one of the catalogue version the file holds now.
// At start and after each import the index is built again (in a worker thread
// for a large catalogue, so the event loop keeps answering; inline for a small
// one, or where no worker script exists: the single executable) and swapped in
// whole once built. A request that finds the file at a version the index is not
// (yet) of waits for that version's index: answers never mix two versions.
import type { Db } from '../db.js'
import { startWorker, workerScript } from '../../worker-threads.js'
import { Engine } from './engine.js'
import { buildIndexData, type IndexData } from './index-data.js'

/** Catalogues up to this many entries are indexed inline (a few milliseconds). */
export const INLINE_BUILD_MAX = 2_000

export interface IndexSource {
  /** The index of the version the file holds now (building it if needed). */
  current: () => Promise<Engine>
  /** The index as it is, without waiting (null before the first build). */
  peek: () => Engine | null
  /** Starts building the current version's index if it is not the one held. */
  refresh: () => void
}

export interface IndexSourceOptions {
  /** The served version as the catalogue reads it (Catalogue.version). */
  version: () => string
  /** How many entries are served (decides inline or worker). */
  served: () => number
  onError?: (error: unknown) => void
  /** Build in a worker from this size up (tests lower it). */
  inlineMax?: number
}

function buildInWorker (file: string): Promise<IndexData> {
  const script = workerScript(import.meta.url, 'index-worker')
  if (script === null) return Promise.reject(new Error('no worker script'))
  return new Promise((resolve, reject) => {
    const worker = startWorker(script, { workerData: { file } })
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
  const canUseWorker = workerScript(import.meta.url, 'index-worker') !== null

  const build = (): Promise<Engine> => {
    if (building === null) {
      const started = options.served() > inlineMax && canUseWorker && db.name !== ':memory:'
        ? buildInWorker(db.name)
        : new Promise<IndexData>((resolve) => { resolve(buildIndexData(db)) })
      building = started.then((data) => {
        const built = new Engine(data)
        if (engine === null || built.version >= engine.version) engine = built
        return built
      }).finally(() => { building = null })
    }
    return building
  }

  const fresh = (): boolean => engine !== null && String(engine.version) === options.version()

  return {
    async current () {
      for (let attempt = 0; !fresh(); attempt++) {
        // An import during the build: build again (a few times at most; then serve what is there).
        if (attempt >= 3 && engine !== null) break
        await build()
      }
      return engine!
    },
    peek: () => engine,
    refresh () {
      if (!fresh()) build().catch((error: unknown) => options.onError?.(error))
    }
  }
}
