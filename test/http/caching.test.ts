// HTTP caching and compression: ETags tied to the catalogue's version, Cache-Control,
// 304 on If-None-Match, no-store where answers must not be kept, compressed bodies.
import t, { type Test } from 'tap'
import zlib from 'node:zlib'
import { importCatalogueFile } from '../../src/catalogue/import.js'
import { cachePolicy, notModified, shortHash } from '../../src/plugins/app/caching.js'
import { aodRecord, writeAod } from '../helpers/aod.js'
import { buildApp, openapiDocument, tempDir } from '../helpers/app.js'
import type { AppOptions } from '../../src/app.js'

async function fixtureApp (t: Test, options: AppOptions = {}) {
  const dir = tempDir(t)
  const records = Array.from({ length: 30 }, (_, i) => aodRecord(i + 1, { title: `Anime ${i + 1}`, tags: ['drama', 'action', `tag ${i % 5}`] }))
  const api = await buildApp(t, { dataDir: dir, defaultCatalogue: writeAod(dir, records), ...options })
  return Object.assign(api, { dir })
}

t.test('a catalogue read carries a weak ETag, Cache-Control public with max-age, and Vary: Accept', async (t) => {
  const api = await fixtureApp(t)
  const res = await api.inject('/anime/entry/1')
  t.equal(res.statusCode, 200)
  t.match(res.headers.etag, /^W\/"1-[0-9a-z]+"$/, 'version 1, then the URL')
  t.equal(res.headers['cache-control'], 'public, max-age=300')
  t.match(res.headers.vary, /\bAccept\b/)
  t.not((await api.inject('/anime/entry/2')).headers.etag, res.headers.etag, 'another URL, another ETag')
  t.not((await api.inject('/anime/entry/1?format=json')).headers.etag, res.headers.etag, 'the query is part of it')
  const html = await api.inject('/anime/entry/1?format=api')
  t.match(html.headers['content-type'], /^text\/html/)
  t.not(html.headers.etag, (await api.inject('/anime/entry/1?format=api&x=1')).headers.etag)
  const browser = await api.inject({ url: '/anime/entry/1', headers: { accept: 'text/html' } })
  t.match(browser.headers['content-type'], /^text\/html/)
  t.not(browser.headers.etag, res.headers.etag, 'the HTML page of a URL is tagged apart from its JSON')
  t.equal((await api.inject('/anime/entry/1')).headers.etag, res.headers.etag, 'stable while the catalogue is')
})

t.test('If-None-Match with the current ETag is 304 without a body; anything else is 200', async (t) => {
  const api = await fixtureApp(t)
  const { etag } = (await api.inject('/anime/entry/3')).headers as { etag: string }
  for (const header of [etag, etag.slice(2), `"nope", ${etag}`, `W/"other",${etag.slice(2)}`]) {
    const res = await api.inject({ url: '/anime/entry/3', headers: { 'if-none-match': header } })
    t.equal(res.statusCode, 304, header)
    t.equal(res.body, '')
    t.equal(res.headers.etag, etag)
    t.equal(res.headers['cache-control'], 'public, max-age=300')
  }
  const head = await api.inject({ method: 'HEAD', url: '/anime/entry/3', headers: { 'if-none-match': etag } })
  t.equal(head.statusCode, 304, 'HEAD too')
  t.equal((await api.inject({ url: '/anime/entry/3', headers: { 'if-none-match': '*' } })).statusCode, 304, 'If-None-Match: * matches any current answer')
  for (const header of ['W/"0-abc"', '"nope"', '']) {
    const res = await api.inject({ url: '/anime/entry/3', headers: { 'if-none-match': header } })
    t.equal(res.statusCode, 200, `If-None-Match: ${header}`)
    t.equal(res.json().id, 3)
  }
  t.equal((await api.inject({ url: '/anime/entry/4', headers: { 'if-none-match': etag } })).statusCode, 200, 'not the ETag of another URL')
})

