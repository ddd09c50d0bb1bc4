// Response compression (@fastify/compress) when the client asks for it
// (Accept-Encoding: br, gzip or deflate), for bodies of at least `threshold`
// bytes: compressing less costs more than it saves. The single-entry routes
// served from answers held in memory (/anime/entry/:id, /anime/random, and
// Jikan's /v4/anime/{id} and /v4/random/anime) are left out altogether: they are
// the hottest paths, one entry each (a few hundred bytes natively, about 2.5 kB
// as Jikan's resource), gzip would cost more CPU than building the answer, and
// each compressed route pays two hooks on every request, asked or not. Request
// bodies are not decompressed.
import fp from 'fastify-plugin'
import compress from '@fastify/compress'
import type { FastifyInstance } from 'fastify'

export const compressOptions = {
  global: true,
  globalDecompression: false,
  threshold: 1024,
  encodings: ['br', 'gzip', 'deflate'] as Array<'br' | 'gzip' | 'deflate'>
}

/** Routes whose answers always go out as they are (see above). */
export const uncompressedRoutes = new Set(['/anime/entry/:id', '/anime/random', '/v4/anime/:id', '/v4/random/anime'])

export default fp(async function compression (fastify: FastifyInstance) {
  // Before @fastify/compress's own onRoute hook, which reads `compress`.
  fastify.addHook('onRoute', (route) => {
    if (uncompressedRoutes.has(route.url ?? '')) route.compress = false
  })
  await fastify.register(compress, compressOptions)
}, { name: 'compression' })
