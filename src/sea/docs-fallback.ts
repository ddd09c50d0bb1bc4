// Stands in for @fastify/swagger-ui inside the single executable, which cannot
// carry the UI's static files: /docs answers a small page pointing to the
// OpenAPI document (served as usual at /openapi.json).
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'

const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Anime API</title></head>
<body><h1>Anime API</h1>
<p>The interactive documentation is not included in the single executable.
The OpenAPI document is at <a href="/openapi.json">/openapi.json</a>; any OpenAPI viewer can open it.</p>
</body></html>
`

export default fp(async function docsFallback (fastify: FastifyInstance, opts: { routePrefix?: string }) {
  fastify.get(opts.routePrefix ?? '/documentation', { schema: { hide: true } }, async (_request, reply) => {
    return reply.type('text/html; charset=utf-8').send(page)
  })
}, { name: '@fastify/swagger-ui' })
