// The whole service as one Fastify plugin, built from an options object (see
// config.ts). After the contract's error handling (plugins/errors.ts), it
// registers three folders in order like Fastify's demo app, each through the
// list in its index.ts: external plugins, our own plugins, then the routes; last,
// the answers to requests that no route matched (404, 405, OPTIONS).
import type { FastifyInstance, FastifyReply, FastifyServerOptions } from 'fastify'
import type { AppConfig } from './config.js'
import errors, { unmatched } from './plugins/errors.js'
import externalPlugins from './plugins/external/index.js'
import { preflight } from './plugins/external/cors.js'
import appPlugins from './plugins/app/index.js'
import routes from './routes/index.js'
import { contractClientError } from './http/client-errors.js'
import { jikanRouterError } from './routes/v4/errors.js'
import { lazySchemaController } from './http/lazy-compilers.js'
import { compilePending } from './validation/index.js'
import { whenServing } from './http/when-serving.js'
import { foreground } from './catalogue/engine/turns.js'

export type AppOptions = Partial<AppConfig>

/** Options for `Fastify()` itself that the contract depends on. */
export const serverOptions: FastifyServerOptions = {
  routerOptions: { ignoreTrailingSlash: false, ignoreDuplicateSlashes: false },
  // While shutting down, requests already on open connections are still answered
  // (with `Connection: close`); the listener no longer accepts new connections.
  return503OnClosing: false,
  // Run from the TypeScript sources (npm run dev, tests), the first start compiles every
  // module: on a busy machine that alone can outlast Fastify's 10 s default.
  pluginTimeout: 60_000,
  bodyLimit: 1 << 20,
  // Errors the router raises before any plugin runs: a malformed %-escape or an
  // over-long path parameter names no resource, so 404 as the old service's unknown paths.
  frameworkErrors: (error, request, reply) => {
    const notFound = error.code === 'FST_ERR_BAD_URL' || error.code === 'FST_ERR_MAX_PARAM_LENGTH'
    // Under /v4, in Jikan's shape (src/routes/v4/errors.ts).
    const body = request.url.startsWith('/v4/')
      ? jikanRouterError(notFound ? 404 : 400)
      : { detail: notFound ? 'Not found.' : error.message }
    ;(reply as FastifyReply).code(notFound ? 404 : 400).type('application/json; charset=utf-8').send(JSON.stringify(body))
  },
  // Requests Node's parser refuses (too long a URL or header block, malformed, too slow): the contract's shape too.
  clientErrorHandler: contractClientError,
  // Fastify's own response serializers, each compiled on its route's first use (src/http/lazy-compilers.ts).
  schemaController: lazySchemaController()
}

/** `serverOptions` with the configured body limit, timeouts and trusted proxies. */
export function serverOptionsFor (config: AppConfig): FastifyServerOptions {
  return {
    ...serverOptions,
    bodyLimit: config.bodyLimit,
    // Whole request (headers and body) must arrive in time; an idle socket is closed after the same time.
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.requestTimeoutMs,
    trustProxy: config.trustProxy
  }
}

export default async function app (fastify: FastifyInstance, opts: AppOptions): Promise<void> {
  // The contract's error handling first, so that every route, third-party
  // plugins' own included (/docs, /openapi.json, CORS preflights), answers in
  // its shapes and the 405 router sees every route.
  await fastify.register(errors)
  await fastify.register(externalPlugins, opts)
  await fastify.register(appPlugins, opts)
  await fastify.register(routes)
  // Last, so that the requests no route matched pass through every global hook registered above.
  await fastify.register(unmatched, { onRequest: [preflight] })
  // What routes asked to have compiled soon after start (compileSoon), once the service answers, as background
  // work (a client waiting for an answer goes first, see Foreground); not awaited.
  whenServing(fastify, () => { void compilePending(foreground.background) })
}
