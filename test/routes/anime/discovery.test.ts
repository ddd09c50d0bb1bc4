// Issue 4: search filters, orderings, paging, bad parameters, filtered random,
// tags, details and similar, against a fixture catalogue written here; every
// expectation is computed from the fixture records, not hard-coded.
import t, { type Test } from 'tap'
import { aodRecord, writeAod, type AodRecord } from '../../helpers/aod.js'
import { buildApp, tempDir } from '../../helpers/app.js'

type Api = Awaited<ReturnType<typeof buildApp>>
interface Seed { id: number, title: string, source: string, anime_type: string, num_episodes: number, status: string, year: number | null, picture: string, tags: string[] }

const seedKeys = ['id', 'title', 'source', 'anime_type', 'num_episodes', 'status', 'year', 'picture', 'tags']
const N = 40
const types = ['TV', 'MOVIE', 'OVA', 'ONA', 'SPECIAL', 'UNKNOWN']
const statuses = ['FINISHED', 'ONGOING', 'UPCOMING', 'UNKNOWN']
const tagPool = ['action', 'drama', 'comedy', 'horror', 'romance', 'sci-fi', 'mecha', 'dark fantasy', 'slice of life', 'sports']
const words = ['Alpha', 'béta', 'Gamma', 'delta', 'Épsilon', 'zeta', 'Eta']

/** Fixture record n (its id in a fresh catalogue is n). */
function record (n: number): AodRecord {
  const tags = tagPool.filter((_, i) => ((n * (i + 7)) >> (i % 4)) % (i + 2) === 0 || i === n % tagPool.length)
  return aodRecord(n, {
    title: `${words[n % words.length]} ${words[(n * 3) % words.length]} ${n}`,
    type: types[n % types.length],
    status: statuses[n % statuses.length],
    animeSeason: n % 7 === 0 ? { season: 'UNDEFINED' } : { season: 'FALL', year: 1990 + (n * 7) % 30 },
    episodes: (n * 5) % 40,
    score: n % 5 === 0 ? undefined : { arithmeticGeometricMean: 1 + ((n * 37) % 90) / 10, arithmeticMean: 5, median: 5 },
    synonyms: [`Synonym ${n}`],
    tags,
    // Odd entries and the next one are sequel and prequel; each also names an anime not in the catalogue.
    relatedAnime: n % 2 === 1 && n < N ? [`https://anidb.net/anime/${n + 1}`, 'https://myanimelist.net/anime/999999'] : []
  })
}

const records = Array.from({ length: N }, (_, i) => record(i + 1))
const scoreOf = (id: number): number | null => (records[id - 1]!.score as { arithmeticGeometricMean: number } | undefined)?.arithmeticGeometricMean ?? null

async function fixtureApp (t: Test, list: AodRecord[] = records): Promise<Api> {
  const dir = tempDir(t)
  return buildApp(t, { dataDir: dir, defaultCatalogue: writeAod(dir, list) })
}

async function allEntries (api: Api): Promise<Seed[]> {
  const out: Seed[] = []
  for (let id = 1; id <= N; id++) out.push((await api.inject(`/anime/entry/${id}`)).json())
  return out
}

/** Every result of a search, following next links; checks the list shape on the way. */
async function walk (t: Test, api: Api, query: string): Promise<{ count: number, results: Seed[] }> {
  let url: string | null = `/anime/search?${query}`
  const results: Seed[] = []
  let count = -1
  while (url !== null) {
    const res: Awaited<ReturnType<Api['inject']>> = await api.inject(url)
    t.equal(res.statusCode, 200, url)
    const body: { count: number, next: string | null, results: Seed[] } = res.json()
    t.same(Object.keys(body), ['count', 'next', 'previous', 'results'], 'list shape')
    count = body.count
    results.push(...body.results)
    url = body.next === null ? null : new URL(body.next).pathname + new URL(body.next).search
  }
  return { count, results }
}

