// The old service's general rules (docs/compatibility.md) in one place: error bodies, 404/405/OPTIONS,
// 415, JSON parse errors, `?format=`, and the human-readable HTML rendering.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import fp from 'fastify-plugin'
import FindMyWay from 'find-my-way'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify'
import { ApiError, pythonTypeName, type ErrorBody } from '../errors.js'
import { httpErrorOf } from '../http/domain-errors.js'
import { renderHtmlPage } from '../http/html.js'
import { useContractValidation, withRouteFieldChecks } from '../http/validation.js'
import { contractErrors, issuesOf, messages, type HttpPart } from '../validation/index.js'

const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route answers JSON only, whatever `?format=` or Accept say (the /v4 Jikan routes). */
    jsonOnly?: boolean
  }
}

/** The methods a path has (for 405 and OPTIONS), decorated by errors for `unmatched`. */
const kAllowed = Symbol('methods allowed on a path')

/** Set on requests whose answer is the HTML page (see negotiate). */
const kHtml = Symbol('answered as an HTML page')

/** Whether this request's JSON answer is sent as the human-readable HTML page (`?format=api`, or a browser's Accept). */
export function wantsHtml (request: FastifyRequest): boolean {
  return (request as unknown as Record<symbol, boolean>)[kHtml] === true
}

/** DRF's negotiation, for a request without `?format=`: HTML only where the client ranks it above JSON (JSON wins ties). */
function acceptPrefersHtml (accept: string | undefined): boolean {
  if (accept === undefined || !accept.includes('html')) return false
  let html = 0
  let json = 0
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.trim().toLowerCase().split(';')
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    const q = qParam === undefined ? 1 : Number(qParam.slice(2)) || 0
    if (type === 'text/html' || type === 'text/*') html = Math.max(html, q)
    if (type === 'application/json' || type === 'application/*' || type === '*/*') json = Math.max(json, q)
  }
  return html > json
}

/**
 * `?format=` and Accept, decided once per request: any other format than json
 * or api is 404; the answer is the HTML page for `format=api`, or without a
 * format where Accept prefers HTML. A route-level hook on every route but the
 * JSON-only ones (`config.jsonOnly`, decided when the route is registered), and
 * a hook of the requests no route matched (`unmatched` below).
 */
function negotiate (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void {
  const format = (request.query as Record<string, unknown> | undefined)?.format
  if (format !== undefined) {
    if (format !== 'json' && format !== 'api') { done(new ApiError(404, { detail: 'Not found.' })); return }
    if (format === 'api') (request as unknown as Record<symbol, boolean>)[kHtml] = true
  } else if (acceptPrefersHtml(request.headers.accept)) {
    (request as unknown as Record<symbol, boolean>)[kHtml] = true
  }
  done()
}

/** A JSON answer as the HTML page, for the requests `negotiate` found wanting it; where negotiate runs, and after it. */
function htmlPage (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: Error | null, payload?: unknown) => void): void {
  if (!wantsHtml(request) || !(typeof payload === 'string' || Buffer.isBuffer(payload))) { done(null, payload); return }
  const type = reply.getHeader('content-type')
  if (typeof type !== 'string' || !type.startsWith('application/json')) { done(null, payload); return }
  reply.header('content-type', 'text/html; charset=utf-8')
  let page: string
  try {
    page = renderHtmlPage(request, reply, payload.toString())
  } catch (error) {
    done(error as Error)
    return
  }
  done(null, page)
}

/** The status and body the old service gives for an error thrown anywhere. */
function errorResponse (error: FastifyError | ApiError, request: FastifyRequest): [number, ErrorBody] {
  if (error instanceof ApiError) return [error.statusCode, error.body]
  // A validation error formatted elsewhere (a plugin's own formatter that gave up): the contract's 400 all the same.
  if (error.validation !== undefined) {
    if (error.validationContext === 'params') return [404, { detail: 'Not found.' }]
    return [400, contractErrors(issuesOf(error.validation as never), (error.validationContext ?? 'body') as HttpPart)]
  }
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return [415, { detail: `Unsupported media type "${request.headers['content-type'] ?? ''}" in request.` }]
  }
  const status = error.statusCode ?? 500
  if (status >= 400 && status < 500) return [status, { detail: error.message }]
  return [500, { detail: 'A server error occurred.' }]
}

