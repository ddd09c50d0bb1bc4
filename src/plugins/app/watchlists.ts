// Watchlists and recommendations: the lists live in the accounts file (their own
// connection to it; the SQLite WatchlistsRepository), the anime they name in the
// catalogue. Also `optionalToken`, the authentication of routes anyone may read,
// and the runner of MyAnimeList imports (a worker thread, ended on close).
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { NotAuthenticatedError } from '../../accounts/errors.js'
import { importWorkerScript, MalImportRunner } from '../../watchlists/mal-import-runner.js'
import { createRecommender, type Recommender } from '../../watchlists/recommendations.js'
import type { Watchlist } from '../../watchlists/repository.js'
import { createWatchlistsService, type WatchlistsService } from '../../watchlists/service.js'

declare module 'fastify' {
  interface FastifyInstance {
    watchlists: WatchlistsService
    /** Runs MyAnimeList imports in a worker thread, a few at a time (MAL_IMPORT_MAX_PENDING). */
    malImports: MalImportRunner
    recommender: Recommender
    /**
     * For routes anyone may use: a valid token sets `request.auth`; no token, or
     * one that does not authenticate, is an anonymous request (as in the old service: endpoints
     * that need no auth ignore the header), never a 401.
     */
    optionalToken: (request: FastifyRequest) => Promise<void>
  }
  interface FastifyRequest {
    /** The list named by the URL's `:id`, once a route's access check found it. */
    watchlist: Watchlist | null
  }
}

export default fp(async function watchlists (fastify: FastifyInstance) {
  const config = fastify.config
  const service = createWatchlistsService({
    // SQLite (the accounts file) or PostgreSQL, as the accounts (src/storage); closed with them.
    repository: fastify.userStore.watchlists,
    links: fastify.catalogueLinks,
    now: config.now,
    listsPerUser: config.watchlistsPerUser
  })
  fastify.decorate('watchlists', service)
  const malImports = new MalImportRunner(config.malImportScript ?? importWorkerScript(), {
    maxPending: config.malImportMaxPending,
    store: { dataDir: config.dataDir, databaseUrl: config.databaseUrl, databasePoolSize: config.databasePoolSize, databaseTimeoutMs: config.databaseTimeoutMs },
    service,
    now: config.now
  })
  fastify.decorate('malImports', malImports)
  fastify.addHook('onClose', async () => { await malImports.close() })
  fastify.decorate('recommender', createRecommender(fastify.discovery, fastify.userStore.watchlists))
  fastify.decorateRequest('watchlist', null)
  fastify.decorate('optionalToken', async (request: FastifyRequest) => {
    if (request.headers.authorization === undefined) return
    try {
      request.auth = await fastify.accounts.authenticate(request.headers.authorization)
    } catch (error) {
      if (!(error instanceof NotAuthenticatedError)) throw error
    }
  })
}, { name: 'watchlists', dependencies: ['config', 'catalogue', 'accounts', 'token-auth'] })
