// HTTP caching. A route's `config.cache` says how its answers may be cached; unset,
// it follows the URL (see cachePolicy):
// - 'catalogue' (every GET under /anime/ but random): a 200 carries a weak ETag made
//   of the catalogue's version, the request URL and whether the answer is the HTML
//   page, a Last-Modified of the catalogue's import, and `Cache-Control: public,
//   max-age=CACHE_MAX_AGE`. A request whose If-None-Match holds the current ETag,
//   or (without If-None-Match) whose If-Modified-Since is not older than the
//   import, gets 304 before the handler runs (the `fresh` package decides, as
//   Express does: weak comparison, `*`, the precedence of If-None-Match).
// - 'no-store' (/anime/random, everything under /account, every route whose schema
//   declares `security` (a user's own data), /health, /ready).
// - 'none': no caching headers.
// Per request this costs a hash of the URL; the version and import time are read
// from the file at most every 2 ms (`catalogueVersion`, see recentVersion in
// src/catalogue/recent-version.ts; an import on any connection changes both, so neither
// outlives the data it was given for by more than that); bodies are never hashed.
import fp from 'fastify-plugin'
import fresh from 'fresh'
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import { wantsHtml } from '../errors.js'

export type CachePolicy = 'catalogue' | 'no-store' | 'none'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** How answers may be cached (see src/plugins/app/caching.ts); unset: decided by the URL. */
    cache?: CachePolicy
  }
}

/** The policy of a route without `config.cache`; `authenticated`: the route's schema declares `security`. */
export function cachePolicy (method: string, url: string, authenticated = false): CachePolicy {
  if (authenticated || url === '/account' || url.startsWith('/account/')) return 'no-store'
  if (method !== 'GET' && method !== 'HEAD') return 'none'
  if (url === '/anime/random') return 'no-store'
  if (url.startsWith('/anime/')) return 'catalogue'
  return 'none'
}

/** FNV-1a of a short string, base 36: tells URLs apart inside an ETag. */
export function shortHash (text: string): string {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0).toString(36)
}

/**
 * Whether the client's copy is current: If-None-Match against `etag`, else
 * If-Modified-Since against `lastModified` ('' when unknown). Only the two
 * conditional headers are looked at: a `Cache-Control: no-cache` request still
 * gets its 304 when its copy is current (an origin server may always answer so).
 */
export function notModified (headers: { 'if-none-match'?: string, 'if-modified-since'?: string }, etag: string, lastModified: string): boolean {
  const conditions = { 'if-none-match': headers['if-none-match'], 'if-modified-since': headers['if-modified-since'] }
  return fresh(conditions, lastModified === '' ? { etag } : { etag, 'last-modified': lastModified })
}

type Hook = (request: FastifyRequest, reply: FastifyReply, done: () => void) => void
type SendHook = (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void) => void

function addHooks (route: RouteOptions, onRequest: Hook | null, onSend: SendHook): void {
  const add = <T>(existing: T | T[] | undefined, hook: T): T[] => [...(existing === undefined ? [] : [existing].flat() as T[]), hook]
  if (onRequest !== null) route.onRequest = add(route.onRequest as Hook | Hook[] | undefined, onRequest) as RouteOptions['onRequest']
  route.onSend = add(route.onSend as SendHook | SendHook[] | undefined, onSend) as RouteOptions['onSend']
}

const kEtag = Symbol('catalogue etag')
const kLastModified = Symbol('catalogue last modified')

function appendVary (reply: FastifyReply, value: string): void {
  const vary = reply.getHeader('vary')
  reply.header('vary', vary === undefined ? value : `${String(vary)}, ${value}`)
}

export default fp(async function caching (fastify: FastifyInstance) {
  const { cacheMaxAge } = fastify.config
  const cacheControl = cacheMaxAge === 0 ? 'public, no-cache' : `public, max-age=${cacheMaxAge}`
  const { version: currentVersion, lastModified: currentLastModified } = fastify.catalogueVersion
  fastify.decorateRequest(kEtag, '')
  fastify.decorateRequest(kLastModified, '')

  const catalogueHeaders = (reply: FastifyReply, etag: string, lastModified: string) => {
    reply.header('etag', etag)
    if (lastModified !== '') reply.header('last-modified', lastModified)
    reply.header('cache-control', cacheControl)
    appendVary(reply, 'Accept')
  }

  // Read the version before the handler reads the data: an import in between
  // gives new data an old ETag and date (refetched next time), never the reverse.
  const revalidate: Hook = (request, reply, done) => {
    const etag = `W/"${currentVersion()}-${shortHash(request.url)}${wantsHtml(request) ? '-h' : ''}"`
    const lastModified = currentLastModified()
    const saved = request as unknown as Record<symbol, string>
    saved[kEtag] = etag
    saved[kLastModified] = lastModified
    const { headers } = request
    if ((headers['if-none-match'] !== undefined || headers['if-modified-since'] !== undefined) && notModified(headers, etag, lastModified)) {
      catalogueHeaders(reply, etag, lastModified)
      reply.code(304).send()
      return
    }
    done()
  }
  const tag: SendHook = (request, reply, payload, done) => {
    const saved = request as unknown as Record<symbol, string>
    if (reply.statusCode === 200) catalogueHeaders(reply, saved[kEtag]!, saved[kLastModified]!)
    done(null, payload)
  }
  const noStore: SendHook = (_request, reply, payload, done) => {
    reply.header('cache-control', 'no-store')
    done(null, payload)
  }

  fastify.addHook('onRoute', (route) => {
    const method = [route.method].flat()[0] ?? 'GET'
    const authenticated = ((route.schema as { security?: unknown[] } | undefined)?.security?.length ?? 0) > 0
    const policy = route.config?.cache ?? cachePolicy(method, route.url ?? route.path ?? '', authenticated)
    if (policy === 'catalogue') addHooks(route, revalidate, tag)
    else if (policy === 'no-store') addHooks(route, null, noStore)
  })
}, { name: 'caching', dependencies: ['config', 'catalogue', 'errors'] })
