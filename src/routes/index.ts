// Every route group, each a plugin (a file, or a folder whose index.ts
// registers the rest) under its URL prefix, registered in this order
// (src/app.ts). A new group: its file or folder here and one line below.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import health from './health.js'
import account from './account/index.js'
import anime from './anime/index.js'
import watchlists from './watchlists/index.js'
import v4 from './v4/index.js'

export default fp(async function routes (fastify: FastifyInstance) {
  await fastify.register(health)
  await fastify.register(account, { prefix: '/account' })
  await fastify.register(anime, { prefix: '/anime' })
  await fastify.register(watchlists, { prefix: '/watchlists' })
  await fastify.register(v4, { prefix: '/v4' })
}, { name: 'routes' })
