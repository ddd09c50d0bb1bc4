// @fastify/auth: routes opt into authentication with `onRequest: fastify.auth([...])`.
import auth from '@fastify/auth'

export default auth
