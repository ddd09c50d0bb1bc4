// Search and similar pages made of the entries' answers as sent (held in
// memory, or read from the file while a version loads) rather than serialised
// per request: the same bytes the route's schema would write, whichever source
// the entries came from, and the new catalogue's entries after an import.
import t, { type Test } from 'tap'
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import type { TSchema } from '@sinclair/typebox'
import { SearchPage, SimilarPage } from '../../../schemas/discovery.js'
import { importCatalogueFile } from '../../../src/catalogue/import.js'
import { openCatalogue } from '../../../src/catalogue/open.js'
import { joinJson } from '../../../src/http/links.js'
import { aodRecord, writeAod, type AodRecord } from '../../helpers/aod.js'
import { buildApp, tempDir } from '../../helpers/app.js'

type Api = Awaited<ReturnType<typeof buildApp>>

/** Fastify's own serializer for a response schema (what the routes used before their pages were joined). */
const serializerOf = (schema: TSchema): (data: unknown) => string =>
  (SerializerSelector() as unknown as () => (route: unknown) => (data: unknown) => string)()({ schema, method: 'GET', url: '/', httpStatus: '200' })
const searchSerializer = serializerOf(SearchPage)
const similarSerializer = serializerOf(SimilarPage)

/** Titles and tags with what JSON must escape, non-ASCII text and characters outside the BMP. */
function records (): AodRecord[] {
  const titles = ['Quote " Back \\ slash', 'Tōkyō 東京 Story', 'Emoji 🎌 Flag', 'Tab\tand </script>', 'Plain Story', 'Story of Stories', 'Another Story']
  return titles.map((title, i) => aodRecord(i + 1, {
    title,
    tags: i % 2 === 0 ? ['action', 'drama "x"', 'ñandú'] : ['action', 'comedy'],
    synonyms: [`Story ${i + 1}`],
    ...(i === 5 ? { episodes: null, animeSeason: { season: 'UNDEFINED' } } : {})
  }))
}

async function app (t: Test): Promise<{ api: Api, dir: string }> {
  const dir = tempDir(t)
  const api = await buildApp(t, { dataDir: dir, defaultCatalogue: writeAod(dir, records()) })
  return { api, dir }
}

/** Resolves once the service holds the served version's answers in memory. */
async function answersHeld (api: Api): Promise<void> {
  for (let i = 0; i < 2000 && api.entryAnswers.held() !== api.catalogue.version(); i++) await new Promise((resolve) => setTimeout(resolve, 5))
  if (api.entryAnswers.held() !== api.catalogue.version()) throw new Error('the entry answers never loaded')
}

const searches = ['/anime/search?q=story', '/anime/search?q=story&page_size=2&page=2', '/anime/search?q=story&page_size=2&page=last',
  '/anime/search?tags=action&ordering=-title', '/anime/search?q=%E6%9D%B1%E4%BA%AC', '/anime/search?q=nothing-matches-this', '/anime/search']

t.test('search and similar pages are the bytes the schema serialiser writes from the same values', async (t) => {
  const { api } = await app(t)
  await answersHeld(api)
  for (const url of searches) {
    const res = await api.inject({ url, headers: { host: 'example.test:8080' } })
    t.equal(res.statusCode, 200, url)
    t.match(res.headers['content-type'], /^application\/json; charset=utf-8/, url)
    t.equal(res.body, searchSerializer(res.json()), url)
    t.equal(Number(res.headers['content-length']), Buffer.byteLength(res.body), url)
  }
  t.ok((await api.inject('/anime/search?q=story&page_size=2')).json().next.startsWith('http://localhost:80/anime/search?page=2'), 'links as before')
  for (const id of [1, 2, 6]) {
    const res = await api.inject(`/anime/entry/${id}/similar?limit=5`)
    t.equal(res.statusCode, 200)
    t.ok(res.json().results.length > 0, `entry ${id} has similar entries`)
    t.equal(res.body, similarSerializer(res.json()), `similar of ${id}`)
  }
  // Every item's entry is byte for byte the entry route's answer.
  const page = (await api.inject('/anime/search?tags=action&page_size=100')).json() as { results: Array<{ id: number }> }
  t.equal(page.results.length, 7)
  for (const entry of page.results) {
    const alone = (await api.inject(`/anime/entry/${entry.id}`)).body
    t.equal(JSON.stringify(entry), alone, `entry ${entry.id}`)
  }
})

