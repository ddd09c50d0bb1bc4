// How the OpenAPI document (src/plugins/external/swagger.ts) is shaped beyond
// what @fastify/swagger writes from the routes' schemas:
//
// - every answer an operation can give is documented (`documentAnswers`, per
//   route; a route group with its own error shape documents its errors as `4xx`): besides what the route declares, the answers of the plugins every
//   route goes through: 404 for an unknown `format`, 429 from the global rate
//   limit, 401 with a token, 400/413/415 for a request body, 400 for bad query
//   parameters, 304 for a cached catalogue read; errors are JSON whatever the
//   success type is, and any JSON answer is an HTML page when asked for one;
// - every titled schema is a named component, referenced with `$ref`
//   (`nameComponents`, on the whole document): the title is the name clients'
//   generators give the type, so titles are unique and stable.
import type { RouteOptions } from 'fastify'
import { ErrorDetail, FieldErrors } from '../../schemas/common.js'
import { cachePolicy } from '../plugins/app/caching.js'

type Json = Record<string, unknown>

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)

const bodyMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

const fieldOrDetail = { anyOf: [FieldErrors, ErrorDetail], description: FieldErrors.description }

/** A route's path as the OpenAPI document writes it: `/anime/{id}` for Fastify's `/anime/:id`. */
export const openapiPath = (url: string): string => url.replace(/:(\w+)/g, '{$1}')

/** Whether the route answers JSON only, never the HTML page (`config.jsonOnly`, see src/plugins/errors.ts). */
export const isJsonOnly = (route: Pick<RouteOptions, 'config'>): boolean => (route.config as { jsonOnly?: unknown } | undefined)?.jsonOnly === true

/** The route's response map with every answer the service can give it. */
export function documentAnswers (schema: Json, route: Pick<RouteOptions, 'method' | 'url' | 'config'>): Json {
  const responses: Json = { ...(isObject(schema.response) ? schema.response : {}) }
  const add = (status: number, answer: unknown) => { if (responses[status] === undefined) responses[status] = answer }
  const methods = [route.method].flat()
  const takesBody = methods.some((method) => bodyMethods.has(method))
  const authenticated = Array.isArray(schema.security) && schema.security.length > 0
  const cache = (route.config as { cache?: string } | undefined)?.cache ?? cachePolicy(methods[0] ?? 'GET', route.url, authenticated)
  // A catalogue read whose If-None-Match holds the current ETag (src/plugins/app/caching.ts).
  if (cache === 'catalogue') add(304, { type: 'null', description: 'Not modified: the ETag in If-None-Match is still current. No body.' })
  const query = isObject(schema.querystring) && isObject(schema.querystring.properties) ? Object.keys(schema.querystring.properties) : []
  // A route group with an error shape of its own documents all its errors at once (/v4: Jikan's, as `4xx`).
  if (responses['4xx'] !== undefined || responses['4XX'] !== undefined) return { ...schema, response: responses }

  if (Array.isArray(schema.security) && schema.security.some((requirement) => isObject(requirement) && Object.keys(requirement).length > 0) &&
    !schema.security.some((requirement) => isObject(requirement) && Object.keys(requirement).length === 0)) {
    add(401, ErrorDetail)
  }
  if (takesBody) {
    // A body that is not JSON, or not an object, is a 400 too: `detail` or `non_field_errors`.
    if (responses[400] === FieldErrors || responses[400] === undefined) responses[400] = fieldOrDetail
    add(413, ErrorDetail)
    add(415, ErrorDetail)
  }
  if (query.some((name) => name !== 'format')) add(400, FieldErrors)
  // Any other `format` than json or api; a path id that is not one.
  add(404, ErrorDetail)
  if ((route.config as { rateLimit?: unknown } | undefined)?.rateLimit !== false) add(429, ErrorDetail)
  return { ...schema, response: responses }
}