t.test('an import changes every ETag: a client holding an old one gets the new data', async (t) => {
  const api = await fixtureApp(t)
  const before = await api.inject('/anime/entry/1')
  await importCatalogueFile(api.dir, writeAod(api.dir, [aodRecord(1, { title: 'Renamed' }), aodRecord(2)]))
  const after = await api.inject({ url: '/anime/entry/1', headers: { 'if-none-match': before.headers.etag as string } })
  t.equal(after.statusCode, 200)
  t.equal(after.json().title, 'Renamed')
  t.match(after.headers.etag, /^W\/"2-/)
  t.not(after.headers.etag, before.headers.etag)
  const again = await api.inject({ url: '/anime/entry/1', headers: { 'if-none-match': after.headers.etag as string } })
  t.equal(again.statusCode, 304)
})

t.test('errors are not cached; random, account routes and health checks are no-store', async (t) => {
  const api = await fixtureApp(t)
  const missing = await api.inject('/anime/entry/999')
  t.equal(missing.statusCode, 404)
  t.equal(missing.headers.etag, undefined)
  t.equal(missing.headers['cache-control'], undefined)
  for (const url of ['/anime/random', '/anime/random?format=api', '/health', '/ready']) {
    const res = await api.inject(url)
    t.equal(res.statusCode, 200, url)
    t.equal(res.headers['cache-control'], 'no-store', url)
    t.equal(res.headers.etag, undefined, url)
  }
  const login = await api.inject({ method: 'POST', url: '/account/login', payload: { username: 'x', password: 'y' } })
  t.equal(login.statusCode, 400)
  t.equal(login.headers['cache-control'], 'no-store', 'a login answer')
  const register = await api.inject({ method: 'POST', url: '/account/register', payload: { username: 'cache', email: 'cache@test.com', password: 'long enough password' } })
  t.equal(register.headers['cache-control'], 'no-store', `register (${register.statusCode})`)
  const logout = await api.inject({ method: 'POST', url: '/account/logout' })
  t.equal(logout.statusCode, 401)
  t.equal(logout.headers['cache-control'], 'no-store', 'a 401 of an account route')
  // Every route under /account and every route that takes a token: no-store.
  for (const route of await routesOf(api)) {
    if (!route.url.startsWith('/account') && !route.secured) continue
    const res = await api.inject({ method: route.method as 'GET', url: route.url.replace(/:(\w+)/g, '1') })
    t.equal(res.headers['cache-control'], 'no-store', `${route.method} ${route.url} (${res.statusCode})`)
  }
})

/** The documented routes, from the OpenAPI document. */
async function routesOf (api: Awaited<ReturnType<typeof fixtureApp>>): Promise<Array<{ method: string, url: string, secured: boolean }>> {
  const document = await openapiDocument<{ paths: Record<string, Record<string, { security?: unknown[] }>> }>(api)
  return Object.entries(document.paths).flatMap(([url, operations]) => Object.entries(operations).map(([method, operation]) => ({
    method: method.toUpperCase(),
    url: url.replace(/\{(\w+)\}/g, ':$1'),
    secured: (operation.security?.length ?? 0) > 0
  })))
}

t.test('every catalogue read under /anime but random is cacheable: search, tags, details, similar', async (t) => {
  const api = await fixtureApp(t)
  const reads = (await routesOf(api)).filter((r) => r.method === 'GET' && r.url.startsWith('/anime/') && r.url !== '/anime/random' && !r.secured)
  t.ok(reads.length >= 2, `catalogue reads: ${reads.map((r) => r.url).join(', ')}`)
  for (const url of ['/anime/search?q=anime', '/anime/tags', '/anime/entry/1/details', '/anime/entry/1/similar']) {
    if (!reads.some((r) => url.split('?')[0] === r.url.replace(':id', '1'))) {
      t.comment(`${url}: no such route yet`)
      continue
    }
    const res = await api.inject(url)
    t.equal(res.statusCode, 200, url)
    t.match(res.headers.etag, /^W\/"1-/, url)
    t.equal(res.headers['cache-control'], 'public, max-age=300', url)
    t.equal((await api.inject({ url, headers: { 'if-none-match': res.headers.etag as string } })).statusCode, 304, url)
  }
})

t.test('CACHE_MAX_AGE sets the max-age; 0 means revalidate every time', async (t) => {
  t.equal((await (await fixtureApp(t, { cacheMaxAge: 60 })).inject('/anime/entry/1')).headers['cache-control'], 'public, max-age=60')
  t.equal((await (await fixtureApp(t, { cacheMaxAge: 0 })).inject('/anime/entry/1')).headers['cache-control'], 'public, no-cache')
})

t.test('bodies are compressed when the client asks and they are large enough', async (t) => {
  const api = await fixtureApp(t)
  const plain = await api.inject('/openapi.json')
  t.ok(plain.body.length > 1024)
  t.equal(plain.headers['content-encoding'], undefined, 'not without Accept-Encoding')
  for (const [encoding, decode] of [['gzip', zlib.gunzipSync], ['br', zlib.brotliDecompressSync], ['deflate', zlib.inflateSync]] as const) {
    const res = await api.inject({ url: '/openapi.json', headers: { 'accept-encoding': encoding } })
    t.equal(res.headers['content-encoding'], encoding)
    t.match(res.headers.vary, /accept-encoding/i)
    t.equal(decode(res.rawPayload).toString(), plain.body, `${encoding} decodes to the same body`)
  }
  const entry = await api.inject({ url: '/anime/entry/1?format=api', headers: { 'accept-encoding': 'gzip, br' } })
  t.equal(entry.headers['content-encoding'], undefined, 'single entries are never compressed (small, and the hottest path)')
  t.match(entry.body, /<!DOCTYPE html>/)
  const page = await api.inject({ url: '/anime/search?q=anime&format=api', headers: { 'accept-encoding': 'gzip' } })
  t.equal(page.statusCode, 200)
  t.equal(page.headers['content-encoding'], 'gzip', 'a search page (HTML here) is')
  t.match(zlib.gunzipSync(page.rawPayload).toString(), /<!DOCTYPE html>/)
  const tiny = await api.inject({ url: '/anime/tags?limit=1', headers: { 'accept-encoding': 'gzip' } })
  t.equal(tiny.statusCode, 200)
  t.ok(tiny.body.length < 1024, `a small answer (${tiny.body.length} bytes)`)
  t.equal(tiny.headers['content-encoding'], undefined, 'under 1 KB: as it is')
})

t.test('cachePolicy, notModified, shortHash', async (t) => {
  t.equal(cachePolicy('GET', '/anime/entry/:id'), 'catalogue')
  t.equal(cachePolicy('HEAD', '/anime/search'), 'catalogue')
  t.equal(cachePolicy('GET', '/anime/random'), 'no-store')
  t.equal(cachePolicy('POST', '/account/login'), 'no-store')
  t.equal(cachePolicy('GET', '/account/user'), 'no-store')
  t.equal(cachePolicy('GET', '/watchlists/:id', true), 'no-store', 'a route taking a token')
  t.equal(cachePolicy('POST', '/anime/whatever'), 'none')
  t.equal(cachePolicy('GET', '/docs'), 'none')
  const date = 'Wed, 25 Nov 2026 15:51:25 GMT'
  t.ok(notModified({ 'if-none-match': 'W/"1-a"' }, 'W/"1-a"', date))
  t.ok(notModified({ 'if-none-match': '"1-a"' }, 'W/"1-a"', date))
  t.ok(notModified({ 'if-none-match': '"x" , W/"1-a"' }, 'W/"1-a"', date))
  t.ok(notModified({ 'if-none-match': '*' }, 'W/"1-a"', date))
  t.notOk(notModified({ 'if-none-match': 'W/"1-b"' }, 'W/"1-a"', date))
  t.notOk(notModified({ 'if-none-match': 'W/"1-b"', 'if-modified-since': date }, 'W/"1-a"', date), 'If-None-Match decides when both are sent')
  t.ok(notModified({ 'if-modified-since': date }, 'W/"1-a"', date))
  t.ok(notModified({ 'if-modified-since': 'Wed, 25 Nov 2026 15:51:26 GMT' }, 'W/"1-a"', date), 'later than the import')
  t.notOk(notModified({ 'if-modified-since': 'Wed, 25 Nov 2026 15:51:24 GMT' }, 'W/"1-a"', date), 'earlier')
  t.notOk(notModified({ 'if-modified-since': 'yesterday' }, 'W/"1-a"', date), 'not a date')
  t.notOk(notModified({ 'if-modified-since': date }, 'W/"1-a"', ''), 'no import date known')
  t.notOk(notModified({}, 'W/"1-a"', date), 'unconditional')
  t.equal(shortHash('/anime/entry/1'), shortHash('/anime/entry/1'))
  t.not(shortHash('/anime/entry/1'), shortHash('/anime/entry/2'))
})
