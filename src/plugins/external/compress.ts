// Response compression (@fastify/compress) when the client asks for it
// (Accept-Encoding: br, gzip or deflate). Bodies under `threshold` bytes (one
// anime entry, errors) go out as they are: compressing them costs more than it saves.
// Request bodies are not decompressed (nothing the API accepts is large).
import fp from 'fastify-plugin'
import compress from '@fastify/compress'
import type { FastifyInstance } from 'fastify'

export const compressOptions = {
  global: true,
  globalDecompression: false,
  threshold: 1024,
  encodings: ['br', 'gzip', 'deflate'] as Array<'br' | 'gzip' | 'deflate'>
}

export default fp(async function compression (fastify: FastifyInstance) {
  await fastify.register(compress, compressOptions)
}, { name: 'compression' })