// One app for the tests that only read the fixture catalogue (fewer slow starts).
const shared = await fixtureApp(t)

const ids = (list: Seed[]): number[] => list.map((e) => e.id)
const byId = (a: Seed, b: Seed): number => a.id - b.id

t.test('each filter alone matches exactly the entries it describes', async (t) => {
  const api = shared
  const all = await allEntries(api)
  t.equal(all.length, N)
  const has = (e: Seed, tag: string): boolean => e.tags.some((x) => x.toLowerCase() === tag.toLowerCase())
  const cases: Array<[string, (e: Seed) => boolean]> = [
    ['type=TV', (e) => e.anime_type === 'TV'],
    ['type=movie', (e) => e.anime_type === 'Movie'],
    ['type=tv,OVA,Special', (e) => ['TV', 'OVA', 'Special'].includes(e.anime_type)],
    ['status=Finished', (e) => e.status === 'Finished'],
    ['status=ongoing,UPCOMING', (e) => ['Ongoing', 'Upcoming'].includes(e.status)],
    ['tags=Action', (e) => has(e, 'Action')],
    ['tags=action,Drama', (e) => has(e, 'Action') && has(e, 'Drama')],
    ['tags=dark%20fantasy', (e) => has(e, 'Dark fantasy')],
    ['tags=Nonexistent', () => false],
    ['exclude_tags=Action', (e) => !has(e, 'Action')],
    ['exclude_tags=action,comedy', (e) => !has(e, 'Action') && !has(e, 'Comedy')],
    ['exclude_tags=Nonexistent', () => true],
    ['year_min=2005', (e) => e.year !== null && e.year >= 2005],
    ['year_max=2000', (e) => e.year !== null && e.year <= 2000],
    ['year_min=2000&year_max=2000', (e) => e.year === 2000],
    ['year=2000', (e) => e.year === 2000],
    ['year=2000&year_min=2001', () => false],
    ['episodes_min=20', (e) => e.num_episodes >= 20],
    ['episodes_max=10', (e) => e.num_episodes <= 10],
    ['episodes_min=0&episodes_max=0', (e) => e.num_episodes === 0],
    ['', () => true]
  ]
  for (const [query, keep] of cases) {
    const expected = all.filter(keep)
    const { count, results } = await walk(t, api, `${query}&page_size=100`)
    t.equal(count, expected.length, `${query}: count`)
    t.same(ids(results), ids(expected), `${query}: the matching entries, by id`)
  }
  t.ok(all.some((e) => e.year === null), 'the fixture has entries of unknown year')
  t.ok(all.filter((e) => e.tags.includes('Action')).length > 3, 'and a common tag')
})

t.test('filters combine: every one must hold', async (t) => {
  const api = shared
  const all = await allEntries(api)
  const cases: Array<[string, (e: Seed) => boolean]> = [
    ['type=TV,Movie&status=Finished,Ongoing', (e) => ['TV', 'Movie'].includes(e.anime_type) && ['Finished', 'Ongoing'].includes(e.status)],
    ['tags=Drama&exclude_tags=Action&year_min=1995', (e) => e.tags.includes('Drama') && !e.tags.includes('Action') && e.year !== null && e.year >= 1995],
    ['year_min=1995&year_max=2010&episodes_min=5&episodes_max=30&type=TV,OVA,ONA',
      (e) => e.year !== null && e.year >= 1995 && e.year <= 2010 && e.num_episodes >= 5 && e.num_episodes <= 30 && ['TV', 'OVA', 'ONA'].includes(e.anime_type)],
    ['q=alpha&type=TV,Movie,OVA', (e) => /alpha/i.test(e.title) && ['TV', 'Movie', 'OVA'].includes(e.anime_type)]
  ]
  for (const [query, keep] of cases) {
    const expected = all.filter(keep)
    const { count, results } = await walk(t, api, `${query}&page_size=100`)
    t.equal(count, expected.length, `${query}: count`)
    t.same([...results].sort(byId), expected, `${query}: the matching entries`)
  }
})

