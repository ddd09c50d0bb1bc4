// Security headers (@fastify/helmet) on every response. The Content-Security-Policy
// is helmet's default without `upgrade-insecure-requests`, which would make
// browsers fetch the /docs page's scripts over https from a plain-http service.
// Both HTML pages (/docs and `?format=api`) load scripts and styles from this
// origin only (inline styles are allowed by helmet's default style-src).
// Cross-Origin-Resource-Policy is `cross-origin`: this is a public API meant to be
// called from other origins (see cors.ts).
import fp from 'fastify-plugin'
import helmet from '@fastify/helmet'
import type { FastifyInstance } from 'fastify'

export const helmetOptions = {
  contentSecurityPolicy: {
    useDefaults: true,
    directives: { 'upgrade-insecure-requests': null }
  },
  crossOriginResourcePolicy: { policy: 'cross-origin' as const }
}

export default fp(async function securityHeaders (fastify: FastifyInstance) {
  await fastify.register(helmet, helmetOptions)
}, { name: 'security-headers' })
