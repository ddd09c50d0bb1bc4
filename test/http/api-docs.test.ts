// The API documents: /openapi.json is the committed schemas/openapi.json, /docs
// renders it, every endpoint is described with an example, and every endpoint
// that takes a token declares the Token security scheme.
import t, { type Test } from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { projectRoot } from '../../src/config.js'
import { aodRecord, writeAod } from '../helpers/aod.js'
import { buildApp, tempDir } from '../helpers/app.js'
import { register, tokenHeader } from '../helpers/accounts.js'
import { rawTypes } from '../../src/routes/watchlists/mal.js'

interface Schema { [key: string]: unknown, examples?: unknown[], example?: unknown, properties?: Record<string, Schema>, items?: Schema, anyOf?: Schema[], oneOf?: Schema[], allOf?: Schema[] }
interface Operation {
  summary?: string
  description?: string
  security?: Array<Record<string, string[]>>
  parameters?: Array<{ name: string, in: string, example?: unknown, examples?: unknown, schema?: Schema }>
  requestBody?: { content: Record<string, { schema: Schema, example?: unknown }> }
  responses: Record<string, { description?: string, content?: Record<string, { schema: Schema, example?: unknown }> }>
}
interface Document { paths: Record<string, Record<string, Operation>>, components: { securitySchemes: Record<string, unknown>, schemas?: Record<string, Schema> } }

const committed = JSON.parse(fs.readFileSync(path.join(projectRoot, 'schemas', 'openapi.json'), 'utf8')) as Document

async function fixtureApp (t: Test) {
  const dir = tempDir(t)
  return buildApp(t, { dataDir: dir, defaultCatalogue: writeAod(dir, [aodRecord(1)]) })
}

/** A schema, or the named model (components.schemas) it refers to. */
const resolved = (schema: Schema): Schema => typeof schema.$ref === 'string' ? committed.components.schemas![schema.$ref.replace('#/components/schemas/', '')]! : schema

/** A schema shows an example: its own, or one for every property / the items / some alternative. */
function hasExample (schema: Schema | undefined): boolean {
  if (schema === undefined) return false
  // A named model (components.schemas): its examples are there.
  if (typeof schema.$ref === 'string') return hasExample(resolved(schema))
  if (schema.examples !== undefined || schema.example !== undefined) return true
  if (schema.properties !== undefined) {
    const properties = Object.values(schema.properties)
    return properties.length > 0 && properties.every(hasExample)
  }
  if (schema.items !== undefined) return hasExample(schema.items)
  for (const alternatives of [schema.anyOf, schema.oneOf, schema.allOf]) if (alternatives?.some(hasExample) === true) return true
  return false
}

const operations = (document: Document) => Object.entries(document.paths).flatMap(([url, byMethod]) =>
  Object.entries(byMethod).map(([method, operation]) => ({ name: `${method.toUpperCase()} ${url}`, operation })))

t.test('GET /openapi.json is schemas/openapi.json (and /docs/json the same document)', async (t) => {
  const api = await fixtureApp(t)
  const res = await api.inject('/openapi.json')
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^application\/json/)
  t.same(res.json(), committed, 'run `npm run schemas` after changing a route or a schema')
  t.same((await api.inject('/docs/json')).json(), committed)
})

t.test('GET /docs renders the interactive documentation', async (t) => {
  const api = await fixtureApp(t)
  const res = await api.inject('/docs')
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/html/)
  t.match(res.body, /<div id="swagger-ui">/)
  t.match(res.body, /swagger-ui-bundle\.js/)
})