t.test('paging: count, next and previous keep the other parameters, DRF style', async (t) => {
  const api = shared
  const all = await allEntries(api)
  const expected = all.filter((e) => e.anime_type !== 'Unknown')
  const query = 'type=tv,movie,ova,ona,special&page_size=4&format=json'
  const pages = Math.ceil(expected.length / 4)
  const seen: number[] = []
  for (let page = 1; page <= pages; page++) {
    const res = await api.inject({ url: `/anime/search?${query}${page === 1 ? '' : `&page=${page}`}`, headers: { host: 'api.example:8080' } })
    t.equal(res.statusCode, 200)
    const body = res.json()
    t.equal(body.count, expected.length)
    seen.push(...ids(body.results))
    const link = (n: number | null): string | null => n === null
      ? null
      : `http://api.example:8080/anime/search?format=json${n === 1 ? '' : `&page=${n}`}&page_size=4&type=tv%2Cmovie%2Cova%2Cona%2Cspecial`
    t.equal(body.next, link(page < pages ? page + 1 : null), `page ${page}: next`)
    t.equal(body.previous, link(page > 1 ? page - 1 : null), `page ${page}: previous`)
  }
  t.same(seen, ids(expected), 'the pages together hold every match once, in order')

  const last = await api.inject(`/anime/search?${query}&page=last`)
  t.same(ids(last.json().results), ids(expected).slice((pages - 1) * 4), 'page=last')
  for (const page of [pages + 1, 1000]) {
    const res = await api.inject(`/anime/search?${query}&page=${page}`)
    t.equal(res.statusCode, 404, `page ${page} is past the end`)
    t.same(res.json(), { detail: 'Invalid page.' })
  }
  const none = await api.inject('/anime/search?tags=Nonexistent')
  t.equal(none.statusCode, 200, 'an empty result is page 1 of 1')
  t.same(none.json(), { count: 0, next: null, previous: null, results: [] })
  t.equal((await api.inject('/anime/search?tags=Nonexistent&page=2')).statusCode, 404)

  const defaults = (await api.inject('/anime/search')).json()
  t.equal(defaults.results.length, 20, 'page_size defaults to 20')
  t.equal(new URL(defaults.next).search, '?page=2')
  t.same(Object.keys(defaults.results[0]), seedKeys, 'results are seed-shaped')
  t.same(defaults.results[0], all[0], 'the same entry as /anime/entry/:id')
  t.equal((await api.inject('/anime/search?page_size=100')).json().results.length, N, 'page_size up to 100')

  const spaced = (await api.inject('/anime/search?q=Synonym%20&page_size=1&tags=Action,Drama')).json()
  t.equal(new URL(spaced.next).search, '?page=2&page_size=1&q=Synonym+&tags=Action%2CDrama', 'values re-encoded as DRF does')
})

