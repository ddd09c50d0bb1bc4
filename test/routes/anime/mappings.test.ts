// Issue 17, id mapping over HTTP: GET /anime/mappings/:site/:id, POST
// /anime/mappings and the `sites` of /anime/entry/:id/details, on the default
// catalogue and on fixtures with a page on every site. Expected site ids are read
// from the catalogue files here, with the URL patterns the docs give for each site.
import fs from 'node:fs'
import t, { type Test } from 'tap'
import { defaultConfig } from '../../../src/config.js'
import { importCatalogueFile } from '../../../src/catalogue/import.js'
import { aodRecord, writeAod, type AodRecord } from '../../helpers/aod.js'
import { buildApp, tempDir } from '../../helpers/app.js'

type Api = Awaited<ReturnType<typeof buildApp>>
type Sites = Record<string, number | string>
interface Mapping { id: number, title: string, sites: Sites }

/** The documented page of each site, `{id}` for the id: digits, or a slug for anime-planet and notify. */
const patterns: Record<string, string> = {
  anidb: 'https://anidb.net/anime/{id}',
  anilist: 'https://anilist.co/anime/{id}',
  animecountdown: 'https://animecountdown.com/{id}',
  animenewsnetwork: 'https://animenewsnetwork.com/encyclopedia/anime.php?id={id}',
  animeplanet: 'https://anime-planet.com/anime/{id}',
  anisearch: 'https://anisearch.com/anime/{id}',
  kitsu: 'https://kitsu.app/anime/{id}',
  livechart: 'https://livechart.me/anime/{id}',
  myanimelist: 'https://myanimelist.net/anime/{id}',
  notify: 'https://notify.moe/anime/{id}',
  simkl: 'https://simkl.com/anime/{id}'
}
const slugSites = new Set(['animeplanet', 'notify'])

/** [site, id] of a source URL written in its site's pattern, else null. */
function siteOf (url: string): [string, number | string] | null {
  for (const [site, pattern] of Object.entries(patterns)) {
    const prefix = pattern.replace('{id}', '')
    if (!url.startsWith(prefix)) continue
    const id = url.slice(prefix.length)
    return [site, slugSites.has(site) ? id : Number(id)]
  }
  return null
}

/** The sites object expected for these sources: every site, in name order, the lowest id of each. */
function expectedSites (sources: string[]): Sites {
  const sites: Sites = {}
  for (const site of Object.keys(patterns).sort()) {
    const ids = sources.map(siteOf).filter((s) => s?.[0] === site).map((s) => s![1])
    if (ids.length > 0) sites[site] = ids.sort((a, b) => (a < b ? -1 : 1))[0]!
  }
  return sites
}

const defaultRecords = (JSON.parse(fs.readFileSync(defaultConfig.defaultCatalogue, 'utf8')) as { data: AodRecord[] }).data

/** A record with a page on every site (ids offset from n), and a page of no known site. */
const everySite = (n: number, overrides: Partial<AodRecord> = {}): AodRecord => aodRecord(n, {
  title: `All sites ${n}`,
  sources: [...Object.entries(patterns).map(([site, pattern], i) => pattern.replace('{id}', slugSites.has(site) ? `${site}-show-${n}` : String(n + 1000 * i))),
    'https://example.com/anime/1'].sort(),
  ...overrides
})

async function fixtureApp (t: Test, records: AodRecord[]): Promise<{ api: Api, dir: string }> {
  const dir = tempDir(t)
  return { api: await buildApp(t, { dataDir: dir, defaultCatalogue: writeAod(dir, records) }), dir }
}

const get = async (api: Api, url: string) => {
  const res = await api.inject(url)
  return { status: res.statusCode, body: res.body === '' ? undefined : res.json(), headers: res.headers }
}

const post = async (api: Api, payload: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) => {
  const res = await api.inject({ method: 'POST', url: '/anime/mappings', headers, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) })
  return { status: res.statusCode, body: res.json(), headers: res.headers }
}