t.test('the documents are built on their first request: at once for several, then answered as the UI\'s own', async (t) => {
  const api = await fixtureApp(t)
  // The first requests all at once, before anything built the documents: each gets its answer.
  const [page, document, css, yaml] = await Promise.all(['/docs', '/openapi.json', '/docs/static/swagger-ui.css', '/docs/yaml'].map((url) => api.inject(url)))
  t.equal(page!.statusCode, 200)
  t.match(page!.body, /<div id="swagger-ui">/)
  t.same(document!.json(), committed)
  t.equal(css!.statusCode, 200)
  t.match(css!.headers['content-type'], /^text\/css/)
  t.equal(css!.rawPayload.length, fs.statSync(path.join(projectRoot, 'node_modules/@fastify/swagger-ui/static/swagger-ui.css')).size, 'the whole file')
  t.equal(yaml!.statusCode, 200)
  t.match(yaml!.headers['content-type'], /^application\/x-yaml/)
  t.match(yaml!.body, /^openapi: 3\.1\.0$/m)
  // The static files' validators and ranges come through.
  const etag = css!.headers.etag as string
  t.match(etag, /^W\/"/)
  const unchanged = await api.inject({ url: '/docs/static/swagger-ui.css', headers: { 'if-none-match': etag } })
  t.equal(unchanged.statusCode, 304)
  t.equal(unchanged.body, '')
  const range = await api.inject({ url: '/docs/static/swagger-ui.css', headers: { range: 'bytes=0-9' } })
  t.equal(range.statusCode, 206)
  t.equal(range.body, css!.body.slice(0, 10))
  t.match(range.headers['content-range'], /^bytes 0-9\/\d+$/)
  // The UI's redirect, and HEAD.
  const redirect = await api.inject('/docs/static/index.html')
  t.equal(redirect.statusCode, 302)
  t.equal(redirect.headers.location, '/docs/')
  const head = await api.inject({ method: 'HEAD', url: '/docs' })
  t.equal(head.statusCode, 200)
  t.equal(head.body, '')
  t.match(head.headers['content-type'], /^text\/html/)
})

t.test('under /docs, what the UI does not have is the service\'s own 404 or 405', async (t) => {
  const api = await fixtureApp(t)
  for (const url of ['/docs/nothing', '/docs/static/nothing.js', '/docs/static/../../package.json', '/docs/json/more']) {
    const res = await api.inject(url)
    t.equal(res.statusCode, 404, url)
    t.same(res.json(), { detail: 'Not found.' }, url)
  }
  const post = await api.inject({ method: 'POST', url: '/docs', payload: {} })
  t.equal(post.statusCode, 404, 'POST /docs: no such route (as before the documents were built lazily)')
  t.same(post.json(), { detail: 'Not found.' })
  const page = await api.inject('/docs')
  t.equal(page.statusCode, 200, 'and the UI still answers')
})

t.test('every endpoint is described, with examples of its parameters, body and answer', async (t) => {
  const missing: string[] = []
  for (const { name, operation } of operations(committed)) {
    if ((operation.summary ?? '') === '') missing.push(`${name}: summary`)
    if ((operation.description ?? '') === '') missing.push(`${name}: description`)
    for (const parameter of operation.parameters ?? []) {
      if (parameter.example === undefined && parameter.examples === undefined && !hasExample(parameter.schema)) missing.push(`${name}: example of ${parameter.in} parameter ${parameter.name}`)
    }
    for (const [type, media] of Object.entries(operation.requestBody?.content ?? {})) {
      // A compressed upload cannot be shown as text: its description says what it is.
      const binary = /gzip/.test(type)
      if (binary ? typeof media.schema.description !== 'string' : media.example === undefined && !hasExample(media.schema)) missing.push(`${name}: example of the ${type} body`)
    }
    const success = Object.entries(operation.responses).filter(([status]) => status.startsWith('2'))
    if (success.length === 0) missing.push(`${name}: a success response`)
    for (const [status, response] of success) {
      if ((response.description ?? '') === '') missing.push(`${name}: description of ${status}`)
      // JSON answers show an example; a file download (XML, …) is described by its response description.
      for (const [type, media] of Object.entries(response.content ?? {})) {
        if (type.includes('json') && media.example === undefined && !hasExample(media.schema)) missing.push(`${name}: example of the ${status} ${type} answer`)
      }
    }
  }
  t.same(missing, [], 'nothing missing')
  t.ok(operations(committed).length >= 4)
})

t.test('the MAL import documents its upload in every form it takes, and the documented example imports', async (t) => {
  const operation = committed.paths['/watchlists/{id}/import']!.post!
  const content = operation.requestBody?.content ?? {}
  t.same(Object.keys(content).sort(), ['multipart/form-data', ...rawTypes].sort(), 'a multipart file field or one of the raw types the route parses')
  t.same(resolved(content['multipart/form-data']!.schema).required, ['file'])
  const example = content['application/xml']!.example ?? content['application/xml']!.schema.examples?.[0]
  t.type(example, 'string')
  const app = await fixtureApp(t)
  const { token } = await register(app, 'mal')
  const list = await app.inject({ method: 'POST', url: '/watchlists', headers: tokenHeader(token), payload: { name: 'Imported' } })
  t.equal(list.statusCode, 201, list.body)
  const res = await app.inject({ method: 'POST', url: `/watchlists/${list.json<{ id: number }>().id}/import`, headers: { ...tokenHeader(token), 'content-type': 'application/xml' }, payload: example as string })
  t.equal(res.statusCode, 200, res.body)
  t.same(res.json(), { added: 0, updated: 0, unmatched: 1, unmatched_ids: [52991], rejected: [] }, 'read as an export (its one anime is not in this catalogue)')
})

t.test('every endpoint that takes a token declares the Token security scheme', async (t) => {
  t.ok(committed.components.securitySchemes.Token, 'the Token scheme is declared')
  const problems: string[] = []
  const secured: string[] = []
  for (const { name, operation } of operations(committed)) {
    const requirements = operation.security ?? []
    for (const requirement of requirements) {
      for (const scheme of Object.keys(requirement)) if (!(scheme in committed.components.securitySchemes)) problems.push(`${name}: unknown scheme ${scheme}`)
    }
    const usesToken = requirements.some((requirement) => 'Token' in requirement)
    // `[{ Token: [] }, {}]`: the token is optional (an anonymous request is answered too).
    const needsToken = usesToken && !requirements.some((requirement) => Object.keys(requirement).length === 0)
    if (usesToken) secured.push(name)
    // A 401 (the old service's token errors) means the endpoint reads a token.
    if ('401' in operation.responses && !usesToken) problems.push(`${name}: answers 401 but declares no Token security`)
    if (needsToken && !('401' in operation.responses)) problems.push(`${name}: needs a token but documents no 401`)
  }
  t.same(problems, [])
  for (const name of ['POST /account/logout', 'POST /account/logoutall']) t.ok(secured.includes(name), `${name} is secured`)
  for (const name of ['GET /anime/entry/{id}', 'GET /anime/random', 'POST /account/login', 'POST /account/register']) t.notOk(secured.includes(name), `${name} is public`)
  t.comment(`secured: ${secured.join(', ')}`)
})

t.test('the health checks are documented', async (t) => {
  t.ok(committed.paths['/health']?.get)
  t.ok(committed.paths['/ready']?.get?.responses['503'], '/ready documents its 503')
})
