// multipart/form-data bodies: fields become plain body values, as with form bodies
// (a repeated field keeps its last value, as Django's QueryDict did).
//
// @fastify/multipart adds two async hooks to the whole instance: one that turns
// the parts into the body (preValidation) and one that deletes saved upload files
// (onResponse). Global, they cost every request two promises, GETs included (a
// tenth of the CPU time of GET /anime/random). They only act on requests with a
// multipart body, so here they go onto the routes that take a body, in the same
// place in the hook order; the content-type parser and the request decorators
// stay global, so every route still answers a multipart request as before.
import fp from 'fastify-plugin'
import multipart from '@fastify/multipart'
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify'

const options = {
  attachFieldsToBody: 'keyValues' as const,
  limits: { fieldSize: 1 << 20, fields: 50, files: 1, fileSize: 16 << 20, parts: 60 }
}

const bodyMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

type Hook = (...args: never[]) => unknown

/** A multipart body's repeated fields (arrays under 'keyValues') keep their last value. */
async function lastValues (request: FastifyRequest): Promise<void> {
  if (!request.isMultipart()) return
  const body = request.body
  if (typeof body !== 'object' || body === null) return
  for (const [key, value] of Object.entries(body)) if (Array.isArray(value)) (body as Record<string, unknown>)[key] = value.at(-1)
}
const scopedHooks = ['preValidation', 'onResponse'] as const

export default fp(async function multipartBodies (fastify: FastifyInstance) {
  const hooks: Record<(typeof scopedHooks)[number], Hook[]> = { preValidation: [], onResponse: [] }
  const addHook = fastify.addHook
  // While @fastify/multipart registers (on this very instance: it is fastify-plugin
  // wrapped), its two request hooks are kept aside instead of added globally.
  fastify.addHook = function (this: FastifyInstance, name: string, hook: Hook) {
    if ((scopedHooks as readonly string[]).includes(name)) {
      hooks[name as (typeof scopedHooks)[number]].push(hook)
      return this
    }
    return (addHook as (name: string, hook: Hook) => FastifyInstance).call(this, name, hook)
  } as typeof addHook
  try {
    await fastify.register(multipart, options)
  } finally {
    fastify.addHook = addHook
  }
  if (hooks.preValidation.length !== 1 || hooks.onResponse.length !== 1) {
    // A new @fastify/multipart that hooks in differently: fail loudly rather than parse bodies wrongly.
    throw new Error(`@fastify/multipart added ${hooks.preValidation.length} preValidation and ${hooks.onResponse.length} onResponse hooks; src/plugins/external/multipart.ts expects one each`)
  }
  fastify.addHook('onRoute', (route: RouteOptions) => {
    if (![route.method].flat().some((method) => bodyMethods.has(method))) return
    // Ahead of the route's own preValidation hooks, as a global hook would run.
    route.preValidation = [...hooks.preValidation, lastValues, ...[route.preValidation ?? []].flat()] as RouteOptions['preValidation']
    route.onResponse = [...[route.onResponse ?? []].flat(), ...hooks.onResponse] as RouteOptions['onResponse']
  })
}, { name: 'multipart-bodies' })