t.test('every ordering, reversed with -, ties by id; unknown years and scores last', async (t) => {
  const api = shared
  const all = await allEntries(api)
  const fold = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase())
  const cmp = (a: string | number, b: string | number): number => (a < b ? -1 : a > b ? 1 : 0)
  const nullsLast = (a: number | null, b: number | null, desc: boolean): number =>
    a === null || b === null ? Number(a === null) - Number(b === null) : desc ? b - a : a - b
  const orderings: Record<string, (a: Seed, b: Seed) => number> = {
    title: (a, b) => cmp(fold(a.title), fold(b.title)),
    '-title': (a, b) => cmp(fold(b.title), fold(a.title)),
    year: (a, b) => nullsLast(a.year, b.year, false),
    '-year': (a, b) => nullsLast(a.year, b.year, true),
    episodes: (a, b) => a.num_episodes - b.num_episodes,
    '-episodes': (a, b) => b.num_episodes - a.num_episodes,
    score: (a, b) => nullsLast(scoreOf(a.id), scoreOf(b.id), false),
    '-score': (a, b) => nullsLast(scoreOf(a.id), scoreOf(b.id), true),
    'year,-score': (a, b) => nullsLast(a.year, b.year, false) || nullsLast(scoreOf(a.id), scoreOf(b.id), true),
    '-episodes,title': (a, b) => b.num_episodes - a.num_episodes || cmp(fold(a.title), fold(b.title)),
    relevance: () => 0,
    '-relevance': () => 0
  }
  for (const [ordering, compare] of Object.entries(orderings)) {
    const expected = [...all].sort((a, b) => compare(a, b) || a.id - b.id)
    const { results } = await walk(t, api, `ordering=${ordering}&page_size=7`)
    t.same(ids(results), ids(expected), `ordering=${ordering}`)
  }
  t.ok(all.some((e) => scoreOf(e.id) === null), 'the fixture has entries without a score')

  // With q, relevance is the default: whole-title matches first.
  const relevance = (await api.inject('/anime/search?q=alpha')).json()
  t.same(relevance, (await api.inject('/anime/search?q=alpha&ordering=relevance')).json(), 'relevance is the default with q')
  const byYear = (await api.inject('/anime/search?q=alpha&ordering=-year&page_size=100')).json()
  t.same(ids(byYear.results), ids(all.filter((e) => /alpha/i.test(e.title)).sort((a, b) => nullsLast(a.year, b.year, true) || a.id - b.id)), 'q with another ordering')
})

t.test('bad parameters: 400 with one key per parameter and DRF messages', async (t) => {
  const api = shared
  const integer = 'A valid integer is required.'
  const cases: Array<[string, Record<string, string[]>]> = [
    ['year_min=abc', { year_min: [integer] }],
    ['year_max=12abc', { year_max: [integer] }],
    ['year=20x0', { year: [integer] }],
    ['episodes_min=1.5', { episodes_min: [integer] }],
    ['episodes_max=ten', { episodes_max: [integer] }],
    ['page=abc', { page: [integer] }],
    ['page_size=x', { page_size: [integer] }],
    ['page=0', { page: ['Ensure this value is greater than or equal to 1.'] }],
    ['page=-1', { page: ['Ensure this value is greater than or equal to 1.'] }],
    ['page_size=0', { page_size: ['Ensure this value is greater than or equal to 1.'] }],
    ['page_size=1000', { page_size: ['Ensure this value is less than or equal to 100.'] }],
    ['page_size=101', { page_size: ['Ensure this value is less than or equal to 100.'] }],
    ['episodes_min=-1', { episodes_min: ['Ensure this value is greater than or equal to 0.'] }],
    ['year_min=2010&year_max=2000', { year_min: ['Ensure this value is less than or equal to 2000.'] }],
    ['episodes_min=30&episodes_max=10', { episodes_min: ['Ensure this value is less than or equal to 10.'] }],
    ['ordering=popularity', { ordering: ['Select a valid choice. popularity is not one of the available choices.'] }],
    ['ordering=title,--year', { ordering: ['Select a valid choice. --year is not one of the available choices.'] }],
    ['type=Film', { type: ['Select a valid choice. Film is not one of the available choices.'] }],
    ['type=TV,Show,Cartoon', { type: ['Select a valid choice. Show is not one of the available choices.', 'Select a valid choice. Cartoon is not one of the available choices.'] }],
    ['status=Airing', { status: ['Select a valid choice. Airing is not one of the available choices.'] }],
    [`q=${'x'.repeat(201)}`, { q: ['Ensure this field has no more than 200 characters.'] }],
    ['type=Film&year_min=x&ordering=foo&page_size=0', {
      type: ['Select a valid choice. Film is not one of the available choices.'],
      year_min: [integer],
      ordering: ['Select a valid choice. foo is not one of the available choices.'],
      page_size: ['Ensure this value is greater than or equal to 1.']
    }]
  ]
  for (const [query, errors] of cases) {
    const res = await api.inject(`/anime/search?${query}`)
    t.equal(res.statusCode, 400, query)
    t.same(res.json(), errors, query)
    t.same(Object.keys(res.json()), Object.keys(errors), `${query}: keys in parameter order`)
  }
  for (const query of ['year_min=12.0', 'year_min=+1990', 'page=1&page_size=100', 'year_min=&type=&q=', 'format=json', 'format=api', 'unknown=1']) {
    t.equal((await api.inject(`/anime/search?${query}`)).statusCode, 200, `${query} is fine`)
  }
  t.equal((await api.inject('/anime/search?format=xml')).statusCode, 404, 'other formats are 404, as everywhere')
})

