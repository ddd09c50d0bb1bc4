// /account: register, login, logout, logoutall (the old service's accounts endpoints, docs/compatibility.md).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { LoginBody, LoginReply, RegisterBody, RegisterReply, TokenLimitReached, authErrors, throttledErrors } from '../../../schemas/account.js'
import { FieldErrors } from '../../../schemas/common.js'
import type { Authenticated } from '../../accounts/service.js'
import { drfTime } from '../../http/wire.js'
import recommendations from './recommendations.js'
import selfService from './self-service.js'

const account: FastifyPluginAsyncTypebox = async (fastify) => {
  const { accounts } = fastify
  // Counted before the body is read: a flood costs no parsing.
  const throttleAddress = async (request: FastifyRequest) => { await accounts.throttle.attemptFrom(request.ip) }
  const requireToken = fastify.auth([fastify.verifyToken])
  const authenticated = (request: FastifyRequest): Authenticated => request.auth!

  fastify.post('/register', {
    schema: {
      operationId: 'register',
      summary: 'Register an account',
      description: 'Creates the account and returns it with a login token.',
      tags: ['account'],
      body: RegisterBody,
      response: { 200: RegisterReply, 400: FieldErrors, ...throttledErrors }
    },
    onRequest: [fastify.watchClient, throttleAddress],
    config: { fieldChecks: accounts.registerChecks }
  }, async (request) => {
    const { user, token } = await accounts.register(request.body, request.abandoned)
    return { user: { id: user.id, username: user.username, email: user.email }, token }
  })

  fastify.post('/login', {
    schema: {
      operationId: 'login',
      summary: 'Log in',
      description: 'Returns a new login token and its expiry. Earlier tokens stay valid.',
      tags: ['account'],
      body: LoginBody,
      response: { 200: LoginReply, 400: FieldErrors, 403: TokenLimitReached, ...throttledErrors }
    },
    onRequest: [fastify.watchClient, throttleAddress]
  }, async (request) => {
    const { token, expiry } = await accounts.login(request.body, request.abandoned)
    return { expiry: expiry === null ? null : drfTime(expiry), token }
  })

  fastify.post('/logout', {
    schema: {
      operationId: 'logout',
      summary: 'Log out this token',
      description: 'Deletes the token the request is authenticated with. 204, no body.',
      tags: ['account'],
      security: [{ Token: [] }],
      response: { 204: { type: 'null', description: 'Logged out.' }, ...authErrors }
    },
    onRequest: requireToken
  }, async (request, reply) => {
    await accounts.logout(authenticated(request))
    return reply.code(204).send()
  })

  fastify.post('/logoutall', {
    schema: {
      operationId: 'logoutAll',
      summary: 'Log out every token of this user',
      description: 'Deletes all tokens of the authenticated user. 204, no body.',
      tags: ['account'],
      security: [{ Token: [] }],
      response: { 204: { type: 'null', description: 'Logged out everywhere.' }, ...authErrors }
    },
    onRequest: requireToken
  }, async (request, reply) => {
    await accounts.logoutAll(authenticated(request))
    return reply.code(204).send()
  })

  await fastify.register(selfService)
  await fastify.register(recommendations)
}

export default account
