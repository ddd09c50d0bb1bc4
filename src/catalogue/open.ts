// The catalogue as the service uses it: the file opened once, and the readers
// over it (entries and versions, discovery, the watchlists' links, the
// watcher). The database handle stays in here; close() leaves the file whole.
import { createAnswerStore, type AnswerStore } from './answers.js'
import { BACKGROUND_SLICE_MS } from './engine/turns.js'
import { openCatalogueDb } from './db.js'
import { createDiscovery, type Discovery } from './discovery.js'
import { saveLocalMap, type CatalogueIdStore } from './id-store.js'
import { createCatalogueLinks, type CatalogueLinks } from './links.js'
import { recentVersion, type VersionReader } from './recent-version.js'
import { createCatalogue, type Catalogue, type CatalogueInfo } from './repository.js'
import { createCatalogueWatcher, type CatalogueWatcher } from './watch.js'

/** The serving connection's page cache, in KiB (see openCatalogue). */
const SERVING_CACHE_KIB = 4096

export interface OpenCatalogue {
  catalogue: Catalogue
  /** The served version's entry answers in memory (see createAnswerStore): prepare() them once serving; each new version loads by itself. */
  answers: AnswerStore
  discovery: Discovery
  /** The served version and import date as the hot paths read them (at most a few milliseconds old): answers are labelled with it, searches take its index. */
  recentVersion: VersionReader
  links: CatalogueLinks
  watcher: CatalogueWatcher
  /** Hands the file's own id map to the user store's if that one lags (see saveLocalMap); how many URLs it adopted. */
  saveIdMap: (ids: CatalogueIdStore) => Promise<number>
  close: () => void
}

export interface OpenCatalogueOptions {
  onError?: (error: unknown) => void
  /** Loading the entry answers failed (default: onError). */
  onAnswersError?: (error: unknown) => void
  /** Catalogues above this many entries are indexed in a worker thread. */
  inlineBuildMax?: number
  /** The index build's script, in place of the one beside the module (tests give the built one: see IndexSourceOptions.buildScript). */
  indexBuildScript?: URL
}

export function openCatalogue (dataDir: string, options: OpenCatalogueOptions = {}): OpenCatalogue {
  const db = openCatalogueDb(dataDir)
  // SQLite's page cache, per connection (better-sqlite3's default is 16 MB): the
  // whole-version loads (entry answers, Jikan resources) read every row once and
  // would leave it full of pages nothing reads again, while what the service
  // still reads from the file (details, lists' entries) misses it anyway, spread
  // over the whole file. 4 MiB keeps the tables' interior pages.
  db.pragma(`cache_size = -${SERVING_CACHE_KIB}`)
  const catalogue = createCatalogue(db)
  const answers = createAnswerStore(catalogue, { budgetMs: BACKGROUND_SLICE_MS, onError: options.onAnswersError ?? options.onError })
  const recent = recentVersion(catalogue)
  const discovery = createDiscovery(db, { version: catalogue.version, recentVersion: recent.version, onError: options.onError, inlineBuildMax: options.inlineBuildMax, indexBuildScript: options.indexBuildScript, answers })
  const watcher = createCatalogueWatcher(db, options.onError)
  // A new catalogue version: its index is built and its answers loaded at once, before requests ask for them.
  watcher.onSwitch((info) => {
    discovery.refreshIndex()
    answers.prepare(String(info.version))
  })
  return {
    catalogue,
    answers,
    discovery,
    recentVersion: recent,
    links: createCatalogueLinks(db),
    watcher,
    saveIdMap: (ids) => saveLocalMap(db, ids),
    close () {
      answers.close()
      watcher.stop()
      discovery.stop()
      db.pragma('wal_checkpoint(TRUNCATE)')
      db.close()
    }
  }
}

/**
 * For a program that does not serve (the command line, a cluster's primary):
 * runs `read` on the catalogue opened for it alone, closed afterwards.
 */
export async function withCatalogue<T> (dataDir: string, read: (catalogue: { info: () => CatalogueInfo, saveIdMap: (ids: CatalogueIdStore) => Promise<number> }) => T | Promise<T>): Promise<T> {
  const db = openCatalogueDb(dataDir)
  try {
    const catalogue = createCatalogue(db)
    return await read({ info: () => catalogue.info(), saveIdMap: (ids) => saveLocalMap(db, ids) })
  } finally {
    db.close()
  }
}
