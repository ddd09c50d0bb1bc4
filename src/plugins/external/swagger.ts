// The API documents: the OpenAPI document at /openapi.json (written from the
// routes' TypeBox schemas by @fastify/swagger, also committed as
// schemas/openapi.json) and the docs UI at /docs (@fastify/swagger-ui).
//
// Both are built on the first request for them, in an instance of their own
// (docs-instance.ts) that this plugin answers through inject(): a start loads
// and registers none of their stack (in the build, a file of its own, see
// scripts/build.ts). What they need of the service is its routes, recorded
// here as they are registered.
import fp from 'fastify-plugin'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { DocumentedRoute } from './docs-instance.js'

/** Headers of the documents' answers that are the connection's, not the answer's. */
const connectionHeaders = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'date'])

export default fp(async function openapi (fastify: FastifyInstance) {
  const routes: DocumentedRoute[] = []
  fastify.addHook('onRoute', (route) => { routes.push(route) })

  let built: Promise<FastifyInstance> | undefined
  // A failure (none is expected) fails that request, and the next one tries again.
  const docs = (): Promise<FastifyInstance> => (built ??= (async () => {
    const { registerDocs } = await import('./docs-instance.js')
    const instance = Fastify({ logger: false })
    await registerDocs(instance, routes.filter(({ url }) => !isDocs(url)))
    await instance.ready()
    return instance
  })().catch((error: unknown) => { built = undefined; throw error }))
  fastify.addHook('onClose', async () => { if (built !== undefined) await (await built.catch(() => undefined))?.close() })

  const forward = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const answer = await (await docs()).inject({ method: 'GET', url: request.url, headers: withoutBody(request.headers) })
    // Unknown paths under /docs: the service's own 404; a failure: its own 500.
    if (answer.statusCode === 404) { reply.callNotFound(); return reply }
    if (answer.statusCode >= 500) throw new Error(`the API documents answered ${answer.statusCode} to ${request.url}: ${answer.body.slice(0, 200)}`)
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value !== undefined && !connectionHeaders.has(name)) reply.header(name, value)
    }
    return reply.code(answer.statusCode).send(answer.rawPayload)
  }
  fastify.get('/openapi.json', { schema: { hide: true } }, async () => (await docs()).swagger())
  fastify.get('/docs', { schema: { hide: true } }, forward)
  fastify.get('/docs/*', { schema: { hide: true } }, forward)
}, { name: 'swagger' })

const isDocs = (url: string): boolean => url === '/openapi.json' || url === '/docs' || url.startsWith('/docs/')

/** The request's headers without those of a body (a GET forwarded has none). */
function withoutBody (headers: FastifyRequest['headers']): FastifyRequest['headers'] {
  const { 'content-length': _length, 'transfer-encoding': _encoding, 'content-type': _type, ...rest } = headers
  return rest
}
