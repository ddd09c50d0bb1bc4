// Noticing a new catalogue. Every import commits on a connection of its own (the
// CLI, a scheduled update, another worker); in WAL mode the service's connection
// sees the new rows on its very next statement, so queries never need a restart.
// What may need a nudge is anything kept in memory beside the database (caches
// of derived data): `refresh()` checks PRAGMA data_version, which changes
// whenever another connection committed to the file, and then the catalogue
// version, and tells the listeners when it moved. The service calls it on SIGHUP,
// after its own scheduled updates, and every few seconds.
import type { Db } from './db.js'
import { createCatalogue, type CatalogueInfo } from './repository.js'

export type SwitchListener = (info: CatalogueInfo, previous: CatalogueInfo) => void

export interface CatalogueWatcher {
  /** Re-checks the file; calls the listeners and returns true when the catalogue changed. */
  refresh: () => boolean
  /** Called after the served catalogue switched to another version. */
  onSwitch: (listener: SwitchListener) => void
  /** The catalogue as last seen. */
  current: () => CatalogueInfo
  /** Polls every `intervalMs` (unref'd timer) until stop(). */
  start: (intervalMs: number) => void
  stop: () => void
}

export function createCatalogueWatcher (db: Db, onError: (error: unknown) => void = () => {}): CatalogueWatcher {
  const catalogue = createCatalogue(db)
  const dataVersion = db.prepare('PRAGMA data_version').pluck()
  let seenDataVersion = dataVersion.get() as number
  let seen = catalogue.info()
  const listeners: SwitchListener[] = []
  let timer: NodeJS.Timeout | undefined

  const refresh = (): boolean => {
    const now = dataVersion.get() as number
    if (now === seenDataVersion) return false
    seenDataVersion = now
    const info = catalogue.info()
    if (info.version === seen.version) return false
    const previous = seen
    seen = info
    for (const listener of listeners) {
      try {
        listener(info, previous)
      } catch (error) {
        onError(error)
      }
    }
    return true
  }

  return {
    refresh,
    onSwitch: (listener) => { listeners.push(listener) },
    current: () => seen,
    start (intervalMs) {
      clearInterval(timer)
      timer = setInterval(() => {
        try { refresh() } catch (error) { onError(error) }
      }, intervalMs).unref()
    },
    stop () { clearInterval(timer) }
  }
}