t.test('default catalogue: every source of every entry maps to that entry, with all its sites; details show the same sites', async (t) => {
  const api = await buildApp(t)
  const sitesSeen = new Set<string>()
  const ids = new Set<number>()
  for (const record of defaultRecords) {
    const sites = expectedSites(record.sources)
    let id: number | undefined
    for (const url of record.sources) {
      const parsed = siteOf(url)
      t.not(parsed, null, `${url} follows its site's documented pattern`)
      if (parsed === null) continue
      sitesSeen.add(parsed[0])
      const res = await get(api, `/anime/mappings/${parsed[0]}/${encodeURIComponent(String(parsed[1]))}`)
      t.equal(res.status, 200, url)
      t.same(Object.keys(res.body), ['id', 'title', 'sites'])
      t.equal(res.body.title, record.title)
      t.strictSame(res.body.sites, sites, `${record.title}: every site, ids as the sites write them`)
      t.same(Object.keys(res.body.sites), Object.keys(sites), 'sites in name order')
      id ??= res.body.id
      t.equal(res.body.id, id, `${url}: the same entry as the entry's other sources`)
    }
    ids.add(id!)
    const details = await get(api, `/anime/entry/${id}/details`)
    t.strictSame(details.body.sites, sites, 'details: the same sites')
    t.same(Object.keys(details.body).slice(9, 12), ['sources', 'sites', 'synonyms'], 'sites right after sources')
  }
  t.equal(ids.size, defaultRecords.length, 'one entry per record')
  t.ok(sitesSeen.size >= 4, `the default catalogue's sites: ${[...sitesSeen].join(', ')}`)
  // Every site name is known, whether or not the default catalogue has pages on it.
  for (const site of Object.keys(patterns)) {
    const res = await get(api, `/anime/mappings/${site}/${slugSites.has(site) ? 'no-such-slug' : '999999999'}`)
    t.same([res.status, res.body], [404, { detail: 'Not found.' }], `${site}: an id no entry has`)
  }
})

t.test('every site and slugs: each page of an entry round-trips; names case-insensitive; unknown site 400; unknown or malformed id 404', async (t) => {
  const records = [everySite(1), everySite(2)]
  const { api } = await fixtureApp(t, records)
  for (const record of records) {
    const sites = expectedSites(record.sources)
    t.equal(Object.keys(sites).length, 11, 'a page on each of the eleven sites')
    for (const [site, id] of Object.entries(sites)) {
      const res = await get(api, `/anime/mappings/${site}/${id}`)
      t.equal(res.status, 200, `${site}/${id}`)
      t.strictSame(res.body, { id: res.body.id, title: record.title, sites })
    }
  }
  const one = (await get(api, '/anime/mappings/myanimelist/8001')).body as Mapping
  t.equal(one.title, 'All sites 1')
  t.same((await get(api, '/anime/mappings/MyAnimeList/8001')).body, one, 'site names in any case')
  t.same((await get(api, '/anime/mappings/animeplanet/ANIMEPLANET-SHOW-1')).body, one, 'anime-planet slugs in any case')
  t.equal((await get(api, '/anime/mappings/notify/NOTIFY-SHOW-1')).status, 404, 'notify ids are case-sensitive')
  t.same((await get(api, '/anime/mappings/myanimelist/08001')).body, one, 'leading zeros')
  for (const site of ['mal', 'imdb', 'anime-planet', '%20']) {
    const res = await get(api, `/anime/mappings/${site}/1`)
    t.same([res.status, res.body], [400, { site: [`"${decodeURIComponent(site)}" is not a valid choice.`] }], `unknown site ${site}`)
  }
  for (const url of ['myanimelist/abc', 'myanimelist/0', 'myanimelist/-5', 'myanimelist/1.5', 'myanimelist/99999999999999999999', 'anidb/7', 'animeplanet/nope']) {
    const res = await get(api, `/anime/mappings/${url}`)
    t.same([res.status, res.body], [404, { detail: 'Not found.' }], url)
  }
  t.equal((await get(api, '/anime/mappings/myanimelist')).status, 404, 'no id: no such path')
  t.equal((await get(api, '/anime/mappings/myanimelist/1?format=xml')).status, 404, 'format as everywhere')
  const head = await api.inject({ method: 'HEAD', url: '/anime/mappings/myanimelist/8001' })
  t.same([head.statusCode, head.body], [200, ''], 'HEAD')
})

