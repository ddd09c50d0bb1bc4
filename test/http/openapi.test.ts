// The OpenAPI document as clients use it: named models, an operationId on every
// operation, and no answer of the live service that the document does not
// describe. A contract checker (test/helpers/openapi.ts) watches every answer
// while the routes are driven through their success and error paths; the fuzz
// run (test/http/fuzz.test.ts) does the same over thousands of malformed requests.
import t, { type Test } from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { Ajv } from 'ajv'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { projectRoot } from '../../src/config.js'
import { accountsApp, tokenHeader } from '../helpers/accounts.js'
import { documentChecker } from '../helpers/openapi.js'
import { aodRecord, call, makeList, malExport, user, watchlistsApp } from '../helpers/watchlists.js'

type Json = Record<string, unknown>
const document = JSON.parse(fs.readFileSync(path.join(projectRoot, 'schemas', 'openapi.json'), 'utf8')) as Json
const checker = documentChecker(document)
const schemas = (document.components as { schemas: Record<string, Json> }).schemas

t.test('every operation has a unique operationId', async (t) => {
  const ids = checker.operations.map(({ operation }) => operation.operationId)
  t.ok(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id)), `camelCase ids: ${ids.join(', ')}`)
  t.equal(new Set(ids).size, ids.length, 'no two alike')
})

t.test('every request and response model is a named component, referenced where it is used', async (t) => {
  for (const name of ['AnimeEntry', 'AnimeDetails', 'SearchPage', 'TagPage', 'SimilarPage', 'FieldErrors', 'ErrorDetail', 'RegisterBody', 'RegisterReply',
    'LoginBody', 'LoginReply', 'Watchlist', 'WatchlistPage', 'WatchlistEntry', 'WatchlistEntryPage', 'EntryBody', 'MalImportReply', 'RecommendationsReply', 'ReadyReply']) {
    t.ok(schemas[name], `components.schemas.${name}`)
  }
  // An object model written out inside an operation would be an anonymous type in a generated client.
  const inline: string[] = []
  const visit = (value: unknown, where: string): void => {
    if (Array.isArray(value)) { value.forEach((item, i) => visit(item, `${where}/${i}`)); return }
    if (typeof value !== 'object' || value === null) return
    const object = value as Json
    if (object.type === 'object' || object.properties !== undefined) inline.push(where)
    for (const [key, child] of Object.entries(object)) if (key !== 'example' && key !== 'examples') visit(child, `${where}/${key}`)
  }
  visit(document.paths, '#/paths')
  t.same(inline, [], 'no object schema outside components')
  // Nested models are named too.
  const anonymous: string[] = []
  for (const [name, schema] of Object.entries(schemas)) {
    const walk = (value: unknown, where: string): void => {
      if (Array.isArray(value)) { value.forEach((item, i) => walk(item, `${where}/${i}`)); return }
      if (typeof value !== 'object' || value === null) return
      const object = value as Json
      if (where !== name && (object.type === 'object' || object.properties !== undefined)) anonymous.push(where)
      for (const [key, child] of Object.entries(object)) if (key !== 'example' && key !== 'examples') walk(child, `${where}/${key}`)
    }
    walk(schema, name)
  }
  t.same(anonymous, [], 'no anonymous object inside a component')
})

t.test("AnimeEntry carries the old service's two documented answers as examples, valid by its own schema", async (t) => {
  const entry = schemas.AnimeEntry!
  const examples = entry.examples as Json[]
  t.equal(examples.length, 2)
  t.same(examples.map((e) => [e.id, e.title]), [[18562, 'Tokyo Ghoul'], [12839, 'Nisekoi']])
  const validate = new Ajv({ strict: false }).compile({ ...entry, examples: undefined })
  for (const example of examples) t.ok(validate(example), `${String(example.title)} is an AnimeEntry`)
  t.same(Object.keys(examples[0]!), Object.keys(entry.properties as Json), 'keys in the order of the answer')
})

t.test('GET /watchlists/{id}/export documents its JSON error answers next to the XML file', async (t) => {
  const responses = (document.paths as Json)['/watchlists/{id}/export'] as { get: { responses: Record<string, { content: Json }> } }
  t.same(Object.keys(responses.get.responses['200']!.content), ['application/xml'])
  for (const status of ['404', '429']) t.ok(responses.get.responses[status]!.content['application/json'], `${status} is JSON`)
})

