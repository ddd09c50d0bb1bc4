// The global rate limit (@fastify/rate-limit): RATE_LIMIT_MAX requests per client
// address (request.ip, see TRUST_PROXY) in each RATE_LIMIT_WINDOW, on every route
// except those with `config: { rateLimit: false }` (/health, /ready) and the API
// documents. Over the
// limit: the old service's 429, the same answer as the login/register throttle.
// RATE_LIMIT_MAX=0 turns it off (the test helper does, see test/helpers/app.ts).
import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import { resolveConfig, type AppConfig } from '../../config.js'
import { throttled } from '../../http/domain-errors.js'

export default fp(async function globalRateLimit (fastify: FastifyInstance, opts: Partial<AppConfig>) {
  const { rateLimitMax, rateLimitWindowMs } = resolveConfig(opts)
  if (rateLimitMax === 0) return
  // The API documents (/docs, /openapi.json) are static and registered before the
  // contract's error handler (errors.ts), so their 429 would not have its shape.
  fastify.addHook('onRoute', (route) => {
    if (route.url === '/openapi.json' || route.url?.startsWith('/docs') === true) route.config = { ...route.config, rateLimit: false }
  })
  await fastify.register(rateLimit, {
    max: rateLimitMax,
    timeWindow: rateLimitWindowMs,
    // Client addresses remembered at once (least recently seen forgotten first).
    cache: 100_000,
    // Headers only on the 429 itself: the common answer stays small.
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    addHeaders: { 'x-ratelimit-limit': true, 'x-ratelimit-remaining': true, 'x-ratelimit-reset': true, 'retry-after': true },
    errorResponseBuilder: (_request, context) => throttled(context.ttl)
  })
}, { name: 'global-rate-limit' })