t.test('answers read from the file while none are held are the ones later held in memory', async (t) => {
  const dir = tempDir(t)
  await importCatalogueFile(dir, writeAod(dir, records()))
  const opened = openCatalogue(dir)
  t.teardown(() => opened.close())
  await opened.discovery.ready()
  const request = { q: 'story' }
  const pageRequest = { page: 1, pageSize: 10 }
  t.equal(opened.answers.held(), null, 'nothing held before prepare()')
  const fromFile = await opened.discovery.searchAnswers(request, pageRequest)
  const similarFromFile = await opened.discovery.similarAnswers(1, 10)
  if (!('results' in fromFile) || similarFromFile === undefined) throw new Error('expected a page and similar entries')
  t.ok(fromFile.results.every((a) => typeof a === 'string'), 'read as text from the file')
  // The old path's values, serialised: the same text.
  const seeds = await opened.discovery.search(request, pageRequest)
  if (!('results' in seeds)) throw new Error('expected a page')
  t.same(fromFile.results, seeds.results.map((seed) => JSON.stringify(seed)))
  t.ok(fromFile.results.length >= 5)

  opened.answers.prepare(opened.catalogue.version())
  for (let i = 0; i < 2000 && opened.answers.held() === null; i++) await new Promise((resolve) => setImmediate(resolve))
  t.equal(opened.answers.held(), opened.catalogue.version())
  const fromMemory = await opened.discovery.searchAnswers(request, pageRequest)
  const similarFromMemory = await opened.discovery.similarAnswers(1, 10)
  if (!('results' in fromMemory) || similarFromMemory === undefined) throw new Error('expected a page and similar entries')
  t.ok(fromMemory.results.every((a) => typeof a !== 'string'), 'held bytes')
  t.same({ ...fromMemory, results: fromMemory.results.map((a) => joinJson([a]).toString()) }, fromFile)
  t.same(similarFromMemory.map((s) => ({ ...s, anime: joinJson([s.anime]).toString() })), similarFromFile)
  t.equal(await opened.discovery.similarAnswers(999, 10), undefined, 'an unknown entry')
})

t.test('after an import, pages show the new catalogue, before and after its answers are held', async (t) => {
  const { api, dir } = await app(t)
  await answersHeld(api)
  const before = (await api.inject('/anime/search?q=plain')).json() as { results: Array<{ id: number, title: string }> }
  t.same(before.results.map((r) => r.title), ['Plain Story'])
  const version = api.catalogue.version()

  const changed = records().map((r, i) => i === 4 ? { ...r, title: 'Renamed Tale', synonyms: [] } : r)
  await importCatalogueFile(dir, writeAod(dir, [...changed, aodRecord(8, { title: 'Plain Newcomer', tags: ['drama "x"', 'ñandú'] })]))
  api.catalogueWatcher.refresh()
  // At once (the new version's answers still loading or just loaded) and once they are held: the new catalogue either way.
  for (const when of ['at once', 'once held']) {
    if (when === 'once held') await answersHeld(api)
    t.not(api.catalogue.version(), version, when)
    const plain = await api.inject('/anime/search?q=plain')
    t.same(plain.json().results.map((r: { title: string }) => r.title), ['Plain Newcomer'], when)
    t.equal(plain.body, searchSerializer(plain.json()), when)
    const renamed = (await api.inject('/anime/search?q=renamed')).json()
    t.same(renamed.results.map((r: { id: number, title: string }) => [r.id, r.title]), [[5, 'Renamed Tale']], when)
    const similar = (await api.inject('/anime/entry/1/similar?limit=50')).json() as { results: Array<{ anime: { id: number, title: string } }> }
    const titles = new Map(similar.results.map((s) => [s.anime.id, s.anime.title]))
    t.equal(titles.get(5), 'Renamed Tale', when)
    t.ok(titles.has(8), `${when}: the new entry is similar too`)
  }
})

t.test('bad input on the joined pages answers as before', async (t) => {
  const { api } = await app(t)
  await answersHeld(api)
  const past = await api.inject('/anime/search?q=story&page=99')
  t.equal(past.statusCode, 404)
  t.same(past.json(), { detail: 'Invalid page.' })
  for (const url of ['/anime/search?page=0', '/anime/search?page_size=1000', '/anime/search?q=' + 'x'.repeat(201), '/anime/entry/1/similar?limit=0', '/anime/entry/1/similar?limit=abc']) {
    const res = await api.inject(url)
    t.equal(res.statusCode, 400, url)
    t.match(res.headers['content-type'], /^application\/json/, url)
  }
  for (const url of ['/anime/entry/999/similar', '/anime/entry/0/similar', '/anime/entry/abc/similar']) {
    const res = await api.inject(url)
    t.equal(res.statusCode, 404, url)
    t.same(res.json(), { detail: 'Not found.' }, url)
  }
  // The HTML page and compression work on the joined bytes as on serialised ones.
  const html = await api.inject('/anime/search?q=quote&format=api')
  t.match(html.headers['content-type'], /^text\/html/)
  t.match(html.body, /Quote \\&quot; Back/)
  const similarHtml = await api.inject('/anime/entry/1/similar?format=api')
  t.match(similarHtml.body, /&quot;shared_tags&quot;/)
  const gzip = await api.inject({ url: '/anime/search?q=story&page_size=100', headers: { 'accept-encoding': 'gzip' } })
  t.equal(gzip.headers['content-encoding'], 'gzip')
  const { gunzipSync } = await import('node:zlib')
  const plain = await api.inject('/anime/search?q=story&page_size=100')
  t.equal(gunzipSync(gzip.rawPayload).toString(), plain.body)
  t.ok(plain.headers.etag !== undefined, 'catalogue answers carry their ETag')
  const again = await api.inject({ url: '/anime/search?q=story&page_size=100', headers: { 'if-none-match': plain.headers.etag as string } })
  t.equal(again.statusCode, 304)
})