/** Drives requests, checking each answer against the document; returns the answer. */
function driver (t: Test, inject: (options: InjectOptions) => Promise<LightMyRequestResponse>) {
  const seen = new Map<string, Set<number>>()
  return {
    seen,
    async expect (status: number, options: InjectOptions & { method: string, url: string }): Promise<LightMyRequestResponse> {
      const response = await inject(options)
      const name = `${options.method} ${options.url}`
      t.equal(response.statusCode, status, `${name}: ${response.body.slice(0, 200)}`)
      t.equal(checker.problem(options.method, options.url, response), null, `${name} ${response.statusCode}: documented`)
      const op = checker.operationOf(options.method, options.url)
      t.ok(op, `${name} is a documented operation`)
      if (op !== undefined) {
        const key = `${op.method} ${op.path}`
        if (!seen.has(key)) seen.set(key, new Set())
        seen.get(key)!.add(response.statusCode)
      }
      return response
    }
  }
}

t.test('each operation, on its success and error paths: every answer is one the document describes', async (t) => {
  const records = [1, 2, 3].map((n) => aodRecord(n, { episodes: 12 }))
  const app = await watchlistsApp(t, records)
  // One request per minute: a 429 for the operations that have no other error answer.
  const limited = await watchlistsApp(t, records, { rateLimitMax: 1 })
  let target = app
  const { expect, seen } = driver(t, (options) => target.inject(options))
  const json = { 'content-type': 'application/json' }
  const big = JSON.stringify({ username: 'x', password: 'p'.repeat(2 << 20) })

  await expect(200, { method: 'GET', url: '/health' })
  await expect(404, { method: 'GET', url: '/health?format=xml' })
  await expect(200, { method: 'GET', url: '/ready' })
  await expect(404, { method: 'GET', url: '/ready?format=xml' })

  await expect(200, { method: 'POST', url: '/account/register', payload: { username: 'alice', email: 'alice@example.com', password: 'pw' } })
  await expect(400, { method: 'POST', url: '/account/register', payload: { username: 'alice', email: 'bad', password: '' } })
  await expect(400, { method: 'POST', url: '/account/register', headers: json, payload: '{"username":' })
  await expect(415, { method: 'POST', url: '/account/register', headers: { 'content-type': 'text/plain' }, payload: 'x' })
  await expect(413, { method: 'POST', url: '/account/register', headers: json, payload: big })
  await expect(404, { method: 'POST', url: '/account/register?format=yaml', payload: {} })
  const login = await expect(200, { method: 'POST', url: '/account/login', payload: { username: 'alice', password: 'pw' } })
  await expect(400, { method: 'POST', url: '/account/login', payload: { username: 'alice', password: 'wrong' } })
  await expect(400, { method: 'POST', url: '/account/login', headers: json, payload: '[1]' })
  const alice = { headers: tokenHeader(login.json().token) }
  await expect(200, { method: 'GET', url: '/account/user', ...alice })
  await expect(200, { method: 'GET', url: '/account/user?format=api', ...alice })
  await expect(401, { method: 'GET', url: '/account/user' })
  await expect(401, { method: 'GET', url: '/account/user', headers: { authorization: 'Token a b' } })

  await expect(200, { method: 'GET', url: '/anime/entry/1' })
  const etag = (await expect(200, { method: 'GET', url: '/anime/entry/2' })).headers.etag as string
  await expect(304, { method: 'GET', url: '/anime/entry/2', headers: { 'if-none-match': etag } })
  await expect(404, { method: 'GET', url: '/anime/entry/999' })
  await expect(404, { method: 'GET', url: '/anime/entry/abc' })
  await expect(200, { method: 'GET', url: '/anime/random' })
  await expect(400, { method: 'GET', url: '/anime/random?type=Film&year_min=x' })
  await expect(404, { method: 'GET', url: '/anime/random?tags=Nothing' })
  await expect(200, { method: 'GET', url: '/anime/search?q=anime&type=tv&ordering=-year&page=last' })
  await expect(200, { method: 'GET', url: '/anime/search?format=api' })
  await expect(400, { method: 'GET', url: '/anime/search?page_size=1000&ordering=x' })
  await expect(404, { method: 'GET', url: '/anime/search?page=9' })
  await expect(200, { method: 'GET', url: '/anime/tags?limit=2' })
  await expect(400, { method: 'GET', url: '/anime/tags?limit=0' })
  await expect(200, { method: 'GET', url: '/anime/entry/1/details' })
  await expect(404, { method: 'GET', url: '/anime/entry/9/details' })
  await expect(200, { method: 'GET', url: '/anime/entry/1/similar?limit=2' })
  await expect(400, { method: 'GET', url: '/anime/entry/1/similar?limit=51' })
  await expect(404, { method: 'GET', url: '/anime/entry/0/similar' })

  await expect(200, { method: 'GET', url: '/anime/seasons?page_size=2' })
  await expect(400, { method: 'GET', url: '/anime/seasons?page_size=0' })
  await expect(200, { method: 'GET', url: '/anime/mappings/MyAnimeList/100001' })
  await expect(400, { method: 'GET', url: '/anime/mappings/mal/100001' })
  await expect(404, { method: 'GET', url: '/anime/mappings/anidb/999' })
  await expect(200, { method: 'POST', url: '/anime/mappings', payload: [{ site: 'myanimelist', id: 100001 }, { site: 'anidb', id: '999' }] })
  await expect(400, { method: 'POST', url: '/anime/mappings', payload: [{ site: 'anidb', id: 1 }, { site: 'mal', id: ' ' }] })
  await expect(400, { method: 'POST', url: '/anime/mappings', payload: { site: 'anidb', id: 1 } })

  // /v4 (Jikan), whose errors have Jikan's shape.
  for (const sub of ['', '/full', '/relations', '/external', '/pictures', '/recommendations']) {
    await expect(200, { method: 'GET', url: `/v4/anime/100001${sub}` })
    await expect(404, { method: 'GET', url: `/v4/anime/999${sub}` })
  }
  await expect(200, { method: 'GET', url: '/v4/anime?q=anime&limit=2' })
  await expect(400, { method: 'GET', url: '/v4/anime?limit=99&type=film' })
  await expect(200, { method: 'GET', url: '/v4/top/anime?filter=AIRING' })
  await expect(400, { method: 'GET', url: '/v4/top/anime?filter=best' })
  await expect(200, { method: 'GET', url: '/v4/random/anime?sfw' })
  await expect(400, { method: 'GET', url: '/v4/random/anime?sfw=maybe' })
  await expect(200, { method: 'GET', url: '/v4/seasons/now' })
  await expect(400, { method: 'GET', url: '/v4/seasons/now?limit=0' })
  await expect(200, { method: 'GET', url: '/v4/seasons/upcoming' })
  await expect(400, { method: 'GET', url: '/v4/seasons/upcoming?page=0' })
  await expect(200, { method: 'GET', url: '/v4/seasons/2001/spring' })
  await expect(400, { method: 'GET', url: '/v4/seasons/2001/autumn' })
  await expect(200, { method: 'GET', url: '/v4/genres/anime?filter=themes' })
  await expect(400, { method: 'GET', url: '/v4/genres/anime?filter=moods' })
  const company = ((await expect(200, { method: 'GET', url: '/v4/producers?order_by=count' })).json() as { data: Array<{ mal_id: number }> }).data[0]!.mal_id
  await expect(400, { method: 'GET', url: '/v4/producers?order_by=size' })
  await expect(200, { method: 'GET', url: `/v4/producers/${company}` })
  await expect(404, { method: 'GET', url: '/v4/producers/99999' })
  await expect(200, { method: 'GET', url: `/v4/producers/${company}/full` })
  await expect(404, { method: 'GET', url: '/v4/producers/99999/full' })
  await expect(200, { method: 'GET', url: '/v4/seasons' })
  target = limited
  await expect(200, { method: 'GET', url: '/v4/seasons', remoteAddress: '10.9.9.9' })
  await expect(429, { method: 'GET', url: '/v4/seasons', remoteAddress: '10.9.9.9' })
  target = app

  const bob = await user(app, 'bob')
  const list = (await expect(201, { method: 'POST', url: '/watchlists', ...alice, payload: { name: 'Mine', public: true } })).json() as { id: number }
  await expect(400, { method: 'POST', url: '/watchlists', ...alice, payload: { name: 'mine' } })
  await expect(401, { method: 'POST', url: '/watchlists', payload: { name: 'x' } })
  await expect(415, { method: 'POST', url: '/watchlists', ...alice, headers: { ...alice.headers, 'content-type': 'application/xml' }, payload: '<a/>' })
  await expect(200, { method: 'GET', url: '/watchlists', ...alice })
  await expect(400, { method: 'GET', url: '/watchlists?page_size=0', ...alice })
  await expect(404, { method: 'GET', url: '/watchlists?page=2', ...alice })
  await expect(401, { method: 'GET', url: '/watchlists' })
  await expect(200, { method: 'GET', url: `/watchlists/${list.id}` })
  await expect(404, { method: 'GET', url: '/watchlists/999' })
  await expect(200, { method: 'PATCH', url: `/watchlists/${list.id}`, ...alice, payload: { name: 'Renamed' } })
  await expect(400, { method: 'PATCH', url: `/watchlists/${list.id}`, ...alice, payload: { public: 'maybe' } })
  await expect(403, { method: 'PATCH', url: `/watchlists/${list.id}`, headers: bob.headers, payload: { name: 'Mine now' } })
  await expect(401, { method: 'PATCH', url: `/watchlists/${list.id}`, payload: {} })
  await expect(201, { method: 'PUT', url: `/watchlists/${list.id}/anime/1`, ...alice, payload: { status: 'completed', rating: 9, episodes_watched: 12 } })
  await expect(200, { method: 'PUT', url: `/watchlists/${list.id}/anime/1`, ...alice, payload: { note: 'again' } })
  await expect(400, { method: 'PUT', url: `/watchlists/${list.id}/anime/2`, ...alice, payload: { rating: 11, status: 'done', episodes_watched: 13 } })
  await expect(400, { method: 'PUT', url: `/watchlists/${list.id}/anime/77`, ...alice, payload: {} })
  await expect(404, { method: 'PUT', url: `/watchlists/${list.id}/anime/x`, ...alice, payload: {} })
  await expect(403, { method: 'PUT', url: `/watchlists/${list.id}/anime/2`, headers: bob.headers, payload: {} })
  await expect(200, { method: 'GET', url: `/watchlists/${list.id}/anime?status=COMPLETED&ordering=-rating` })
  await expect(400, { method: 'GET', url: `/watchlists/${list.id}/anime?ordering=score` })
  await expect(404, { method: 'GET', url: '/watchlists/999/anime' })
  await expect(200, { method: 'GET', url: `/watchlists/${list.id}/export` })
  await expect(404, { method: 'GET', url: '/watchlists/999/export' })
  const xml = { ...alice.headers, 'content-type': 'application/xml' }
  await expect(200, { method: 'POST', url: `/watchlists/${list.id}/import`, headers: xml, payload: malExport([{ id: 100002, status: 'Watching', episodes: 3 }]) })
  await expect(400, { method: 'POST', url: `/watchlists/${list.id}/import`, headers: xml, payload: '<nope' })
  await expect(403, { method: 'POST', url: `/watchlists/${list.id}/import`, headers: { ...bob.headers, 'content-type': 'application/xml' }, payload: malExport([]) })
  await expect(415, { method: 'POST', url: `/watchlists/${list.id}/import`, ...alice, headers: { ...alice.headers, 'content-type': 'image/png' }, payload: 'x' })
  await expect(401, { method: 'POST', url: `/watchlists/${list.id}/import`, headers: { 'content-type': 'application/xml' }, payload: malExport([]) })
  await expect(204, { method: 'DELETE', url: `/watchlists/${list.id}/anime/1`, ...alice })
  await expect(404, { method: 'DELETE', url: `/watchlists/${list.id}/anime/1`, ...alice })
  await expect(201, { method: 'PUT', url: `/watchlists/${list.id}/anime/3`, ...alice, payload: { status: 'completed', rating: 10 } })
  await expect(200, { method: 'GET', url: '/account/recommendations?limit=5&type=TV', ...alice })
  await expect(400, { method: 'GET', url: '/account/recommendations?limit=0', ...alice })
  await expect(401, { method: 'GET', url: '/account/recommendations' })
  await expect(403, { method: 'DELETE', url: `/watchlists/${list.id}`, headers: bob.headers })
  await expect(204, { method: 'DELETE', url: `/watchlists/${list.id}`, ...alice })

  await expect(400, { method: 'PUT', url: '/account/password', ...alice, payload: { old_password: 'nope', new_password: 'x' } })
  await expect(204, { method: 'PUT', url: '/account/password', ...alice, payload: { old_password: 'pw', new_password: 'pw2' } })
  await expect(204, { method: 'POST', url: '/account/logoutall', headers: bob.headers })
  await expect(401, { method: 'POST', url: '/account/logoutall', headers: bob.headers })
  await expect(400, { method: 'DELETE', url: '/account/user', ...alice, payload: { password: 'pw' } })
  const other = await makeList(app, { ...alice, token: '', id: 0, username: 'alice' }, 'Other')
  await expect(204, { method: 'DELETE', url: '/account/user', ...alice, payload: { password: 'pw2' } })
  await expect(404, { method: 'GET', url: `/watchlists/${other.id}` })
  await expect(401, { method: 'POST', url: '/account/logout', ...alice })
  const carol = await user(app, 'carol')
  await expect(204, { method: 'POST', url: '/account/logout', headers: carol.headers })

  // Every operation was reached, each with a success and an error answer.
  const missing = checker.operations.map((op) => `${op.method} ${op.path}`).filter((name) => {
    const statuses = [...(seen.get(name) ?? [])]
    return !statuses.some((s) => s < 300) || !statuses.some((s) => s >= 400)
  })
  t.same(missing, [], 'every operation driven to a success and an error')
  t.equal((await call(app, 'GET', '/health')).statusCode, 200)
})

