// HTTP caching. A route's `config.cache` says how its answers may be cached; unset,
// it follows the URL (see cachePolicy):
// - 'catalogue' (every GET under /anime/ but random): a 200 carries a weak ETag made
//   of the catalogue's version, the request URL and whether the answer is the HTML
//   page, with `Cache-Control: public, max-age=CACHE_MAX_AGE`. A request whose
//   If-None-Match holds the current ETag gets 304 before the handler runs.
// - 'no-store' (/anime/random, everything under /account, every route whose schema
//   declares `security` (a user's own data), /health, /ready).
// - 'none': no caching headers.
// Per request this costs a hash of the URL and at most one primary-key read of the
// version (an import on any connection changes it, so an ETag never outlives the
// data it was given for); bodies are never hashed.
import fp from 'fastify-plugin'
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

/** Weak comparison of an If-None-Match header with our (weak) ETag. */
export function ifNoneMatch (header: string, etag: string): boolean {
  if (header === etag) return true
  const opaque = etag.slice(2)
  for (const part of header.split(',')) {
    const candidate = part.trim()
    if (candidate === etag || candidate === opaque) return true
  }
  return false
}

type Hook = (request: FastifyRequest, reply: FastifyReply, done: () => void) => void
type SendHook = (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void) => void

function addHooks (route: RouteOptions, onRequest: Hook | null, onSend: SendHook): void {
  const add = <T>(existing: T | T[] | undefined, hook: T): T[] => [...(existing === undefined ? [] : [existing].flat() as T[]), hook]
  if (onRequest !== null) route.onRequest = add(route.onRequest as Hook | Hook[] | undefined, onRequest) as RouteOptions['onRequest']
  route.onSend = add(route.onSend as SendHook | SendHook[] | undefined, onSend) as RouteOptions['onSend']
}

const kEtag = Symbol('catalogue etag')

function appendVary (reply: FastifyReply, value: string): void {
  const vary = reply.getHeader('vary')
  reply.header('vary', vary === undefined ? value : `${String(vary)}, ${value}`)
}

export default fp(async function caching (fastify: FastifyInstance) {
  const { cacheMaxAge } = fastify.config
  const cacheControl = cacheMaxAge === 0 ? 'public, no-cache' : `public, max-age=${cacheMaxAge}`
  // The version is read at most once per turn of the event loop (see Catalogue.version).
  const currentVersion = fastify.catalogue.version
  fastify.decorateRequest(kEtag, '')

  const catalogueHeaders = (reply: FastifyReply, etag: string) => {
    reply.header('etag', etag)
    reply.header('cache-control', cacheControl)
    appendVary(reply, 'Accept')
  }

  // Read the version before the handler reads the data: an import in between
  // gives new data an old ETag (refetched next time), never the reverse.
  const revalidate: Hook = (request, reply, done) => {
    const etag = `W/"${currentVersion()}-${shortHash(request.url)}${wantsHtml(request) ? '-h' : ''}"`
    ;(request as unknown as Record<symbol, string>)[kEtag] = etag
    const header = request.headers['if-none-match']
    if (header !== undefined && ifNoneMatch(header, etag)) {
      catalogueHeaders(reply, etag)
      reply.code(304).send()
      return
    }
    done()
  }
  const tag: SendHook = (request, reply, payload, done) => {
    if (reply.statusCode === 200) catalogueHeaders(reply, (request as unknown as Record<symbol, string>)[kEtag]!)
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
