// The storage seam: everything users write (accounts, tokens, shared throttle
// counters, watchlists) lives in one backend, chosen by DATABASE_URL:
// PostgreSQL when set, else the SQLite file accounts.sqlite under DATA_DIR.
// Handlers and services see only the repository interfaces.
import type { OpenStoreOptions, StoreConfig, UserStore } from './store.js'
import { openPostgresStore } from './postgres/index.js'
import { openSqliteStore } from './sqlite/index.js'

export type { OpenStoreOptions, StoreConfig, UserStore } from './store.js'

export function openUserStore (config: StoreConfig, options: OpenStoreOptions = {}): UserStore {
  return config.databaseUrl === null || config.databaseUrl === undefined
    ? openSqliteStore(config.dataDir)
    : openPostgresStore(config.databaseUrl, config, options)
}
