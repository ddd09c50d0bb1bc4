// The storage seam: everything users write (accounts, tokens, shared throttle
// counters, watchlists) lives in one backend, chosen by DATABASE_URL:
// PostgreSQL when set, else the SQLite file accounts.sqlite under DATA_DIR.
// Handlers and services see only the repository interfaces.
//
// The PostgreSQL store (and with it the `pg` driver) is loaded only when
// DATABASE_URL names one: loading `pg` costs a SQLite install a noticeable part
// of its start (it pulls in Node's own fetch machinery), for nothing.
import type { OpenStoreOptions, StoreConfig, UserStore } from './store.js'
import { openSqliteStore } from './sqlite/index.js'

export type { OpenStoreOptions, StoreConfig, UserStore } from './store.js'

export async function openUserStore (config: StoreConfig, options: OpenStoreOptions = {}): Promise<UserStore> {
  if (config.databaseUrl === null || config.databaseUrl === undefined) return openSqliteStore(config.dataDir)
  const { openPostgresStore } = await import('./postgres/index.js')
  return openPostgresStore(config.databaseUrl, config, options)
}
