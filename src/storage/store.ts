// What a user store is, whichever backend holds it (src/storage/sqlite/,
// src/storage/postgres/): the repositories the services see, its schema, its health.
import type { AppConfig } from '../config.js'
import type { AccountsRepository } from '../accounts/repository.js'
import type { AttemptLog } from '../accounts/throttle.js'
import type { CatalogueIdStore } from '../catalogue/id-store.js'
import type { WatchlistsRepository } from '../watchlists/repository.js'
import type { PgDatabase } from './postgres/database.js'
import type { StoreHealth } from './errors.js'

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