t.test('random with filters: only matching entries, 404 when none', async (t) => {
  const api = shared
  const all = await allEntries(api)
  const matching = new Set(ids(all.filter((e) => e.anime_type === 'TV' && e.tags.includes('Drama'))))
  t.ok(matching.size >= 2, 'the filter matches several entries')
  const seen = new Set<number>()
  const drawn: Array<{ id: number }> = []
  for (let i = 0; i < 300; i++) {
    const res = await api.inject('/anime/random?type=tv&tags=drama&q=ignored&ordering=title&page=3')
    t.equal(res.statusCode, 200)
    drawn.push(res.json())
    seen.add(res.json().id)
  }
  t.same(Object.keys(drawn[0]!), seedKeys, 'seed-shaped')
  t.same(drawn.filter((body) => !matching.has(body.id)).map((body) => body.id), [], 'every draw matches')
  t.same([...seen].sort((a, b) => a - b), [...matching].sort((a, b) => a - b), 'every matching entry comes up')

  const years = new Set(ids(all.filter((e) => e.year !== null && e.year >= 2010 && e.num_episodes <= 20)))
  const inRanges: number[] = []
  for (let i = 0; i < 50; i++) inRanges.push((await api.inject('/anime/random?year_min=2010&episodes_max=20')).json().id)
  t.same(inRanges.filter((id) => !years.has(id)), [], 'every draw matches the ranges')
  for (const query of ['tags=Nonexistent', 'type=TV&status=Upcoming&year_min=2100', 'exclude_tags=' + ['Action', 'Drama', 'Comedy', 'Horror', 'Romance', 'Sci-fi', 'Mecha', 'Dark fantasy', 'Slice of life', 'Sports'].join(',')]) {
    const res = await api.inject(`/anime/random?${query}`)
    t.equal(res.statusCode, 404, query)
    t.same(res.json(), { detail: 'Not found.' })
  }
  const bad = await api.inject('/anime/random?year_min=x&type=Film')
  t.equal(bad.statusCode, 400)
  t.same(bad.json(), { type: ['Select a valid choice. Film is not one of the available choices.'], year_min: ['A valid integer is required.'] })
  t.equal((await api.inject('/anime/random')).statusCode, 200, 'without filters as before')
})

