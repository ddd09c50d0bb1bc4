// Our own plugins (decorators the routes use), one file each in this folder,
// registered in this order (src/app.ts): a plugin comes after those it names
// in its `dependencies`. A new one: its file here and one line below.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { AppConfig } from '../../config.js'
import config from './config.js'
import accounts from './accounts.js'
import auth from './auth.js'
import bodyLimit from './body-limit.js'
import catalogue from './catalogue.js'
import caching from './caching.js'
import discovery from './discovery.js'
import health from './health.js'
import watchlists from './watchlists.js'

export default fp(async function appPlugins (fastify: FastifyInstance, opts: Partial<AppConfig>) {
  await fastify.register(config, opts)
  await fastify.register(accounts)
  await fastify.register(auth)
  await fastify.register(bodyLimit)
  await fastify.register(catalogue)
  await fastify.register(caching)
  await fastify.register(discovery)
  await fastify.register(health)
  await fastify.register(watchlists)
}, { name: 'app-plugins' })
