// docs/compatibility.md, general rules and anime endpoints, through app.inject().
import t, { type Test } from 'tap'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import { Writable } from 'node:stream'
import app, { serverOptions } from '../../../src/app.js'
import { aodRecord, writeAod } from '../../helpers/aod.js'
import { buildApp, tempDir } from '../../helpers/app.js'
import { openCatalogueDb } from '../../../src/catalogue/db.js'

const seedKeys = ['id', 'title', 'source', 'anime_type', 'num_episodes', 'status', 'year', 'picture', 'tags']

async function fixtureApp (t: Test, count = 5) {
  const dir = tempDir(t)
  const records = Array.from({ length: count }, (_, i) => aodRecord(i + 1, { title: `Anime ${i + 1}`, tags: ['drama', 'action'] }))
  return buildApp(t, { dataDir: dir, defaultCatalogue: writeAod(dir, records) })
}

t.test('GET /anime/entry/:id answers the seed shape, keys in order, compact JSON', async (t) => {
  const api = await fixtureApp(t)
  const res = await api.inject('/anime/entry/3')
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^application\/json/)
  t.same(Object.keys(res.json()), seedKeys)
  t.same(res.json(), {
    id: 3,
    title: 'Anime 3',
    source: 'https://anidb.net/anime/3',
    anime_type: 'TV',
    num_episodes: 12,
    status: 'Finished',
    year: 2003,
    picture: 'https://cdn.example/3.jpg',
    tags: ['Action', 'Drama']
  })
  t.equal(res.body, JSON.stringify(res.json()), 'compact: no spaces or newlines')
  t.same((await api.inject('/anime/entry/3?format=json')).json(), res.json(), '?format=json changes nothing')
})

t.test('entry and random answers are exactly JSON.stringify of the entry, for awkward strings too', async (t) => {
  const dir = tempDir(t)
  const titles = ['Quote " and \\ backslash', 'Tab\there, newline\nthere, \u0001 and \u001f', 'Ünïcödé 日本語 🎌', '</script><b>', 'Slash / and \u007f']
  const records = titles.map((title, i) => aodRecord(i + 1, {
    title,
    tags: i === 0 ? ['a "quoted" tag', 'back\\slash'] : ['drama'],
    animeSeason: i === 1 ? { season: 'UNDEFINED' } : { season: 'SPRING', year: 2001 },
    episodes: i === 2 ? 0 : 12
  }))
  const api = await buildApp(t, { dataDir: dir, defaultCatalogue: writeAod(dir, records) })
  const bodies = new Set<string>()
  for (let id = 1; id <= titles.length; id++) {
    const res = await api.inject(`/anime/entry/${id}`)
    const entry = res.json()
    t.equal(entry.title, titles[id - 1])
    t.equal(res.body, JSON.stringify(entry), `entry ${id}: byte for byte what JSON.stringify writes`)
    bodies.add(res.body)
  }
  t.equal((await api.inject('/anime/entry/2')).json().year, null, 'a missing year is null')
  for (let i = 0; i < 40; i++) t.ok(bodies.has((await api.inject('/anime/random')).body), 'random answers one of the same bodies')
})

t.test('ids that are unknown or not positive whole numbers are 404 Not found', async (t) => {
  const api = await fixtureApp(t)
  for (const id of ['0', '-1', 'abc', '1.5', '1e3', '0x1', '01', '+1', ' 1', '99', '99999999999999999999', '9007199254740993', '%00', '1%20', "1'--", 'null']) {
    const res = await api.inject(`/anime/entry/${id}`)
    t.equal(res.statusCode, 404, id)
    t.same(res.json(), { detail: 'Not found.' }, id)
  }
})

t.test('GET /anime/random answers an entry of the catalogue, each equally likely', async (t) => {
  const api = await fixtureApp(t, 5)
  const counts = new Map<number, number>()
  const draws = 5000
  t.same(Object.keys((await api.inject('/anime/random')).json()), seedKeys)
  for (let i = 0; i < draws; i++) {
    const res = await api.inject('/anime/random')
    t.equal(res.statusCode, 200)
    const body = res.json()
    counts.set(body.id, (counts.get(body.id) ?? 0) + 1)
  }
  t.same([...counts.keys()].sort(), [1, 2, 3, 4, 5])
  // Each count is Binomial(5000, 0.2): mean 1000, sd ≈ 28; ±200 is over 7 sd.
  for (const [id, count] of counts) t.ok(count > 800 && count < 1200, `id ${id} drawn ${count} times`)
})

t.test('random skips entries removed by a later import and 404s on an empty catalogue', async (t) => {
  const dir = tempDir(t)
  const api = await buildApp(t, { dataDir: dir, defaultCatalogue: writeAod(dir, [aodRecord(1), aodRecord(2), aodRecord(3)]) })
  const { importCatalogueFile } = await import('../../../src/catalogue/import.js')
  await importCatalogueFile(dir, writeAod(dir, [aodRecord(2)]))
  for (let i = 0; i < 50; i++) t.equal((await api.inject('/anime/random')).json().id, 2)
  t.equal((await api.inject('/anime/entry/1')).statusCode, 404)

  // An empty catalogue: every entry retired by direct database surgery (no import allows it).
  const db = openCatalogueDb(dir)
  db.exec('UPDATE anime SET active = 0, pos = NULL')
  db.close()
  const res = await api.inject('/anime/random')
  t.equal(res.statusCode, 404)
  t.same(res.json(), { detail: 'Not found.' })
})