t.test('random with filters is uniform over the matches, whether a pick matches early or the matches are counted', async (t) => {
  const api = shared
  const all = await allEntries(api)
  // A seeded generator: the same draws every run (mulberry32).
  let state = 20261125
  const random = (): number => {
    state = (state + 0x6d2b79f5) | 0
    let x = Math.imul(state ^ (state >>> 15), 1 | state)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
  // A filter 6 of the 40 entries pass (picks nearly always match within the tries),
  // and one 2 pass (about a third of the draws fall back to counting the matches).
  const cases = [
    { filters: { types: ['TV'] }, matches: all.filter((e) => e.anime_type === 'TV') },
    { filters: { types: ['Movie'], tags: ['Drama'] }, matches: all.filter((e) => e.anime_type === 'Movie' && e.tags.includes('Drama')) }
  ]
  for (const { filters, matches } of cases) {
    t.ok(matches.length >= 2, `${JSON.stringify(filters)} matches ${matches.length} entries`)
    const draws = 600 * matches.length
    const counts = new Map<number, number>()
    const strays: Array<number | undefined> = []
    for (let i = 0; i < draws; i++) {
      const entry = await api.discovery.randomMatching(filters, random)
      if (entry === undefined || !matches.some((m) => m.id === entry.id)) strays.push(entry?.id)
      else counts.set(entry.id, (counts.get(entry.id) ?? 0) + 1)
    }
    t.same(strays, [], 'every draw is a match')
    // Pearson's chi-squared against equal shares, below its p = 0.001 point (Wilson-Hilferty).
    const expected = draws / matches.length
    const chi2 = matches.reduce((sum, m) => sum + ((counts.get(m.id) ?? 0) - expected) ** 2 / expected, 0)
    const k = matches.length - 1
    const critical = k * (1 - 2 / (9 * k) + 3.09 * Math.sqrt(2 / (9 * k))) ** 3
    t.ok(chi2 < critical, `${JSON.stringify(filters)}: counts ${JSON.stringify([...counts.values()])}, chi-squared ${chi2.toFixed(1)} < ${critical.toFixed(1)}`)
  }
})

t.test('tags: counts equal a direct count, most used first, prefix and limit/offset', async (t) => {
  const api = shared
  const all = await allEntries(api)
  const direct = new Map<string, number>()
  for (const e of all) for (const tag of e.tags) direct.set(tag, (direct.get(tag) ?? 0) + 1)
  const expected = [...direct].map(([name, count]) => ({ name, count }))
    .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : 1))
  const res = await api.inject('/anime/tags')
  t.equal(res.statusCode, 200)
  t.same(res.json(), { count: expected.length, next: null, previous: null, results: expected })

  const prefixed = (await api.inject('/anime/tags?q=d')).json()
  t.same(prefixed.results, expected.filter((x) => x.name.toLowerCase().startsWith('d')), 'q is a case-insensitive prefix')
  t.same((await api.inject('/anime/tags?q=%25')).json().results, [], '% is no wildcard')

  const first = (await api.inject({ url: '/anime/tags?limit=3', headers: { host: 'h' } })).json()
  t.same(first.results, expected.slice(0, 3))
  t.equal(first.next, 'http://h/anime/tags?limit=3&offset=3')
  t.equal(first.previous, null)
  const second = (await api.inject({ url: '/anime/tags?limit=3&offset=3', headers: { host: 'h' } })).json()
  t.same(second.results, expected.slice(3, 6))
  t.equal(second.previous, 'http://h/anime/tags?limit=3')
  t.same((await api.inject('/anime/tags?offset=1000')).json().results, [])

  for (const [query, errors] of [
    ['limit=0', { limit: ['Ensure this value is greater than or equal to 1.'] }],
    ['limit=abc', { limit: ['A valid integer is required.'] }],
    ['limit=1001', { limit: ['Ensure this value is less than or equal to 1000.'] }],
    ['offset=-1', { offset: ['Ensure this value is greater than or equal to 0.'] }]
  ] as const) {
    const bad = await api.inject(`/anime/tags?${query}`)
    t.equal(bad.statusCode, 400, query)
    t.same(bad.json(), errors, query)
  }
})

