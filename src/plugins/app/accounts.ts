// Accounts: the accounts.sqlite file under DATA_DIR, the password hasher, the
// login throttle and the service the account routes call. Expired tokens are
// swept now and then besides being deleted when seen.
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { openAccountsStore } from '../../accounts/admin.js'
import { createAccountsService, type AccountsService } from '../../accounts/service.js'
import { createThrottle } from '../../accounts/throttle.js'
import type { UserStore } from '../../storage/index.js'

declare module 'fastify' {
  interface FastifyInstance {
    accounts: AccountsService
    /** Where users' data lives (SQLite or PostgreSQL, src/storage): the repositories behind the services. */
    userStore: UserStore
    /**
     * onRequest hook of the routes that hash a password: sets `request.abandoned`,
     * so that a hash still waiting for its turn is dropped when the client goes away.
     */
    watchClient: (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void
  }
  interface FastifyRequest {
    /** Aborted when the client goes away before it is answered (on routes with watchClient). */
    abandoned: AbortSignal | undefined
  }
}

const SWEEP_INTERVAL_MS = 10 * 60 * 1000

export default fp(async function accounts (fastify: FastifyInstance) {
  const config = fastify.config
  // SQLite under DATA_DIR, or PostgreSQL when DATABASE_URL is set (src/storage).
  const { repository, hasher, store } = await openAccountsStore(config, {
    onIdleError: (error) => { fastify.log.warn({ err: error }, 'user store connection lost') }
  })
  // PostgreSQL down at start: the catalogue is served anyway; account routes answer 503 until it is back.
  await store.start().catch((error: unknown) => {
    if ((error as { statusCode?: number }).statusCode !== 503) throw error
    fastify.log.error({ err: error }, 'user store unavailable at start; account routes answer 503 until it is back')
  })
  const service = createAccountsService({
    repository,
    hasher,
    // Kept in the user store, so every process and instance counts the same attempts.
    throttle: createThrottle(store.attempts, config),
    policy: config
  })
  const sweep = () => {
    service.sweep().catch((error: unknown) => { fastify.log.error({ err: error }, 'token sweep failed') })
  }
  sweep()
  const timer = setInterval(sweep, SWEEP_INTERVAL_MS).unref()
  fastify.addHook('onClose', async () => {
    clearInterval(timer)
    await store.close()
  })
  fastify.decorate('accounts', service)
  fastify.decorate('userStore', store)
  fastify.decorateRequest('abandoned', undefined)
  // Callback style, on the few routes that hash: no promise per request, nothing on other routes.
  fastify.decorate('watchClient', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const controller = new AbortController()
    // 'close' with the answer unfinished: the connection ended under it.
    reply.raw.once('close', () => { if (!reply.raw.writableFinished) controller.abort() })
    request.abandoned = controller.signal
    done()
  })
}, { name: 'accounts', dependencies: ['config'] })
