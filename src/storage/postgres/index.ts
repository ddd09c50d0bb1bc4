// The user store on PostgreSQL: one pool shared by the accounts, watchlists,
// attempt log and id map repositories; the schema is brought up to date at
// start (a server that is down then is retried on use).
import type { OpenStoreOptions, StoreConfig, UserStore } from '../store.js'
import { createPostgresAccounts } from './accounts.js'
import { createPostgresAttemptLog } from './attempts.js'
import { createPostgresCatalogueIds } from './catalogue-ids.js'
import { openPostgres } from './database.js'
import { createPostgresWatchlists } from './watchlists.js'

export function openPostgresStore (url: string, config: Omit<StoreConfig, 'dataDir' | 'databaseUrl'>, options: OpenStoreOptions = {}): UserStore {
  const db = openPostgres({
    url,
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
