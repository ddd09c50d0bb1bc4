// The user store on SQLite: the accounts file under DATA_DIR, with the accounts
// repository on one connection and the watchlists, the login throttle's attempts
// and the catalogue's id map each on a connection of its own, opened when first
// used. A write the file cannot take (a full disk) is a 503, and /ready says so
// until a write goes through again.
import type { UserStore } from '../store.js'
import { createWriteHealth, sqliteWriteFailure, translatingWriteFailures } from '../writable.js'
import { createSqliteAccounts } from './accounts.js'
import { createSqliteAttemptLog } from './attempts.js'
import { createSqliteCatalogueIds } from './catalogue-ids.js'
import { openAccountsDb, type AccountsDb } from './database.js'
import { createSqliteProbe } from './health.js'
import { createSqliteWatchlists } from './watchlists.js'

/** A repository on a connection of its own to the accounts file under `dataDir`, opened when first used. */
function onOwnConnection<T> (dataDir: string, make: (db: AccountsDb) => T): { get: () => T, close: () => void } {
  let db: AccountsDb | null = null
  let repository: T | null = null
  return {
    get: () => (repository ??= make(db ??= openAccountsDb(dataDir))),
    close: () => { db?.close() }
  }
}

export function openSqliteStore (dataDir: string): UserStore {
  const db = openAccountsDb(dataDir)
  const probe = createSqliteProbe(db, dataDir)
  const writes = createWriteHealth({ classify: sqliteWriteFailure, probe: probe.write })
  const accounts = translatingWriteFailures(createSqliteAccounts(db), writes)
  const watchlists = onOwnConnection(dataDir, (own) => translatingWriteFailures(createSqliteWatchlists(own), writes))
  const attempts = onOwnConnection(dataDir, (own) => translatingWriteFailures(createSqliteAttemptLog(own), writes))
  const catalogueIds = onOwnConnection(dataDir, createSqliteCatalogueIds)
  return {
    backend: 'sqlite',
    accounts,
    get watchlists () { return watchlists.get() },
    get attempts () { return attempts.get() },
    get catalogueIds () { return catalogueIds.get() },
    async start () {},
    async health () {
      const problem = probe.problem() ?? await writes.check()
      return problem === null ? { ok: true, backend: 'sqlite' } : { ok: false, backend: 'sqlite', detail: problem }
    },
    async close () {
      watchlists.close()
      attempts.close()
      catalogueIds.close()
      await accounts.close()
    },
    postgres: null
  }
}