t.test('?format=api and browsers get a readable HTML page; other formats are 404', async (t) => {
  const api = await fixtureApp(t)
  const page = await api.inject('/anime/entry/1?format=api')
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /^text\/html/)
  t.match(page.body, /<!DOCTYPE html>/)
  t.match(page.body, /HTTP 200 OK/)
  t.match(page.body, /&quot;title&quot;: &quot;Anime 1&quot;/)

  const browser = await api.inject({ url: '/anime/entry/1', headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } })
  t.match(browser.headers['content-type'], /^text\/html/)
  const jsonWins = await api.inject({ url: '/anime/entry/1', headers: { accept: 'text/html, application/json' } })
  t.match(jsonWins.headers['content-type'], /^application\/json/, 'JSON wins a tie, as in DRF')
  const explicit = await api.inject({ url: '/anime/entry/1?format=json', headers: { accept: 'text/html' } })
  t.match(explicit.headers['content-type'], /^application\/json/, 'format=json beats Accept')

  const notFoundPage = await api.inject('/anime/entry/999?format=api')
  t.equal(notFoundPage.statusCode, 404)
  t.match(notFoundPage.body, /HTTP 404 Not Found/)

  const escaped = await api.inject('/anime/<script>?format=api')
  t.notMatch(escaped.body, /<script>/, 'the path is escaped')

  for (const format of ['xml', 'yaml', 'JSON', '', 'api%00']) {
    const res = await api.inject(`/anime/entry/1?format=${format}`)
    t.equal(res.statusCode, 404, `format=${format}`)
    t.same(res.json(), { detail: 'Not found.' })
  }
  t.equal((await api.inject('/anime/random?format=xml')).statusCode, 404)
})

t.test('wrong methods are 405 with Allow; OPTIONS is 200 with Allow; HEAD works like GET', async (t) => {
  const api = await fixtureApp(t)
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
    for (const url of ['/anime/entry/1', '/anime/random']) {
      const res = await api.inject({ method, url })
      t.equal(res.statusCode, 405, `${method} ${url}`)
      t.same(res.json(), { detail: `Method "${method}" not allowed.` })
      t.equal(res.headers.allow, 'GET, HEAD, OPTIONS')
    }
  }
  const options = await api.inject({ method: 'OPTIONS', url: '/anime/entry/1' })
  t.equal(options.statusCode, 200)
  t.equal(options.headers.allow, 'GET, HEAD, OPTIONS')
  const head = await api.inject({ method: 'HEAD', url: '/anime/entry/1' })
  t.equal(head.statusCode, 200)
  t.equal(head.body, '')
  t.match(head.headers['content-type'], /^application\/json/)
  t.equal((await api.inject({ method: 'HEAD', url: '/anime/entry/999' })).statusCode, 404)
  t.equal((await api.inject({ method: 'OPTIONS', url: '/nowhere' })).statusCode, 404)
})

t.test('unknown paths and trailing slashes are 404 Not found', async (t) => {
  const api = await fixtureApp(t)
  for (const url of ['/', '/anime', '/anime/', '/anime/random/', '/anime/entry/1/', '/anime/entry', '/anime/entry/', '/nope', '//anime/random', '/ANIME/RANDOM']) {
    const res = await api.inject(url)
    t.equal(res.statusCode, 404, url)
    t.same(res.json(), { detail: 'Not found.' }, url)
  }
})

t.test('public endpoints ignore the Authorization header entirely', async (t) => {
  const api = await fixtureApp(t)
  for (const authorization of ['Token 0000000000000000000000000000000000000000000000000000000000000000', 'Token', 'Token a b', 'Bearer x', 'garbage']) {
    t.equal((await api.inject({ url: '/anime/entry/1', headers: { authorization } })).statusCode, 200, authorization)
    t.equal((await api.inject({ url: '/anime/random', headers: { authorization } })).statusCode, 200, authorization)
  }
})

t.test('an unexpected failure is 500 A server error occurred, with the stack in the log only', async (t) => {
  const lines: string[] = []
  const stream = new Writable({ write (chunk, _enc, done) { lines.push(String(chunk)); done() } })
  const dir = tempDir(t)
  const fastify = Fastify({ ...serverOptions, logger: { level: 'error', stream } })
  await fastify.register(fp(app), { dataDir: dir, defaultCatalogue: writeAod(dir, [aodRecord(1)]) })
  fastify.get('/boom', async () => { throw new Error('secret internals at /srv/x.ts') })
  await fastify.ready()
  t.teardown(() => fastify.close())
  const res = await fastify.inject('/boom')
  t.equal(res.statusCode, 500)
  t.same(res.json(), { detail: 'A server error occurred.' })
  t.notMatch(res.body, /secret internals/)
  t.match(lines.join(''), /secret internals at \/srv\/x\.ts/)
  t.equal((await fastify.inject('/anime/entry/1')).statusCode, 200, 'still answering afterwards')
})

t.test('malformed %-escapes and over-long ids are 404 Not found, not a framework error', async (t) => {
  const api = await fixtureApp(t)
  for (const url of ['/anime/entry/%zz', '/anime/entry/%E0%A4%A', `/anime/entry/${'9'.repeat(500)}`, `/anime/entry/${'a'.repeat(5000)}`]) {
    const res = await api.inject(url)
    t.equal(res.statusCode, 404, url.slice(0, 40))
    t.same(res.json(), { detail: 'Not found.' })
  }
})