export default fp(async function errors (fastify: FastifyInstance) {
  useContractValidation(fastify)
  fastify.decorateRequest(kHtml, false)
  // A router of our own, only to tell "wrong method" (405) from "no such path" (404): the routes'
  // methods and paths are noted as they are registered, and the router made from them on the first
  // request that no route matched, not at start.
  const routes: Array<[method: string, url: string]> = []
  let knownRouter: FindMyWay.Instance<FindMyWay.HTTPVersion.V1> | undefined
  const known = (): FindMyWay.Instance<FindMyWay.HTTPVersion.V1> => {
    if (knownRouter !== undefined) return knownRouter
    knownRouter = FindMyWay()
    for (const [method, url] of routes) {
      if (knownRouter.find(method as 'GET', url) === null) knownRouter.on(method as 'GET', url, () => {})
    }
    return knownRouter
  }
  fastify.addHook('onRoute', (route) => {
    // The body check below only on routes that take a body: a route-level hook,
    // ahead of the route's own, instead of a global one every GET would pass through.
    const body = (route.schema as { body?: { type?: unknown } } | undefined)?.body
    if (body !== undefined) {
      const check = body.type === 'array' ? bodyIsList : bodyIsObject
      route.preValidation = [check, ...[route.preValidation ?? []].flat()] as typeof route.preValidation
    }
    // Negotiation and the HTML page only where they can apply: JSON-only routes pass through neither.
    if (route.config?.jsonOnly !== true) {
      route.onRequest = [negotiate, ...[route.onRequest ?? []].flat()] as typeof route.onRequest
      route.onSend = [htmlPage, ...[route.onSend ?? []].flat()] as typeof route.onSend
    }
    if (route.url === '*' || route.url.startsWith('/docs')) return
    for (const method of [route.method].flat()) {
      if ((methods as readonly string[]).includes(method)) routes.push([method, route.url])
    }
  })
  const allowed = (url: string): string[] => {
    const path = url.split('?')[0] ?? '/'
    const router = known()
    const found = methods.filter((m) => router.find(m, path) !== null)
    if (found.length === 0) return []
    return [...found, ...(found.includes('GET') ? ['HEAD'] : []), 'OPTIONS']
  }

  // JSON bodies: an empty body is an empty object; a parse error is DRF's 400.
  // Plain text is not a body type the old service took: 415 like any other.
  fastify.removeContentTypeParser(['application/json', 'text/plain'])
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string
    if (text.trim() === '') { done(null, undefined); return }
    try {
      done(null, JSON.parse(text))
    } catch (error) {
      done(new ApiError(400, { detail: `JSON parse error - ${(error as Error).message}` }), undefined)
    }
  })

  // Bodies must be objects, as DRF's serializers demanded; only for routes that take one.
  async function bodyIsObject (request: FastifyRequest): Promise<void> {
    const body = request.body
    if (body === undefined) { request.body = {}; return }
    if (body === null) throw new ApiError(400, { non_field_errors: ['No data provided'] })
    if (typeof body !== 'object' || Array.isArray(body)) {
      throw new ApiError(400, { non_field_errors: [messages.notADict(body)] })
    }
  }

  // A route whose body schema is an array takes a list, as DRF's many=True serializers did.
  async function bodyIsList (request: FastifyRequest): Promise<void> {
    const body = request.body
    if (body === null) throw new ApiError(400, { non_field_errors: ['No data provided'] })
    if (!Array.isArray(body)) {
      // An empty body is an empty object, as for the other routes.
      throw new ApiError(400, { non_field_errors: [`Expected a list of items but got type "${body === undefined ? 'dict' : pythonTypeName(body)}".`] })
    }
  }

  fastify.decorate(kAllowed, allowed)

  // `Expect:` other than 100-continue: Node would answer 417 itself, with no body.
  fastify.server.on('checkExpectation', (_request: IncomingMessage, response: ServerResponse) => {
    const body = JSON.stringify({ detail: 'Only "Expect: 100-continue" is supported.' })
    response.writeHead(417, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' }).end(body)
  })

  // CONNECT (a proxy's tunnel): Node would close the connection without a word.
  fastify.server.on('connect', (request: IncomingMessage, socket: Duplex) => {
    const body = JSON.stringify({ detail: `Method "${request.method ?? 'CONNECT'}" not allowed.` })
    socket.end(`HTTP/1.1 405 Method Not Allowed\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Allow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS\r\nConnection: close\r\n\r\n${body}`)
  })

  fastify.setErrorHandler(async (raised: FastifyError | Error, request, reply) => {
    // The domain's errors (accounts, watchlists, the user store) as the old service answered them.
    const error = httpErrorOf(raised) ?? raised as FastifyError | ApiError
    let [status, body] = errorResponse(error, request)
    if ((error as FastifyError).validationContext === 'body' && status === 400) body = await withRouteFieldChecks(request, body as Record<string, string[]>)
    // An ApiError of 5xx is a deliberate answer (the user store or the password queue is
    // unavailable): one line saying why, where a flood of them would otherwise log a stack each.
    if (error instanceof ApiError && status >= 500) request.log.warn({ status, reason: (raised as { reason?: string }).reason ?? error.message }, 'service unavailable')
    else if (status >= 500) request.log.error({ err: error }, 'unexpected failure')
    if (error instanceof ApiError) reply.headers(error.headers)
    // Serialised here, not by the route's response schema: an error body is sent
    // exactly as built, whichever error shapes the route documents.
    return reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify(body))
  })
}, { name: 'errors' })

/**
 * The requests that no route matched (404, 405, OPTIONS), answered in the contract's shapes, with
 * negotiation and the HTML page as on the routes. An encapsulated plugin registered after every
 * other (src/app.ts): its not-found handler takes the hooks of its scope, the global ones (CORS,
 * security headers) and its own two, which no matched route passes through.
 */
export async function unmatched (fastify: FastifyInstance, opts: { onRequest?: onRequestHookHandler[] }): Promise<void> {
  const allowed = (fastify as unknown as Record<symbol, (url: string) => string[]>)[kAllowed]!
  // Hooks of other plugins that act only where no route matched (the CORS preflight), ahead of negotiation.
  for (const hook of opts.onRequest ?? []) fastify.addHook('onRequest', hook)
  fastify.addHook('onRequest', negotiate)
  fastify.addHook('onSend', htmlPage)
  fastify.setNotFoundHandler(async (request: FastifyRequest, reply: FastifyReply) => {
    const allow = allowed(request.url)
    if (allow.length === 0) return reply.code(404).send({ detail: 'Not found.' })
    reply.header('allow', allow.join(', '))
    if (request.method === 'OPTIONS') {
      return reply.code(200).send({
        name: request.url.split('?')[0],
        renders: ['application/json', 'text/html'],
        parses: ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data']
      })
    }
    return reply.code(405).send({ detail: `Method "${request.method}" not allowed.` })
  })
}
