// Accounts: the accounts.sqlite file under DATA_DIR, the password hasher, the
// login throttle and the service the account routes call. Expired tokens are
// swept now and then besides being deleted when seen.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { openAccountsStore } from '../../accounts/admin.js'
import { createAccountsService, type AccountsService } from '../../accounts/service.js'
import { createMemoryAttemptLog, createThrottle } from '../../accounts/throttle.js'

declare module 'fastify' {
  interface FastifyInstance {
    accounts: AccountsService
  }
}

const SWEEP_INTERVAL_MS = 10 * 60 * 1000

export default fp(async function accounts (fastify: FastifyInstance) {
  const config = fastify.config
  const { repository, hasher } = openAccountsStore(config)
  const service = createAccountsService({
    repository,
    hasher,
    throttle: createThrottle(createMemoryAttemptLog(), config),
    policy: config
  })
  const sweep = () => {
    service.sweep().catch((error: unknown) => { fastify.log.error({ err: error }, 'token sweep failed') })
  }
  sweep()
  const timer = setInterval(sweep, SWEEP_INTERVAL_MS).unref()
  fastify.addHook('onClose', async () => {
    clearInterval(timer)
    await repository.close()
  })
  fastify.decorate('accounts', service)
}, { name: 'accounts', dependencies: ['config'] })
