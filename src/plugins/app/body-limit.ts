// A body refused as too large (413) is answered on a connection that stays
// open. Fastify closes the connection after any error met while a body is read,
// but a client still sending its body would then meet a reset, often before it
// reads the answer (RFC 9112, 9.6). Left open, the rest of the body is read and
// dropped (nothing is kept) until it ends, the client goes away or
// REQUEST_TIMEOUT is up. An onError hook: it costs requests that succeed nothing.
import fp from 'fastify-plugin'
import type { FastifyError, FastifyInstance } from 'fastify'

export default fp(async function bodyLimit (fastify: FastifyInstance) {
  fastify.addHook('onError', (_request, reply, error: FastifyError, done) => {
    if (error.statusCode === 413) reply.removeHeader('connection')
    done()
  })
}, { name: 'body-limit' })