t.test('details: every field, related anime resolved to our ids', async (t) => {
  const api = shared
  const res = await api.inject('/anime/entry/3/details')
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.same(Object.keys(body).slice(0, 9), seedKeys, 'the seed fields first')
  t.same(Object.fromEntries(seedKeys.map((k) => [k, body[k]])), (await api.inject('/anime/entry/3')).json())
  t.same(body.sources, ['https://anidb.net/anime/3', 'https://myanimelist.net/anime/100003'])
  t.same(body.synonyms, ['Synonym 3'])
  t.equal(body.season, 'Fall')
  t.same(body.studios, ['studio a'])
  t.same(body.producers, ['producer b'])
  t.equal(body.score, scoreOf(3))
  t.equal(body.score_mean, 5)
  t.equal(body.score_median, 5)
  t.equal(body.episode_duration, 1440)
  t.equal(body.thumbnail, 'https://cdn.example/3t.jpg')
  t.same(body.related, [
    { id: 4, title: records[3]!.title, url: 'https://anidb.net/anime/4' },
    { id: null, title: null, url: 'https://myanimelist.net/anime/999999' }
  ])
  const noSeason = (await api.inject('/anime/entry/7/details')).json()
  t.equal(noSeason.season, null)
  t.equal(noSeason.year, null)
  t.equal((await api.inject('/anime/entry/5/details')).json().score, null)
  for (const id of ['999', '0', 'abc']) {
    const missing = await api.inject(`/anime/entry/${id}/details`)
    t.equal(missing.statusCode, 404, id)
    t.same(missing.json(), { detail: 'Not found.' })
  }
})

t.test('similar: never itself, scores descending in 0..1, shared tags really shared, related present', async (t) => {
  const api = shared
  const all = await allEntries(api)
  for (const id of [1, 2, 9, 24]) {
    const res = await api.inject(`/anime/entry/${id}/similar?limit=50`)
    t.equal(res.statusCode, 200)
    const body = res.json()
    t.same(Object.keys(body), ['count', 'next', 'previous', 'results'])
    t.equal(body.count, body.results.length)
    const me = all[id - 1]!
    const resultIds = body.results.map((r: { anime: Seed }) => r.anime.id)
    t.notOk(resultIds.includes(id), `${id}: never itself`)
    t.equal(new Set(resultIds).size, resultIds.length, `${id}: no duplicates`)
    let previous = Infinity
    for (const r of body.results as Array<{ anime: Seed, score: number, shared_tags: string[], related: boolean }>) {
      t.same(Object.keys(r), ['anime', 'score', 'shared_tags', 'related'])
      t.same(r.anime, all[r.anime.id - 1], 'seed-shaped')
      t.ok(r.score >= 0 && r.score <= 1, 'score in 0..1')
      t.ok(r.score <= previous, 'scores descending')
      previous = r.score
      for (const tag of r.shared_tags) t.ok(me.tags.includes(tag) && r.anime.tags.includes(tag), `${tag} shared`)
      t.same([...r.shared_tags].sort(), me.tags.filter((tag) => r.anime.tags.includes(tag)).sort(), 'all shared tags listed')
      t.ok(r.related || r.score > 0, 'related, or sharing something')
    }
    const partner = id % 2 === 1 ? id + 1 : id - 1
    const related = body.results.find((r: { anime: Seed }) => r.anime.id === partner)
    t.ok(related?.related, `${id}: its sequel or prequel ${partner} is there, marked related`)
    t.ok(related.score >= 0.5, 'related ranks by its own signal')
  }
  const limited = (await api.inject('/anime/entry/1/similar?limit=3')).json()
  t.equal(limited.results.length, 3)
  t.equal((await api.inject('/anime/entry/1/similar')).json().results.length, 10, 'limit defaults to 10')
  for (const [query, errors] of [
    ['limit=0', { limit: ['Ensure this value is greater than or equal to 1.'] }],
    ['limit=51', { limit: ['Ensure this value is less than or equal to 50.'] }],
    ['limit=many', { limit: ['A valid integer is required.'] }]
  ] as const) {
    const bad = await api.inject(`/anime/entry/1/similar?${query}`)
    t.equal(bad.statusCode, 400, query)
    t.same(bad.json(), errors)
  }
  t.equal((await api.inject('/anime/entry/999/similar')).statusCode, 404)
  t.equal((await api.inject('/anime/entry/x/similar')).statusCode, 404)
})

