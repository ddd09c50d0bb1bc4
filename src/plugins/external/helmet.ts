// Security headers from @fastify/helmet. HTML pages (the /docs UI, the `?format=api`
// page and what a browser gets) carry helmet's full set; its Content-Security-Policy
// is the default without `upgrade-insecure-requests`, which would make browsers
// fetch the /docs page's scripts over https from a plain-http service. Both pages
// load scripts and styles from this origin only (inline styles are allowed by
// helmet's default style-src). Cross-Origin-Resource-Policy is `cross-origin`:
// this is a public API meant to be called from other origins (see cors.ts).
//
// Strict-Transport-Security only on answers to requests that came over TLS:
// to this process directly, or to the proxy in front as it reports it
// (X-Forwarded-Proto from a TRUST_PROXY address). Sent over plain HTTP it means
// nothing, and a browser must never be told to insist on HTTPS for a name that
// this service answers in plain HTTP.
//
// JSON answers carry what matters for them (OWASP REST security cheat sheet): no
// MIME sniffing, and a policy that forbids rendering or framing them. The whole set
// on every JSON answer would more than double the size of an entry's answer and cut
// the throughput of GET /anime/entry/:id by a sixth.
//
// @fastify/helmet itself runs helmet's middleware on every request, building every
// header again each time. The headers never change, so they are taken once from
// @fastify/helmet on a throwaway instance and set by one hook; taken when the
// first answer that needs them (an HTML page, /docs, a request over TLS) is
// sent, not at start: JSON answers over plain HTTP, a start's first answers
// among them, carry only `apiHeaders`.
import fp from 'fastify-plugin'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import helmet from '@fastify/helmet'
import { wantsHtml } from '../errors.js'

export const helmetOptions = {
  contentSecurityPolicy: {
    useDefaults: true,
    directives: { 'upgrade-insecure-requests': null }
  },
  crossOriginResourcePolicy: { policy: 'cross-origin' as const }
}

/** What JSON answers carry. */
export const apiHeaders: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'"
}

/** The headers @fastify/helmet sets with these options. */
export async function helmetHeaders (options = helmetOptions): Promise<Record<string, string>> {
  const headersOf = async (register: (instance: FastifyInstance) => Promise<void>) => {
    const instance = Fastify({ logger: false })
    try {
      await register(instance)
      instance.get('/', async () => '')
      return (await instance.inject('/')).headers
    } finally {
      await instance.close()
    }
  }
  const bare = await headersOf(async () => {})
  const withHelmet = await headersOf(async (instance) => { await instance.register(helmet, options) })
  return Object.fromEntries(Object.entries(withHelmet).filter(([name]) => !(name in bare)).map(([name, value]) => [name, String(value)]))
}

interface PageHeaders { hsts: string | undefined, page: Record<string, string> }

export default fp(async function securityHeaders (fastify: FastifyInstance) {
  let taken: PageHeaders | undefined
  let taking: Promise<PageHeaders> | undefined
  // A failure (none is expected) fails that answer, and the next one tries again.
  const take = (): Promise<PageHeaders> => (taking ??= helmetHeaders().then(
    ({ 'strict-transport-security': hsts, ...page }) => (taken = { hsts, page }),
    (error: unknown) => { taking = undefined; throw error }))
  const apply = (reply: FastifyReply, page: boolean, https: boolean, { hsts, page: pageHeaders }: PageHeaders): void => {
    reply.headers(page ? pageHeaders : apiHeaders)
    if (hsts !== undefined && https) reply.header('strict-transport-security', hsts)
  }
  // Set when the answer is sent, when whether it is the HTML page is known (src/plugins/errors.ts decides
  // that in a hook of each route): one hook for every answer, errors, 404s and 304s included.
  fastify.addHook('onSend', (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: Error | null, payload?: unknown) => void) => {
    const page = wantsHtml(request) || request.url.startsWith('/docs')
    const https = request.protocol === 'https'
    if (!page && !https) reply.headers(apiHeaders)
    else if (taken !== undefined) apply(reply, page, https, taken)
    else {
      take().then((headers) => { apply(reply, page, https, headers); done(null, payload) }, (error: Error) => { done(error) })
      return
    }
    done(null, payload)
  })
}, { name: 'security-headers' })
