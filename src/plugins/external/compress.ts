// Response compression (@fastify/compress) when the client asks for it
// (Accept-Encoding: br, gzip or deflate), for bodies of at least `threshold`
// bytes: compressing less costs more than it saves. The single-entry routes
// (/anime/entry/:id, /anime/random) are left out altogether: their answers are a
// few hundred bytes, they are the hottest paths, and each compressed route pays
// two hooks on every request. Request bodies are not decompressed.
import fp from 'fastify-plugin'
import compress from '@fastify/compress'
import type { FastifyInstance } from 'fastify'

export const compressOptions = {
  global: true,
  globalDecompression: false,
  threshold: 1024,
  encodings: ['br', 'gzip', 'deflate'] as Array<'br' | 'gzip' | 'deflate'>
}

const uncompressed = new Set(['/anime/entry/:id', '/anime/random'])

export default fp(async function compression (fastify: FastifyInstance) {
  // Before @fastify/compress's own onRoute hook, which reads `compress`.
  fastify.addHook('onRoute', (route) => {
    if (uncompressed.has(route.url ?? '')) route.compress = false
  })
  await fastify.register(compress, compressOptions)
}, { name: 'compression' })