t.test('two entries listing one site id: the lower id answers, for GET and POST alike', async (t) => {
  const { api } = await fixtureApp(t, [
    aodRecord(1, { title: 'First', sources: ['https://anidb.net/anime/1', 'https://myanimelist.net/anime/50'] }),
    aodRecord(2, { title: 'Second', sources: ['https://anidb.net/anime/2', 'https://anidb.net/anime/20', 'https://myanimelist.net/anime/50'] })
  ])
  const ids = new Map([1, 2].map((n) => [n, 0]))
  for (const n of [1, 2]) ids.set(n, (await get(api, `/anime/mappings/anidb/${n}`)).body.id)
  const shared = (await get(api, '/anime/mappings/myanimelist/50')).body
  t.equal(shared.id, Math.min(ids.get(1)!, ids.get(2)!))
  t.same((await post(api, [{ site: 'myanimelist', id: 50 }])).body, [shared])
  const second = (await get(api, '/anime/mappings/anidb/20')).body
  t.same([second.id, second.sites], [ids.get(2), { anidb: 2, myanimelist: 50 }], 'two pages on one site: both map, the lowest shows')
})

t.test('POST /anime/mappings: up to 100 lookups answered in order, misses as null', async (t) => {
  const api = await buildApp(t)
  const lookups: Array<{ site: string, id: number | string }> = []
  const misses = new Set<number>()
  for (const record of defaultRecords) {
    for (const url of record.sources) {
      if (lookups.length === 100) break
      if (lookups.length % 7 === 3) {
        misses.add(lookups.length)
        lookups.push(lookups.length % 2 === 0 ? { site: 'kitsu', id: 999999999 } : { site: 'animeplanet', id: 'no-such-show' })
      }
      const [site, id] = siteOf(url)!
      if (lookups.length < 100) lookups.push({ site, id: lookups.length % 3 === 0 ? String(id) : id })
    }
  }
  t.equal(lookups.length, 100)
  const res = await post(api, lookups)
  t.equal(res.status, 200)
  t.equal(res.body.length, 100, 'as many answers as lookups')
  for (const [i, lookup] of lookups.entries()) {
    const expected = misses.has(i) ? null : (await get(api, `/anime/mappings/${lookup.site}/${lookup.id}`)).body
    t.same(res.body[i], expected, misses.has(i) ? `${i}: a miss in its place` : `${i}: as the GET answers`)
  }
  t.equal(res.headers.etag, undefined, 'a POST answer carries no ETag')
  t.same((await post(api, [])).body, [], 'an empty list')

  const tooMany = await post(api, Array.from({ length: 101 }, () => ({ site: 'anidb', id: 1 })))
  t.same([tooMany.status, tooMany.body], [400, { non_field_errors: ['Ensure this field has no more than 100 elements.'] }], '101 lookups')
})