/** The status codes the service answers errors with; their bodies are always JSON (src/plugins/errors.ts). */
const errorStatus = (status: string): boolean => /^[45]\d\d$/.test(status)

const htmlPage = {
  schema: { type: 'string', description: 'The same JSON, pretty-printed in an HTML page: asked for with `?format=api`, or by a browser\'s `Accept` header.' }
}

/** JSON Schema keywords whose values are data, not schemas. */
const dataKeywords = new Set(['example', 'examples', 'default', 'enum', 'const', 'required'])

/** The schema without annotations (@fastify/swagger keeps `examples` in some places, not others), keys sorted. */
function canonical (value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical)
  if (!isObject(value)) return value
  return Object.fromEntries(Object.keys(value).filter((key) => key !== 'examples' && key !== 'example').sort().map((key) => [key, canonical(value[key])]))
}

const sameModel = (a: unknown, b: unknown): boolean => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b))

/**
 * The document with every titled schema moved to `components.schemas` under its
 * title and referenced; a titled schema that may be null becomes `anyOf` of the
 * reference and null. Error answers of operations that produce something else
 * than JSON (the MAL export's XML) are documented as JSON, which they are; the
 * JSON answers also as the HTML page, but on `jsonOnlyPaths` (document paths).
 */
export function nameComponents (document: Json, jsonOnlyPaths: ReadonlySet<string> = new Set()): Json {
  const components = isObject(document.components) ? { ...document.components } : {}
  const schemas: Json = isObject(components.schemas) ? { ...components.schemas } : {}

  const hoist = (value: unknown, key?: string): unknown => {
    if (key !== undefined && dataKeywords.has(key)) return value
    if (Array.isArray(value)) return value.map((item) => hoist(item))
    if (!isObject(value)) return value
    const out: Json = {}
    for (const [name, child] of Object.entries(value)) out[name] = hoist(child, name)
    // `title` of a schema is a string; a property named "title" is a schema.
    if (typeof out.title !== 'string' || key === 'properties') return out
    const name = out.title
    let nullable = false
    if (Array.isArray(out.type) && out.type.length === 2 && out.type.includes('null')) {
      nullable = true
      out.type = out.type.find((type) => type !== 'null')
    }
    const known = schemas[name] as Json | undefined
    if (known !== undefined && !sameModel(known, out)) {
      throw new Error(`OpenAPI: two different schemas are titled "${name}"; a component name must name one model`)
    }
    // The fullest copy is the component (with its examples where one has them).
    if (known === undefined || (known.examples === undefined && out.examples !== undefined)) schemas[name] = out
    const ref = { $ref: `#/components/schemas/${name}` }
    return nullable ? { anyOf: [ref, { type: 'null' }] } : ref
  }

  const paths: Json = {}
  for (const [url, item] of Object.entries(isObject(document.paths) ? document.paths : {})) {
    const operations: Json = {}
    for (const [method, operation] of Object.entries(isObject(item) ? item : {})) {
      if (!isObject(operation) || !isObject(operation.responses)) { operations[method] = hoist(operation); continue }
      const responses: Json = {}
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!isObject(response) || !isObject(response.content)) { responses[status] = response; continue }
        let content = response.content
        if (errorStatus(status) && content['application/json'] === undefined) {
          const schema = Object.values(content).map((media) => (media as Json).schema).find((s) => s !== undefined)
          content = { 'application/json': { schema } }
        }
        // `?format=api` (or a browser's Accept) gets a JSON answer as an HTML page, on every
        // route but those marked `config.jsonOnly` (Jikan's /v4, which answers JSON only as Jikan does).
        if (content['application/json'] !== undefined && !jsonOnlyPaths.has(url)) content = { ...content, 'text/html': htmlPage }
        responses[status] = { ...response, content }
      }
      operations[method] = hoist({ ...operation, responses })
    }
    paths[url] = operations
  }
  const sortedSchemas = Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)))
  return { ...document, paths, components: { ...components, schemas: sortedSchemas } }
}
