// A contract checker, as a client's tooling runs one against the live service:
// each answer to a documented operation must be documented by the OpenAPI
// document: its status, its media type, and its JSON body valid by the schema.
import zlib from 'node:zlib'
import { Ajv, type ValidateFunction } from 'ajv'
import type { LightMyRequestResponse } from 'fastify'

type Json = Record<string, unknown>

export interface Operation {
  method: string
  /** The path template, `/anime/entry/{id}`. */
  path: string
  operation: Json
}

/** The body as the client reads it: compressed answers decoded. */
export function decodedBody (response: LightMyRequestResponse): string {
  const encoding = String(response.headers['content-encoding'] ?? 'identity').toLowerCase()
  const raw = response.rawPayload
  const decoded = encoding === 'gzip' ? zlib.gunzipSync(raw) : encoding === 'deflate' ? zlib.inflateSync(raw) : encoding === 'br' ? zlib.brotliDecompressSync(raw) : raw
  return decoded.toString('utf8')
}

export function documentChecker (document: Json) {
  // The document's own dialect is JSON Schema 2020-12; what it uses of it ajv's default reads alike.
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false })
  ajv.addSchema({ $id: 'openapi', components: document.components }, 'openapi')
  const validators = new Map<unknown, ValidateFunction>()
  const validatorOf = (schema: Json): ValidateFunction => {
    let validate = validators.get(schema)
    if (validate === undefined) {
      // References are relative to the document: resolve them against it.
      const text = JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/')
      validate = ajv.compile(JSON.parse(text))
      validators.set(schema, validate)
    }
    return validate
  }

  const operations: Operation[] = []
  for (const [path, item] of Object.entries(document.paths as Json)) {
    for (const [method, operation] of Object.entries(item as Json)) operations.push({ method: method.toUpperCase(), path, operation: operation as Json })
  }
  const patterns = operations.map((op) => ({
    op,
    pattern: new RegExp(`^${op.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`)
  }))

  /** The documented operation a request reaches, or undefined (an undocumented path or method). */
  function operationOf (method: string, url: string): Operation | undefined {
    const path = url.split('?')[0] ?? '/'
    return patterns.find(({ op, pattern }) => op.method === method && pattern.test(path))?.op
  }

  /** Operations whose path matches `url`, any method. */
  const pathDocumented = (url: string): boolean => patterns.some(({ pattern }) => pattern.test(url.split('?')[0] ?? '/'))

  /** What the document does not say about this answer, or null. */
  function problem (method: string, url: string, response: LightMyRequestResponse): string | null {
    const op = operationOf(method, url)
    if (op === undefined) return null
    const responses = op.operation.responses as Json
    const status = String(response.statusCode)
    const documented = (responses[status] ?? responses[`${status[0]}XX`] ?? responses.default) as Json | undefined
    if (documented === undefined) return `${op.method} ${op.path} answered ${status}, which its entry does not document (documented: ${Object.keys(responses).join(', ')})`
    const body = response.rawPayload
    if (method === 'HEAD' || response.statusCode === 204 || response.statusCode === 304 || body.length === 0) return null
    const content = documented.content as Json | undefined
    const type = String(response.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
    const media = content?.[type] as Json | undefined
    if (media === undefined) return `${op.method} ${op.path} ${status} answered ${type || 'no content type'}, documented: ${Object.keys(content ?? {}).join(', ') || 'no body'}`
    if (type !== 'application/json' || media.schema === undefined) return null
    let value: unknown
    try { value = JSON.parse(decodedBody(response)) } catch { return `${op.method} ${op.path} ${status}: the JSON body does not parse` }
    const validate = validatorOf(media.schema as Json)
    if (validate(value)) return null
    return `${op.method} ${op.path} ${status}: the body is not what the document says: ${ajv.errorsText(validate.errors)}; body ${JSON.stringify(value).slice(0, 300)}`
  }

  return { operations, operationOf, pathDocumented, problem }
}

export type DocumentChecker = ReturnType<typeof documentChecker>