t.test('throttled and rate-limited answers (429), and the token limit (403), are documented too', async (t) => {
  const app = await accountsApp(t, { rateLimitMax: 4, tokenLimit: 2, throttleUserLimit: 2 })
  const { expect } = driver(t, (options) => app.inject({ ...options, remoteAddress: options.remoteAddress ?? '10.0.0.1' }))
  await expect(200, { method: 'POST', url: '/account/register', payload: { username: 'dave', email: 'dave@example.com', password: 'pw' } })
  await expect(200, { method: 'POST', url: '/account/login', payload: { username: 'dave', password: 'pw' } })
  await expect(403, { method: 'POST', url: '/account/login', payload: { username: 'dave', password: 'pw' } })
  for (let i = 0; i < 2; i++) await expect(400, { method: 'POST', url: '/account/login', remoteAddress: `10.0.1.${i}`, payload: { username: 'erin', password: 'x' } })
  await expect(429, { method: 'POST', url: '/account/login', remoteAddress: '10.0.2.1', payload: { username: 'erin', password: 'x' } })
  for (let i = 0; i < 4; i++) await app.inject({ url: '/anime/entry/1', remoteAddress: '10.0.3.1' })
  const limited = await expect(429, { method: 'GET', url: '/anime/entry/1', remoteAddress: '10.0.3.1' })
  t.ok(limited.headers['retry-after'], 'Retry-After')
})

