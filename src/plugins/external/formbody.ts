// application/x-www-form-urlencoded bodies, as old HTML forms and some clients send.
// A repeated key keeps its last value, as Django's QueryDict did.
import fp from 'fastify-plugin'
import formbody from '@fastify/formbody'
import type { FastifyInstance } from 'fastify'
import { resolveConfig, type AppConfig } from '../../config.js'

export function lastValues (text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of new URLSearchParams(text)) out[key] = value
  return out
}

export default fp(async function formBodies (fastify: FastifyInstance, opts: Partial<AppConfig>) {
  await fastify.register(formbody, { parser: lastValues, bodyLimit: resolveConfig(opts).bodyLimit })
}, { name: 'form-bodies' })
