// Third-party plugins, one file each in this folder, registered in this order
// (src/app.ts). A new one: its file here and one line below.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { AppConfig } from '../../config.js'
import auth from './auth.js'
import compress from './compress.js'
import cors from './cors.js'
import formbody from './formbody.js'
import helmet from './helmet.js'
import multipart from './multipart.js'
import rateLimit from './rate-limit.js'
import sensible from './sensible.js'
import swagger from './swagger.js'

export default fp(async function externalPlugins (fastify: FastifyInstance, opts: Partial<AppConfig>) {
  await fastify.register(auth)
  await fastify.register(compress)
  await fastify.register(cors, opts)
  await fastify.register(formbody, opts)
  await fastify.register(helmet)
  await fastify.register(multipart)
  await fastify.register(rateLimit, opts)
  await fastify.register(sensible)
  await fastify.register(swagger)
}, { name: 'external-plugins' })
