// /account/user and /account/password: the caller's own account.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { authErrors, throttledErrors } from '../../../schemas/account.js'
import { FieldErrors, FormatQuery } from '../../../schemas/common.js'
import { AccountDetails, DeleteAccountBody, PasswordChangeBody } from '../../../schemas/self-service.js'
import type { Authenticated } from '../../accounts/service.js'
import { fieldErrors } from '../../errors.js'
import { drfTime } from '../../http/wire.js'

export const messages = {
  wrongPassword: 'Incorrect password.',
  wrongOldPassword: 'Your old password was entered incorrectly. Please enter it again.'
}

const selfService: FastifyPluginAsyncTypebox = async (fastify) => {
  const { accounts } = fastify
  const requireToken = fastify.auth([fastify.verifyToken])
  const authenticated = (request: FastifyRequest): Authenticated => request.auth!
  const noContent = { 204: { type: 'null', description: 'Done; no body.' } }

  fastify.get('/user', {
    schema: {
      operationId: 'getAccount',
      summary: 'Your account',
      description: 'The authenticated user: id, username, email and when the account was made.',
      tags: ['account'],
      security: [{ Token: [] }],
      querystring: FormatQuery,
      response: { 200: AccountDetails, ...authErrors }
    },
    onRequest: requireToken
  }, async (request) => {
    const { user } = authenticated(request)
    return { id: user.id, username: user.username, email: user.email, created: drfTime(user.dateJoined) }
  })

  fastify.delete('/user', {
    schema: {
      operationId: 'deleteAccount',
      summary: 'Delete your account',
      description: 'Deletes the account, all its tokens and all its lists, given the password. 204. A wrong password is 400 `{"password":["Incorrect password."]}`; ' +
        'wrong passwords count against the login throttle of the username.',
      tags: ['account'],
      security: [{ Token: [] }],
      body: DeleteAccountBody,
      response: { ...noContent, ...authErrors, 400: FieldErrors, ...throttledErrors }
    },
    onRequest: [fastify.watchClient, requireToken]
  }, async (request, reply) => {
    const auth = authenticated(request)
    if (!(await accounts.checkPassword(auth, request.body.password, request.abandoned))) throw fieldErrors({ password: [messages.wrongPassword] })
    await accounts.deleteAccount(auth)
    return reply.code(204).send()
  })

  fastify.put('/password', {
    schema: {
      operationId: 'changePassword',
      summary: 'Change your password',
      description: 'Sets `new_password` given the current one in `old_password`, and ends every other token of the user (this one stays valid). 204.',
      tags: ['account'],
      security: [{ Token: [] }],
      body: PasswordChangeBody,
      response: { ...noContent, ...authErrors, 400: FieldErrors, ...throttledErrors }
    },
    onRequest: [fastify.watchClient, requireToken]
  }, async (request, reply) => {
    const auth = authenticated(request)
    if (!(await accounts.checkPassword(auth, request.body.old_password, request.abandoned))) throw fieldErrors({ old_password: [messages.wrongOldPassword] })
    await accounts.changePassword(auth, request.body.new_password, request.abandoned)
    return reply.code(204).send()
  })
}

export default selfService
