// The token authentication strategy for @fastify/auth. A route opts in with
// `onRequest: fastify.auth([fastify.verifyToken])`: the check runs before the
// body is read (a 401 comes first, as in DRF), and sets `request.auth`.
// Routes that do not opt in never look at the Authorization header.
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Authenticated } from '../../accounts/service.js'

declare module 'fastify' {
  interface FastifyInstance {
    verifyToken: (request: FastifyRequest) => Promise<void>
  }
  interface FastifyRequest {
    /** The user and token of an authenticated request; null on routes without auth. */
    auth: Authenticated | null
  }
}

export default fp(async function tokenAuth (fastify: FastifyInstance) {
  fastify.decorateRequest('auth', null)
  fastify.decorate('verifyToken', async (request: FastifyRequest) => {
    request.auth = await fastify.accounts.authenticate(request.headers.authorization)
  })
}, { name: 'token-auth', dependencies: ['accounts'] })