t.test('JSON-only routes (config.jsonOnly) document no HTML page; the others do', async (t) => {
  const contentTypes = (url: string, status: string): string[] =>
    Object.keys(((document.paths as Record<string, Record<string, { responses: Record<string, { content?: Json }> }>>)[url]!.get!.responses[status]!.content) ?? {})
  t.same(contentTypes('/anime/entry/{id}', '200').sort(), ['application/json', 'text/html'])
  t.same(contentTypes('/v4/anime/{id}', '200'), ['application/json'], 'Jikan answers JSON only')
  t.same(contentTypes('/v4/anime/{id}', '4XX'), ['application/json'])
  // Decided by the routes' flag, not by their path.
  const { nameComponents, openapiPath } = await import('../../src/http/openapi.js')
  t.equal(openapiPath('/v4/seasons/:year/:season'), '/v4/seasons/{year}/{season}')
  const answer = { 200: { description: 'ok', content: { 'application/json': { schema: { type: 'string' } } } } }
  const built = nameComponents({ paths: { '/a': { get: { responses: answer } }, '/v4/b': { get: { responses: answer } } } }, new Set(['/a']))
  const paths = built.paths as Record<string, { get: { responses: { 200: { content: Json } } } }>
  t.same(Object.keys(paths['/a']!.get.responses['200'].content), ['application/json'], 'a JSON-only path outside /v4')
  t.same(Object.keys(paths['/v4/b']!.get.responses['200'].content).sort(), ['application/json', 'text/html'], 'a /v4 path not marked JSON-only')
})
