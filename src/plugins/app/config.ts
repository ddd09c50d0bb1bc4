// Decorates the instance with the resolved configuration the app was built from.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { resolveConfig, type AppConfig } from '../../config.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: AppConfig
  }
}

export default fp(async function config (fastify: FastifyInstance, opts: Partial<AppConfig>) {
  fastify.decorate('config', resolveConfig(opts))
}, { name: 'config' })