t.test('POST /anime/mappings: bad bodies are 400 in DRF\'s shapes', async (t) => {
  const { api } = await fixtureApp(t, [everySite(1)])
  const notAList = (type: string) => ({ non_field_errors: [`Expected a list of items but got type "${type}".`] })
  for (const [payload, body] of [
    [{ site: 'anidb', id: 1 }, notAList('dict')],
    ['"anidb"', notAList('str')],
    ['12', notAList('int')],
    ['1.5', notAList('float')],
    ['true', notAList('bool')],
    ['', notAList('dict')],
    ['null', { non_field_errors: ['No data provided'] }],
    ['[1,', null]
  ] as Array<[unknown, unknown]>) {
    const res = await post(api, payload)
    t.equal(res.status, 400, JSON.stringify(payload))
    // null: a JSON parse error, whose detail quotes the parser; compared as whether it reads so.
    const parseError = (answer: { detail?: unknown }) => ({ ...answer, detail: /^JSON parse error - /.test(String(answer.detail)) })
    t.same(body === null ? parseError(res.body) : res.body, body ?? { detail: true }, JSON.stringify(payload))
  }
  const form = await post(api, 'site=anidb&id=1', { 'content-type': 'application/x-www-form-urlencoded' })
  t.same([form.status, form.body], [400, notAList('dict')], 'a form is not a list')

  const res = await post(api, [
    { site: 'anidb', id: 1 },
    'anidb',
    null,
    {},
    { site: 'mal', id: 1 },
    { site: 'anidb', id: null },
    { site: null, id: ' ' },
    { site: 'anidb', id: true },
    { site: 7, id: [1] },
    { site: 'notify', id: 'x', extra: 'ignored' }
  ])
  t.equal(res.status, 400)
  t.same(res.body, [
    {},
    { non_field_errors: ['Invalid data. Expected a dictionary, but got str.'] },
    { non_field_errors: ['Invalid data. Expected a dictionary, but got NoneType.'] },
    { site: ['This field is required.'], id: ['This field is required.'] },
    { site: ['"mal" is not a valid choice.'] },
    { id: ['This field may not be null.'] },
    { site: ['This field may not be null.'], id: ['This field may not be blank.'] },
    { id: ['Not a valid string.'] },
    { site: ['"7" is not a valid choice.'], id: ['Not a valid string.'] },
    {}
  ], 'one object of field errors per item, {} for the valid ones')
  t.equal((await api.inject({ method: 'PUT', url: '/anime/mappings' })).statusCode, 405)
})

t.test('GET mappings: ETag and 304 per catalogue version; a new catalogue answers anew', async (t) => {
  const { api, dir } = await fixtureApp(t, [everySite(1), everySite(2)])
  const first = await get(api, '/anime/mappings/anilist/1001')
  t.equal(first.status, 200)
  const etag = first.headers.etag as string
  t.match(etag, /^W\/"/, 'a weak ETag')
  t.match(first.headers['cache-control'], /^public/)
  const again = await api.inject({ url: '/anime/mappings/anilist/1001', headers: { 'if-none-match': etag } })
  t.same([again.statusCode, again.body], [304, ''], '304 without a body')
  const other = await api.inject({ url: '/anime/mappings/anilist/1002', headers: { 'if-none-match': etag } })
  t.equal(other.statusCode, 200, 'another URL has another ETag')

  // An update: entry 1 loses its AniList page, entry 2 its title.
  await importCatalogueFile(dir, writeAod(dir, [
    everySite(1, { sources: ['https://anidb.net/anime/1', 'https://myanimelist.net/anime/8001'] }),
    everySite(2, { title: 'Renamed' })
  ]))
  api.catalogueWatcher.refresh()
  await new Promise((resolve) => setImmediate(resolve))
  const after = await api.inject({ url: '/anime/mappings/anilist/1001', headers: { 'if-none-match': etag } })
  t.same([after.statusCode, after.json()], [404, { detail: 'Not found.' }], 'the page the entry lost no longer maps')
  const renamed = await get(api, '/anime/mappings/anilist/1002')
  t.equal(renamed.body.title, 'Renamed', 'a cached answer of the old catalogue is not served')
  t.not(renamed.headers.etag, other.headers.etag, 'a new ETag')
  t.same((await get(api, '/anime/mappings/myanimelist/8001')).body.sites, { anidb: 1, myanimelist: 8001 })
})
