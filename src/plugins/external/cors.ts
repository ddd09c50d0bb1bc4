// Cross-origin requests from browser scripts (@fastify/cors). Every origin by
// default: tokens travel in the Authorization header, never in cookies, so another
// site cannot act with a visitor's credentials. CORS_ORIGINS narrows it to a list.
//
// @fastify/cors adds Access-Control-Allow-Origin to every answer; its own
// preflight handling is off because it would also take over plain OPTIONS
// requests, which the old service answers 200 with Allow (errors.ts). A true preflight
// (OPTIONS with Origin and Access-Control-Request-Method) is answered here (preflight): 204
// with the allowed methods and the requested headers.
import fp from 'fastify-plugin'
import cors from '@fastify/cors'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { resolveConfig, type AppConfig } from '../../config.js'

/** Methods a browser may use cross-origin; the route still answers 405 to one it does not have. */
const methods = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS'
/** Preflight answers are cached by browsers this long (seconds). */
const preflightMaxAge = '86400'

/**
 * A true preflight (OPTIONS with Origin and Access-Control-Request-Method): 204 with the allowed methods
 * and the requested headers. Only OPTIONS requests can be one, and no route of ours takes OPTIONS but
 * /v4's catch-all: a hook of the routes that take OPTIONS (onRoute below) and of the requests no route
 * matched (src/app.ts gives it to `unmatched`), not of every request.
 */
export function preflight (request: FastifyRequest, reply: FastifyReply, done: () => void): void {
  const requestedMethod = request.headers['access-control-request-method']
  if (request.method !== 'OPTIONS' || requestedMethod === undefined || request.headers.origin === undefined) {
    done()
    return
  }
  // An origin outside CORS_ORIGINS got no Access-Control-Allow-Origin: the browser refuses.
  if (reply.hasHeader('access-control-allow-origin')) {
    reply.header('access-control-allow-methods', methods)
    const requestedHeaders = request.headers['access-control-request-headers']
    if (requestedHeaders !== undefined) reply.header('access-control-allow-headers', requestedHeaders)
    reply.header('access-control-max-age', preflightMaxAge)
  }
  reply.header('vary', 'Origin, Access-Control-Request-Headers')
  reply.code(204).header('content-length', '0').send()
}

export default fp(async function crossOrigin (fastify: FastifyInstance, opts: Partial<AppConfig>) {
  const { corsOrigins } = resolveConfig(opts)
  // Every origin: the one header @fastify/cors would add (`*`, no Vary), set here
  // without its per-request work (options copied, origin resolved through a callback).
  const anyOrigin = corsOrigins === null || corsOrigins === undefined
  // First, so that it sees the OPTIONS route @fastify/cors adds too.
  fastify.addHook('onRoute', (route) => {
    if ([route.method].flat().includes('OPTIONS')) route.onRequest = [preflight, ...[route.onRequest ?? []].flat()] as typeof route.onRequest
  })
  if (!anyOrigin) {
    await fastify.register(cors, {
      origin: corsOrigins,
      preflight: false
    })
  } else {
    fastify.addHook('onRequest', (_request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      reply.header('access-control-allow-origin', '*')
      done()
    })
  }
}, { name: 'cross-origin' })
