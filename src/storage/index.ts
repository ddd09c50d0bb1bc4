// The storage seam: everything users write (accounts, tokens, shared throttle
// counters, watchlists) lives in one backend, chosen by DATABASE_URL:
// PostgreSQL when set, else the SQLite file accounts.sqlite under DATA_DIR.
// Handlers and services see only the repository interfaces.
import type { AppConfig } from '../config.js'
import { openAccountsDb, type AccountsDb } from '../accounts/db.js'
import { createSqliteAccounts, type AccountsRepository } from '../accounts/repository.js'
import type { AttemptLog } from '../accounts/throttle.js'
import { createSqliteAttemptLog } from '../accounts/attempts.js'
import type { StoreHealth } from './errors.js'
import { createSqliteProbe } from './sqlite-health.js'
import { createWriteHealth, sqliteWriteFailure, translatingWriteFailures } from './writable.js'
import { openPostgres, type PgDatabase } from './postgres/database.js'
import { createPostgresAccounts } from './postgres/accounts.js'
import { createPostgresAttemptLog } from './postgres/attempts.js'
import { createPostgresWatchlists } from './postgres/watchlists.js'
import { createSqliteWatchlists, type WatchlistsRepository } from '../watchlists/repository.js'
import type { CatalogueIdStore } from '../catalogue/id-store.js'
import { createSqliteCatalogueIds } from '../accounts/catalogue-ids.js'
import { createPostgresCatalogueIds } from './postgres/catalogue-ids.js'

export type StoreConfig = Pick<AppConfig, 'dataDir' | 'databaseUrl' | 'databasePoolSize' | 'databaseTimeoutMs'>

export interface UserStore {
  backend: 'sqlite' | 'postgres'
  accounts: AccountsRepository
  watchlists: WatchlistsRepository
  /** The login throttle's attempt log, shared by every process on the store. */
  attempts: AttemptLog
  /** The catalogue's id map (src/catalogue/id-store.ts), kept with the watchlists that hold the ids. */
  catalogueIds: CatalogueIdStore
  /** Brings the schema up to date; on PostgreSQL a server that is down is no error here (retried on use). */
  start (): Promise<void>
  health (): Promise<StoreHealth>
  /** Closes the store (the accounts repository's close does the same). */
  close (): Promise<void>
  /** The PostgreSQL pool, for the db commands and tests; null on SQLite. */
  postgres: PgDatabase | null
}

export interface OpenStoreOptions {
  /** Told about connection errors of idle PostgreSQL connections. */
  onIdleError?: (error: Error) => void
}

/** A repository on a connection of its own to the accounts file under `dataDir`, opened when first used. */
function onOwnConnection<T> (dataDir: string, make: (db: AccountsDb) => T): { get: () => T, close: () => void } {
  let db: AccountsDb | null = null
  let repository: T | null = null
  return {
    get: () => (repository ??= make(db ??= openAccountsDb(dataDir))),
    close: () => { db?.close() }
  }
}

export function openUserStore (config: StoreConfig, options: OpenStoreOptions = {}): UserStore {
  if (config.databaseUrl === null || config.databaseUrl === undefined) {
    // A write the file cannot take (a full disk) is a 503, and /ready says so until a write goes through again.
    const probe = createSqliteProbe(config.dataDir)
    const writes = createWriteHealth({ classify: sqliteWriteFailure, probe: probe.write })
    const accounts = translatingWriteFailures(createSqliteAccounts(openAccountsDb(config.dataDir)), writes)
    const watchlists = onOwnConnection(config.dataDir, (db) => translatingWriteFailures(createSqliteWatchlists(db), writes))
    const attempts = onOwnConnection(config.dataDir, (db) => translatingWriteFailures(createSqliteAttemptLog(db), writes))
    const catalogueIds = onOwnConnection(config.dataDir, createSqliteCatalogueIds)
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
        probe.close()
        watchlists.close()
        attempts.close()
        catalogueIds.close()
        await accounts.close()
      },
      postgres: null
    }
  }
  const db = openPostgres({
    url: config.databaseUrl,
    poolSize: config.databasePoolSize,
    timeoutMs: config.databaseTimeoutMs,
    onIdleError: options.onIdleError
  })
  const accounts = createPostgresAccounts(db)
  return {
    backend: 'postgres',
    accounts,
    watchlists: createPostgresWatchlists(db),
    attempts: createPostgresAttemptLog(db),
    catalogueIds: createPostgresCatalogueIds(db),
    async start () {
      await db.ready()
    },
    health: () => db.health(),
    close: () => accounts.close(),
    postgres: db
  }
}