t.test('rare shared tags weigh more than common ones', async (t) => {
  const list = [
    aodRecord(1, { tags: ['common', 'rare a', 'rare b'] }),
    aodRecord(2, { tags: ['common', 'rare a', 'rare b'] }), // shares both rare tags
    aodRecord(3, { tags: ['common', 'rare a'] }),
    ...Array.from({ length: 10 }, (_, i) => aodRecord(4 + i, { tags: ['common', `other ${i}`] }))
  ]
  const api = await fixtureApp(t, list)
  const body = (await api.inject('/anime/entry/1/similar?limit=50')).json()
  const order = body.results.map((r: { anime: Seed }) => r.anime.id)
  t.same(order.slice(0, 2), [2, 3], 'the entries sharing rare tags first')
  t.equal(body.results[0].score, 1, 'the same tags: 1')
  t.same(body.results[1].shared_tags, ['Rare a', 'Common'], 'rarest first')
})

t.test('any text is a search, never an FTS5 syntax error', async (t) => {
  const api = shared
  for (const q of ['"', '*', 'AND', 'OR', 'NOT', 'NEAR(a', 'a"b"c', '\u0000abc', 'tok\u0000yo', '---', '()', '{title}:x', '^a', 'a*b', '😀😀😀', '\\', "'; DROP TABLE anime; --"]) {
    const res = await api.inject(`/anime/search?q=${encodeURIComponent(q)}`)
    t.equal(res.statusCode, 200, JSON.stringify(q))
    t.same(Object.keys(res.json()), ['count', 'next', 'previous', 'results'])
  }
  t.equal((await api.inject('/anime/search?q=alpha%20OR%20zeta')).json().count, 0, 'OR is a word, not an operator')
  t.equal((await api.inject('/anime/search?q=Alpha')).json().count, (await api.inject('/anime/search?q=alpha')).json().count)
  t.equal((await api.inject('/anime/search?q=BETA')).json().count, (await api.inject('/anime/search?q=b%C3%A9ta')).json().count, 'diacritics-insensitive')
  t.ok((await api.inject('/anime/search?q=BETA')).json().count > 0)
})

t.test('the new endpoints follow the General rules: HEAD, OPTIONS, 405, ?format=api', async (t) => {
  const api = shared
  for (const path of ['/anime/search', '/anime/tags', '/anime/entry/1/details', '/anime/entry/1/similar']) {
    const head = await api.inject({ method: 'HEAD', url: path })
    t.equal(head.statusCode, 200, `HEAD ${path}`)
    t.equal(head.body, '')
    const options = await api.inject({ method: 'OPTIONS', url: path })
    t.equal(options.statusCode, 200, `OPTIONS ${path}`)
    t.equal(options.headers.allow, 'GET, HEAD, OPTIONS')
    const post = await api.inject({ method: 'POST', url: path })
    t.equal(post.statusCode, 405, `POST ${path}`)
    t.same(post.json(), { detail: 'Method "POST" not allowed.' })
    const html = await api.inject(`${path}?format=api`)
    t.equal(html.statusCode, 200)
    t.match(html.headers['content-type'], /^text\/html/)
    t.equal((await api.inject(`${path}?format=yaml`)).statusCode, 404)
    t.equal((await api.inject(`${path}/`)).statusCode, 404, 'no trailing slash')
  }
})

t.test('small pages of common tags (scanned in order) equal the full list', async (t) => {
  const api = shared
  for (const query of ['tags=action', 'tags=action,drama', 'tags=drama&exclude_tags=comedy', 'tags=action&ordering=-title', 'tags=drama&type=tv,ova&ordering=year']) {
    const full = (await api.inject(`/anime/search?${query}&page_size=100`)).json()
    const { count, results } = await walk(t, api, `${query}&page_size=1`)
    t.equal(count, full.count, `${query}: count`)
    t.same(ids(results), ids(full.results), `${query}: one by one, the same entries in the same order`)
    t.ok(full.count >= 2, `${query}: several matches`)
  }
})
