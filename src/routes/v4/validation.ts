// Query strings of the /v4 routes, read as jikan-rest reads them, then validated
// by the routes' TypeBox schemas (every parameter at once, so that each bad one
// gets its messages): a repeated parameter counts by its last value, a blank one
// as absent; flags (`?sfw`) are true without a value, and `1`/`0` count as
// true/false; choices are case-insensitive. Unknown parameters are ignored.
import { Ajv } from 'ajv'
import type { FastifyRequest, FastifySchema, FastifySchemaCompiler } from 'fastify'
import { lazyValidator } from '../../http/lazy-compilers.js'

const ajv = new Ajv({ allErrors: true, coerceTypes: true, verbose: true, strictSchema: false })

// Compiled on the route's first request, as Fastify's own validators are (src/http/lazy-compilers.ts).
export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema }) =>
  lazyValidator(() => ajv.compile(schema as object)) as ReturnType<FastifySchemaCompiler<unknown>>

interface Property { type?: string, enum?: unknown[] }

/** A preValidation hook that reads the query string of a route with this querystring schema as Jikan does. */
export function readQuery (schema: FastifySchema['querystring']) {
  const properties = ((schema ?? {}) as { properties?: Record<string, Property> }).properties ?? {}
  const flags = new Set(Object.entries(properties).filter(([, p]) => p.type === 'boolean').map(([name]) => name))
  const choices = new Set(Object.entries(properties).filter(([, p]) => p.enum !== undefined).map(([name]) => name))
  return (request: FastifyRequest, _reply: unknown, done: () => void): void => {
    const raw = (request.query ?? {}) as Record<string, unknown>
    const query: Record<string, string> = {}
    for (const [name, given] of Object.entries(raw)) {
      let value = Array.isArray(given) ? given[given.length - 1] as unknown : given
      if (typeof value !== 'string') continue
      if (flags.has(name)) value = value === '' || value === '1' ? 'true' : value === '0' ? 'false' : value.toLowerCase()
      else if (value === '') continue
      else if (choices.has(name)) value = value.toLowerCase()
      query[name] = value as string
    }
    request.query = query
    done()
  }
}
