// Issue 16: the /v4 routes against Jikan's published OpenAPI document (a copy
// under test/fixtures/jikan): every answer validates against its schemas and has
// every property they list; values come from the catalogue by the documented
// rules (checked against the native details of the same entry); every error
// path answers in Jikan's shape; a property test never sees a 5xx.
import zlib from 'node:zlib'
import t, { type Test } from 'tap'
import fc from 'fast-check'
import { buildApp, tempDir } from '../../helpers/app.js'
import { writeAod, aodRecord } from '../../helpers/aod.js'
import { FIXTURE_SIZE, jikanFixture, jikanFixtures, jikanSpec, malIdOfFixture, missingKeys, responseSchema, schemaErrors, type JikanSpec } from '../../helpers/jikan.js'
import { importCatalogueFile } from '../../../src/catalogue/import.js'

type Api = Awaited<ReturnType<typeof buildApp>>
type Json = any

const fixtures = jikanFixtures()
const withMal = fixtures.map((_, i) => i + 1).filter((n) => malIdOfFixture(n) !== null)
// Fall 2003: the season of the injected clock (fixture entries of year 2003 and season FALL).
const now = Date.UTC(2003, 10, 20)
const dir = tempDir(t)
const api = await buildApp(t, { dataDir: dir, defaultCatalogue: writeAod(dir, fixtures), now: () => now })
const spec: JikanSpec = await jikanSpec()

async function get (url: string, headers: Record<string, string> = {}): Promise<{ status: number, body: Json, headers: Record<string, unknown> }> {
  const res = await api.inject({ method: 'GET', url, headers })
  return { status: res.statusCode, body: res.body === '' ? undefined : JSON.parse(res.body), headers: res.headers }
}

/** GET `url`: 200, valid against the document's answer for `docPath`, every listed property present. */
async function served (tt: Test, url: string, docPath: string): Promise<Json> {
  const res = await get(url)
  tt.equal(res.status, 200, `${url}: 200`)
  tt.match(String(res.headers['content-type']), /^application\/json/, `${url}: JSON`)
  const schema = responseSchema(spec, docPath)
  tt.same(schemaErrors(schema, res.body), [], `${url} validates against ${docPath}`)
  tt.same(missingKeys(schema, res.body), [], `${url} has every property of ${docPath}`)
  return res.body
}

const details = async (n: number): Promise<Json> => (await get(`/anime/entry/${n}/details`)).body

t.test('every served entry answers every anime endpoint, valid and complete', async (t) => {
  let relations = 0
  let recommendations = 0
  let pictures = 0
  for (const n of withMal) {
    const mal = malIdOfFixture(n)!
    const one = await served(t, `/v4/anime/${mal}`, '/anime/{id}')
    t.equal(one.data.mal_id, mal)
    const full = await served(t, `/v4/anime/${mal}/full`, '/anime/{id}/full')
    t.same(Object.keys(full.data).slice(0, Object.keys(one.data).length), Object.keys(one.data), 'full starts with the anime resource')
    const rel = await served(t, `/v4/anime/${mal}/relations`, '/anime/{id}/relations')
    t.same(full.data.relations, rel.data, 'full has the relations')
    relations += rel.data.length
    const external = await served(t, `/v4/anime/${mal}/external`, '/anime/{id}/external')
    t.same(full.data.external, external.data, 'full has the external links')
    pictures += (await served(t, `/v4/anime/${mal}/pictures`, '/anime/{id}/pictures')).data.length
    recommendations += (await served(t, `/v4/anime/${mal}/recommendations`, '/anime/{id}/recommendations')).data.length
  }
  // The key walks above saw every kind of item, not only empty lists.
  t.ok(relations > 0 && recommendations > 0 && pictures > 0, 'relations, recommendations and pictures were seen')
})

t.test('values come from the catalogue by the documented rules', async (t) => {
  const types: Record<string, string | null> = { TV: 'TV', Movie: 'Movie', OVA: 'OVA', ONA: 'ONA', Special: 'Special', Unknown: null }
  const statuses: Record<string, string | null> = { Finished: 'Finished Airing', Ongoing: 'Currently Airing', Upcoming: 'Not yet aired', Unknown: null }
  for (const n of withMal) {
    const mal = malIdOfFixture(n)!
    const native = await details(n)
    const anime = (await get(`/v4/anime/${mal}/full`)).body.data
    t.equal(anime.url, `https://myanimelist.net/anime/${mal}`)
    t.equal(anime.title, native.title)
    t.same(anime.title_synonyms, native.synonyms)
    t.same(anime.titles, [{ type: 'Default', title: native.title }, ...native.synonyms.map((s: string) => ({ type: 'Synonym', title: s }))])
    t.equal(anime.type, types[native.anime_type])
    t.equal(anime.episodes, native.num_episodes === 0 ? null : native.num_episodes)
    t.equal(anime.status, statuses[native.status])
    t.equal(anime.airing, native.status === 'Ongoing')
    t.equal(anime.year, native.year)
    t.equal(anime.season, native.season === null ? null : native.season.toLowerCase())
    t.same(anime.aired.prop.from, { day: null, month: null, year: native.year }, 'aired: the year only')
    t.equal(anime.aired.from, null)
    t.equal(anime.score, native.score)
    t.equal(anime.images.jpg.image_url, native.picture)
    t.equal(anime.images.jpg.small_image_url, native.thumbnail)
    t.same(anime.studios.map((s: Json) => s.name), native.studios)
    t.same(anime.producers.map((s: Json) => s.name), native.producers)
    for (const field of ['synopsis', 'rank', 'popularity', 'members', 'favorites', 'scored_by', 'rating', 'source', 'background', 'title_english', 'title_japanese']) {
      t.equal(anime[field], null, `${field} is not invented`)
    }
    t.same(anime.external.map((l: Json) => l.url), native.sources.filter((s: string) => s !== anime.url), 'external: the other sources')
    const related = native.related.filter((r: Json) => r.id !== null).map((r: Json) => malIdOfFixture(r.id)).filter((m: number | null) => m !== null)
    t.same(anime.relations.flatMap((r: Json) => r.entry.map((e: Json) => e.mal_id)), related, 'relations: the served related entries with a MyAnimeList id')
    t.ok(anime.relations.every((r: Json) => r.relation === 'Other'))
  }
})

t.test("company URLs are the asking origin's, whichever origin asked first (answers are kept per entry)", async (t) => {
  const withCompanies: number[] = []
  for (const n of withMal) {
    const anime = (await get(`/v4/anime/${malIdOfFixture(n)!}`)).body.data
    if (anime.studios.length + anime.producers.length > 0) withCompanies.push(malIdOfFixture(n)!)
  }
  t.ok(withCompanies.length > 0, 'the fixtures have entries with studios or producers')
  for (const host of ['one.example', 'two.example:8080', 'one.example']) {
    for (const id of withCompanies) {
      const one = (await get(`/v4/anime/${id}`, { host })).body.data
      const page = (await get(`/v4/anime?q=${encodeURIComponent(one.title)}`, { host })).body.data as Json[]
      for (const anime of [one, ...page.filter((a) => a.mal_id === id)]) {
        for (const company of [...anime.studios, ...anime.producers]) t.equal(company.url, `http://${host}/v4/producers/${company.mal_id}`, `${host}: ${company.name}`)
      }
    }
  }
})

t.test('durations in MyAnimeList\'s words, genres from tags', async (t) => {
  const anime = async (n: number): Promise<Json> => (await get(`/v4/anime/${malIdOfFixture(n)}`)).body.data
  t.equal((await anime(2)).duration, '24 min per ep')
  t.equal((await anime(1)).duration, '1 hr 31 min', 'one episode: no "per ep"')
  t.equal((await anime(26)).duration, '45 sec per ep')
  t.equal((await anime(7)).duration, null, 'unknown duration')
  const names = (list: Json[]) => list.map((g) => g.name)
  // Fixture n has tag set n % 8 (see test/helpers/jikan.ts).
  const shounen = await anime(8) // action, shounen, sci-fi, male protagonist
  t.same(names(shounen.genres), ['Action', 'Sci-Fi'])
  t.same(names(shounen.demographics), ['Shounen'])
  t.same(names(shounen.themes), [], '"male protagonist" matches no genre and is left out')
  t.same(names((await anime(1)).themes), ['Harem', 'School'])
  t.same(names((await anime(2)).genres), ['Drama', 'Suspense'], '"thriller" is Suspense')
  t.same(names((await anime(3)).themes), ['CGDCT', 'Iyashikei'], '"cute girls doing cute things" is CGDCT')
  t.same(names((await anime(4)).explicit_genres), ['Hentai'])
  t.same(names((await anime(5)).explicit_genres), ['Ecchi', 'Erotica'])
  const isekai = await anime(6)
  t.same([names(isekai.genres), names(isekai.themes), names(isekai.demographics)], [['Fantasy'], ['Isekai', 'Mahou Shoujo'], ['Kids']], '"magical girl" is Mahou Shoujo')
  const sciFi = await anime(7) // mecha, space, military, science fiction
  t.same(names(sciFi.genres), ['Sci-Fi'], '"science fiction" is Sci-Fi')
  t.same(names(sciFi.themes), ['Mecha', 'Military', 'Space'])
  const list = (await get('/v4/genres/anime')).body.data as Json[]
  for (const ref of [...shounen.genres, ...shounen.demographics, ...sciFi.themes, ...isekai.themes]) {
    const listed = list.find((g) => g.mal_id === ref.mal_id)
    t.same(ref, { mal_id: listed.mal_id, type: 'anime', name: listed.name, url: listed.url }, `${ref.name} as /v4/genres/anime lists it`)
  }
})

t.test('search is the catalogue search, restricted to entries with a MyAnimeList id', async (t) => {
  const mine = new Set(withMal.map((n) => malIdOfFixture(n)))
  // Every page, in order: exactly the entries with a MyAnimeList id.
  const seen: number[] = []
  let page = 1
  for (;;) {
    const body = await served(t, `/v4/anime?limit=7&page=${page}`, '/anime')
    t.equal(body.pagination.items.total, withMal.length)
    t.equal(body.pagination.items.per_page, 7)
    t.equal(body.pagination.current_page, page)
    t.equal(body.pagination.items.count, body.data.length)
    seen.push(...body.data.map((a: Json) => a.mal_id))
    if (!body.pagination.has_next_page) { t.equal(body.pagination.last_visible_page, page); break }
    page++
  }
  t.same(seen, withMal.map((n) => malIdOfFixture(n)), 'catalogue order, every entry with a MyAnimeList id once')
  t.same((await get(`/v4/anime?limit=7&page=${page + 1}`)).body.data, [], 'a page past the end is empty')
  // Text: the same entries in the same order as /anime/search, typos included.
  for (const q of ['sora', 'kiseki', 'umi no monogatari', 'monogatri', 'kiseky', '別名1']) {
    const native = (await get(`/anime/search?q=${encodeURIComponent(q)}&page_size=100`)).body.results.map((e: Json) => malIdOfFixture(e.id)).filter((m: number | null) => m !== null && mine.has(m))
    const v4 = (await served(t, `/v4/anime?q=${encodeURIComponent(q)}`, '/anime')).data.map((a: Json) => a.mal_id)
    t.ok(native.length > 0, `${q} finds something`)
    t.same(v4, native.slice(0, 25), `q=${q} as /anime/search`)
  }
})

t.test('search filters', async (t) => {
  const all = await Promise.all(withMal.map(async (n) => ({ n, native: await details(n), jikan: (await get(`/v4/anime/${malIdOfFixture(n)}`)).body.data })))
  const expect = async (query: string, keep: (e: typeof all[number]) => boolean, order?: (a: typeof all[number], b: typeof all[number]) => number) => {
    const got: number[] = []
    let body: Json
    for (let page = 1; ; page++) {
      body = await served(t, `/v4/anime?limit=10&page=${page}&${query}`, '/anime')
      got.push(...body.data.map((a: Json) => a.mal_id))
      if (!body.pagination.has_next_page) break
    }
    const wanted = all.filter(keep)
    if (order !== undefined) wanted.sort(order)
    const ids = wanted.map((e) => e.jikan.mal_id as number)
    const sorted = (list: number[]) => [...list].sort((a, b) => a - b)
    t.same(order === undefined ? sorted(got) : got, order === undefined ? sorted(ids) : ids, query)
    t.equal(body.pagination.items.total, wanted.length, `${query}: total`)
  }
  const genre = (e: typeof all[number], id: number) => [...e.jikan.genres, ...e.jikan.explicit_genres, ...e.jikan.themes, ...e.jikan.demographics].some((g: Json) => g.mal_id === id)
  await expect('type=tv', (e) => e.native.anime_type === 'TV')
  await expect('type=MOVIE', (e) => e.native.anime_type === 'Movie')
  await expect('status=airing', (e) => e.native.status === 'Ongoing')
  await expect('status=complete', (e) => e.native.status === 'Finished')
  await expect('status=upcoming', (e) => e.native.status === 'Upcoming')
  await expect('min_score=6&max_score=8', (e) => e.native.score !== null && e.native.score >= 6 && e.native.score <= 8)
  await expect('min_score=0&max_score=10', () => true)
  await expect(`score=${all[0]!.native.score}`, (e) => e.native.score === all[0]!.native.score)
  await expect('genres=1,27', (e) => genre(e, 1) && genre(e, 27))
  await expect('genres=24', (e) => genre(e, 24))
  await expect('genres_exclude=4,24', (e) => !genre(e, 4) && !genre(e, 24))
  await expect('sfw', (e) => !genre(e, 12) && !genre(e, 49))
  await expect('sfw=false', () => true)
  await expect('letter=u', (e) => e.native.title.toLowerCase().startsWith('u'))
  await expect('start_date=2003-01-01&end_date=2005-12-31', (e) => e.native.year !== null && e.native.year >= 2003 && e.native.year <= 2005)
  await expect('producers=999', () => false)
  const shared = all.find((e) => e.native.producers.includes('shared producer'))!.jikan.producers.find((p: Json) => p.name === 'shared producer').mal_id
  await expect(`producers=${shared}`, (e) => e.native.producers.includes('shared producer'))
  await expect(`producer=${shared}`, (e) => e.native.producers.includes('shared producer'))
  const byScore = (a: typeof all[number], b: typeof all[number]) => (b.native.score ?? -1) - (a.native.score ?? -1) || a.n - b.n
  await expect('order_by=score&sort=desc', () => true, byScore)
  await expect('order_by=mal_id&sort=desc', () => true, (a, b) => b.jikan.mal_id - a.jikan.mal_id)
  await expect('order_by=type', () => true, (a, b) => a.native.anime_type < b.native.anime_type ? -1 : a.native.anime_type > b.native.anime_type ? 1 : a.n - b.n)
  await expect('order_by=title', () => true, (a, b) => a.native.title.toLowerCase() < b.native.title.toLowerCase() ? -1 : a.native.title.toLowerCase() > b.native.title.toLowerCase() ? 1 : a.n - b.n)
})

t.test('top, random, seasons, genres and producers', async (t) => {
  const top = await served(t, '/v4/top/anime?limit=25', '/top/anime')
  const scores = top.data.map((a: Json) => a.score)
  t.ok(scores.length > 0 && scores.every((s: number | null) => s !== null), 'ranked entries have a score')
  t.same(scores, [...scores].sort((a, b) => b - a), 'best first')
  t.notOk(top.data.some((a: Json) => a.explicit_genres.some((g: Json) => g.name === 'Hentai')), 'no Hentai')
  const airing = await served(t, '/v4/top/anime?filter=airing', '/top/anime')
  t.ok(airing.data.length > 0 && airing.data.every((a: Json) => a.airing), 'airing')
  t.ok((await served(t, '/v4/top/anime?filter=upcoming&type=tv', '/top/anime')).data.every((a: Json) => a.status === 'Not yet aired' && a.type === 'TV'))

  const mine = new Set(withMal.map((n) => malIdOfFixture(n)))
  for (let i = 0; i < 10; i++) t.ok(mine.has((await served(t, '/v4/random/anime', '/random/anime')).data.mal_id), 'random: an entry with a MyAnimeList id')

  const seasons = await served(t, '/v4/seasons', '/seasons')
  const expected = new Map<number, Set<string>>()
  for (const n of withMal) {
    const season = fixtures[n - 1]!.animeSeason as { season?: string, year?: number }
    if (season.year === undefined || season.season === undefined || season.season === 'UNDEFINED') continue
    expected.set(season.year, (expected.get(season.year) ?? new Set()).add(season.season.toLowerCase()))
  }
  t.same(seasons.data.map((s: Json) => s.year), [...expected.keys()].sort((a, b) => b - a), 'years, latest first')
  for (const { year, seasons: names } of seasons.data) t.same(new Set(names), expected.get(year), `${year}`)

  const fall = await served(t, '/v4/seasons/2003/fall', '/seasons/{year}/{season}')
  t.ok(fall.data.length > 0 && fall.data.every((a: Json) => a.year === 2003 && a.season === 'fall'), 'one season')
  t.same((await served(t, '/v4/seasons/now', '/seasons/now')).data, fall.data, 'now: the season of the clock')
  t.same((await served(t, '/v4/seasons/2003/FALL?filter=tv', '/seasons/{year}/{season}')).data.map((a: Json) => a.type), fall.data.filter((a: Json) => a.type === 'TV').map(() => 'TV'))
  const upcoming = await served(t, '/v4/seasons/upcoming', '/seasons/upcoming')
  t.ok(upcoming.data.length > 0 && upcoming.data.every((a: Json) => a.status === 'Not yet aired'))

  const genres = await served(t, '/v4/genres/anime', '/genres/anime')
  t.equal(genres.data.length, 78, "MyAnimeList's 78 genres, themes and demographics")
  for (const filter of ['genres', 'explicit_genres', 'themes', 'demographics']) {
    const some = await served(t, `/v4/genres/anime?filter=${filter}`, '/genres/anime')
    t.ok(some.data.length > 0 && some.data.length < 78, filter)
  }
  for (const genre of genres.data.filter((g: Json) => [1, 24, 27, 12].includes(g.mal_id))) {
    const found = (await get(`/v4/anime?genres=${genre.mal_id}`)).body.pagination.items.total
    t.equal(genre.count, found, `${genre.name}: count = entries found by it`)
    t.ok(genre.count > 0)
  }

  const producers = await served(t, '/v4/producers', '/producers')
  t.ok(producers.data.length > 0)
  for (const producer of producers.data) {
    t.match(producer.url, new RegExp(`/v4/producers/${producer.mal_id}$`))
    const found = (await get(`/v4/anime?producers=${producer.mal_id}`)).body.pagination.items.total
    t.equal(producer.count, found, `${producer.titles[0].title}: count`)
    t.same((await served(t, `/v4/producers/${producer.mal_id}`, '/producers/{id}')).data, producer)
    t.same((await served(t, `/v4/producers/${producer.mal_id}/full`, '/producers/{id}/full')).data, { ...producer, external: [] })
  }
  const byCount = await served(t, '/v4/producers?order_by=count&sort=desc&limit=3', '/producers')
  t.same(byCount.data.map((p: Json) => p.count), [...producers.data.map((p: Json) => p.count)].sort((a, b) => b - a).slice(0, 3))
  t.ok((await served(t, '/v4/producers?q=shared', '/producers')).data.every((p: Json) => p.titles[0].title.includes('shared')))
  t.ok((await served(t, '/v4/producers?letter=S', '/producers')).data.every((p: Json) => p.titles[0].title.startsWith('s')))
})

const validationBody = (messages: Record<string, string[]>) => ({
  status: 400,
  type: 'ValidationException',
  messages,
  error: 'Invalid or incomplete request. Make sure your request is correct. https://docs.api.jikan.moe/'
})

t.test('bad parameters: 400 with Jikan\'s per-parameter messages', async (t) => {
  const cases: Array<[string, Record<string, string[]>]> = [
    ['/v4/anime?limit=0', { limit: ['The limit must be at least 1.'] }],
    ['/v4/anime?limit=26', { limit: ["Value 26 is higher than the configured '25' max value."] }],
    ['/v4/anime?limit=ten&page=0', { limit: ['The limit must be an integer.'], page: ['The page must be at least 1.'] }],
    ['/v4/anime?page=x', { page: ['The page must be an integer.'] }],
    ['/v4/anime?type=show', { type: ['The type field is not a valid App\\Enums\\AnimeTypeEnum.'] }],
    ['/v4/anime?status=done&order_by=fame&sort=up', {
      status: ['The status field is not a valid App\\Enums\\AnimeStatusEnum.'],
      order_by: ['The order by field is not a valid App\\Enums\\AnimeOrderByEnum.'],
      sort: ['The sort field is not a valid App\\Enums\\SortDirection.']
    }],
    ['/v4/anime?rating=x', { rating: ['The rating field is not a valid App\\Enums\\AnimeRatingEnum.'] }],
    ['/v4/anime?min_score=x&max_score=0&score=10', {
      min_score: ['The min score must be a number.'],
      max_score: ['The max score must be between 1 and 10.'],
      score: ['The score must be between 1 and 9.99.']
    }],
    ['/v4/anime?sfw=maybe', { sfw: ['The sfw field must be true or false.'] }],
    ['/v4/anime?letter=ab', { letter: ['The letter must be 1 characters.'] }],
    ['/v4/anime?letter=1', { letter: ['The letter must only contain letters.'] }],
    [`/v4/anime?q=${'a'.repeat(256)}`, { q: ['The q must not be greater than 255 characters.'] }],
    ['/v4/anime?start_date=2020', { start_date: ['The start date does not match the format Y-m-d.'] }],
    ['/v4/anime?start_date=2020-13-45', { start_date: ['The start date does not match the format Y-m-d.'] }],
    ['/v4/anime?producer=0', { producer: ['The producer must be at least 1.'] }],
    ['/v4/anime?letter=a&q=b', { letter: ['The letter field prohibits q from being present.'] }],
    ['/v4/anime?score=5&min_score=1&max_score=9', { score: ['The score field prohibits min score / max score from being present.'] }],
    ['/v4/anime?min_score=8&max_score=6', { min_score: ['The min score must be less than or equal to 6.'], max_score: ['The max score must be greater than or equal to 8.'] }],
    ['/v4/anime?start_date=2010-01-01&end_date=2009-01-01', {
      start_date: ['The start date must be a date before or equal to end date.'],
      end_date: ['The end date must be a date after or equal to start date.']
    }],
    ['/v4/anime?producer=1&producers=2', { producer: ['The producer field prohibits producers from being present.'] }],
    ['/v4/top/anime?filter=best&type=x', { filter: ['The filter field is not a valid App\\Enums\\TopAnimeFilterEnum.'], type: ['The type field is not a valid App\\Enums\\AnimeTypeEnum.'] }],
    ['/v4/seasons/now?filter=cm&page=-1', { filter: ['The filter field is not a valid App\\Enums\\AnimeTypeEnum.'], page: ['The page must be at least 1.'] }],
    ['/v4/seasons/0999/fall', { year: ['The year must be between 1000 and 2999.'] }],
    ['/v4/seasons/2003/autumn', { season: ['Invalid season supplied.'] }],
    ['/v4/genres/anime?filter=tags', { filter: ['The filter field is not a valid App\\Enums\\GenreFilterEnum.'] }],
    ['/v4/producers?order_by=name&limit=100', { order_by: ['The order by field is not a valid App\\Enums\\ProducerOrderByEnum.'], limit: ["Value 100 is higher than the configured '25' max value."] }],
    ['/v4/random/anime?sfw=2', { sfw: ['The sfw field must be true or false.'] }],
    ['/v4/anime/0', { id: ['The id must be at least 1.'] }],
    ['/v4/producers/0', { id: ['The id must be at least 1.'] }]
  ]
  for (const [url, messages] of cases) {
    const res = await get(url)
    t.equal(res.status, 400, url)
    t.same(res.body, validationBody(messages), url)
    t.same(Object.keys(res.body), ['status', 'type', 'messages', 'error'], `${url}: Jikan's key order`)
  }
})

t.test('what AOD has no data for: 400 or 404 in Jikan\'s shape, naming it', async (t) => {
  const badRequests: Array<[string, RegExp]> = [
    ['/v4/anime?type=music', /music videos/],
    ['/v4/anime?type=tv_special', /TV specials/],
    ['/v4/anime?rating=pg13', /audience ratings/],
    ['/v4/anime?order_by=rank', /ranks/],
    ['/v4/anime?order_by=members', /member counts/],
    ['/v4/anime?order_by=end_date', /end dates/],
    ['/v4/anime?order_by=rating', /audience ratings/],
    ['/v4/top/anime?filter=bypopularity', /member counts/],
    ['/v4/top/anime?filter=favorite', /favourite counts/],
    ['/v4/top/anime?rating=g', /audience ratings/],
    ['/v4/seasons/now?continuing', /end dates/],
    ['/v4/producers?order_by=favorites', /favourite counts/],
    ['/v4/producers?order_by=established', /founding dates/]
  ]
  for (const [url, reason] of badRequests) {
    const res = await get(url)
    t.equal(res.status, 400, url)
    t.same(Object.keys(res.body), ['status', 'type', 'message', 'error'])
    t.match(res.body, { status: 400, type: 'BadRequestException', message: reason, error: null }, url)
  }
  const mal = malIdOfFixture(1)
  const unavailable: Array<[string, RegExp]> = [
    ...['characters', 'staff', 'episodes', 'episodes/1', 'news', 'forum', 'videos', 'videos/episodes', 'statistics', 'moreinfo', 'userupdates', 'reviews', 'themes', 'streaming']
      .map((sub): [string, RegExp] => [`/v4/anime/${mal}/${sub}`, /Not available on this server/]),
    ['/v4/manga/1', /manga/], ['/v4/manga', /manga/], ['/v4/characters/1/full', /characters/], ['/v4/people/1', /people/],
    ['/v4/users/someone/full', /users/], ['/v4/clubs/1', /clubs/], ['/v4/magazines', /magazines/], ['/v4/schedules', /schedules/],
    ['/v4/top/manga', /manga/], ['/v4/top/characters', /characters/], ['/v4/watch/episodes', /videos/], ['/v4/random/manga', /manga/],
    ['/v4/recommendations/anime', /recommendations/], ['/v4/reviews/anime', /reviews/], ['/v4/genres/manga', /manga/],
    ['/v4/producers/1/external', /external links/]
  ]
  for (const [url, what] of unavailable) {
    const res = await get(url)
    t.equal(res.status, 404, url)
    t.same(Object.keys(res.body), ['status', 'type', 'message', 'error'])
    t.match(res.body, { status: 404, type: 'BadResponseException', message: what }, url)
  }
})

t.test('unknown ids and paths, other methods', async (t) => {
  for (const url of ['/v4/anime/99999999', '/v4/anime/99999999/full', '/v4/anime/99999999/relations', '/v4/anime/99999999/pictures', '/v4/producers/99999']) {
    const res = await get(url)
    t.equal(res.status, 404, url)
    t.match(res.body, { status: 404, type: 'BadResponseException', message: 'Resource does not exist', error: String }, url)
  }
  for (const url of ['/v4/anime/abc', '/v4/anime/-1', '/v4/anime/1.5', '/v4/nothing', '/v4/seasons/20x3/fall', '/v4/seasons/2003', '/v4/top/anime/extra']) {
    const res = await get(url)
    t.equal(res.status, 404, url)
    t.same(res.body, { status: 404, type: 'HttpException', message: 'Not Found', error: null }, url)
  }
  const post = await api.inject({ method: 'POST', url: `/v4/anime/${malIdOfFixture(1)}` })
  t.equal(post.statusCode, 405)
  t.equal(post.headers.allow, 'GET, HEAD')
  t.same(post.json(), { status: 405, type: 'HttpException', message: 'Method Not Allowed', error: null })
  const head = await api.inject({ method: 'HEAD', url: `/v4/anime/${malIdOfFixture(1)}` })
  t.equal(head.statusCode, 200)
})

t.test('HTTP: JSON only, ETag and conditional GET, Cache-Control, CORS, no Authorization needed', async (t) => {
  const url = `/v4/anime/${malIdOfFixture(2)}`
  const first = await get(url)
  t.match(String(first.headers.etag), /^W\/"/)
  t.equal(first.headers['cache-control'], 'public, max-age=300')
  t.equal(first.headers['access-control-allow-origin'], '*')
  const again = await api.inject({ method: 'GET', url, headers: { 'if-none-match': String(first.headers.etag) } })
  t.equal(again.statusCode, 304)
  t.equal(again.body, '')
  for (const headers of [{ accept: 'text/html' }, {}] as Array<Record<string, string>>) {
    const html = await get(`${url}?format=api`, headers)
    t.equal(html.status, 200)
    t.match(String(html.headers['content-type']), /^application\/json/, 'JSON whatever ?format= and Accept say')
  }
  t.equal((await get(url, { authorization: 'Token nonsense' })).status, 200, 'an Authorization header changes nothing')
  t.equal((await get('/v4/random/anime')).headers['cache-control'], 'no-store')
  t.equal((await get('/v4/seasons/now')).headers['cache-control'], 'no-store', 'now depends on the clock')
  t.match(String((await get('/v4/anime?q=sora')).headers.etag), /^W\//)
})

t.test('compression as on the native routes: single entries as they are, lists when asked', async (t) => {
  const url = `/v4/anime/${malIdOfFixture(2)}`
  const plain = await api.inject({ method: 'GET', url })
  t.ok(plain.body.length > 1024, `a resource over the 1 KB threshold (${plain.body.length} bytes)`)
  for (const single of [url, '/v4/random/anime']) {
    const res = await api.inject({ method: 'GET', url: single, headers: { 'accept-encoding': 'gzip, br' } })
    t.equal(res.statusCode, 200, single)
    t.equal(res.headers['content-encoding'], undefined, `${single}: never compressed, like /anime/entry/:id and /anime/random`)
    t.notOk(/accept-encoding/i.test(String(res.headers.vary ?? '')), `${single}: does not vary by Accept-Encoding`)
    JSON.parse(res.body)
  }
  const same = await api.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip' } })
  t.equal(same.body, plain.body, 'the same bytes')
  t.equal(same.headers.etag, plain.headers.etag, 'and the same ETag')
  const plainPage = await api.inject({ method: 'GET', url: '/v4/anime?limit=25' })
  t.ok(plainPage.body.length > 1024, 'a search page over the threshold')
  const page = await api.inject({ method: 'GET', url: '/v4/anime?limit=25', headers: { 'accept-encoding': 'gzip' } })
  t.equal(page.headers['content-encoding'], 'gzip', 'a search page is compressed when asked')
  t.match(String(page.headers.vary), /accept-encoding/i)
  t.equal(zlib.gunzipSync(page.rawPayload).toString(), plainPage.body, 'and decodes to the same page')
})

t.test('the global rate limit answers 429 in Jikan\'s shape', async (t) => {
  const limitedDir = tempDir(t)
  const limited = await buildApp(t, { dataDir: limitedDir, defaultCatalogue: writeAod(limitedDir, fixtures.slice(0, 3)), rateLimitMax: 2 })
  const statuses: number[] = []
  let last: Awaited<ReturnType<Api['inject']>> | undefined
  for (let i = 0; i < 3; i++) {
    last = await limited.inject(`/v4/anime/${malIdOfFixture(1)}`)
    statuses.push(last.statusCode)
  }
  t.same(statuses, [200, 200, 429])
  t.same(last!.json(), { status: 429, type: 'HttpException', message: 'Too Many Requests', error: null })
  t.ok(Number(last!.headers['retry-after']) > 0, 'Retry-After')
})

t.test('company ids stay the same across catalogue updates', async (t) => {
  const updateDir = tempDir(t)
  const records = [1, 2, 3].map((n) => aodRecord(n, { studios: [`studio ${n}`], producers: ['common'] }))
  const app = await buildApp(t, { dataDir: updateDir, defaultCatalogue: writeAod(updateDir, records) })
  const before = new Map(((await app.inject('/v4/producers')).json().data as Json[]).map((p) => [p.titles[0].title, p.mal_id]))
  t.equal(before.size, 4)
  // Entry 1 goes, a studio appears whose name sorts first.
  await importCatalogueFile(updateDir, writeAod(updateDir, [aodRecord(2, { studios: ['studio 2', 'a new studio'], producers: ['common'] }), aodRecord(3, { studios: ['studio 3'], producers: ['common'] })]))
  app.catalogueWatcher.refresh()
  const after = new Map(((await app.inject('/v4/producers')).json().data as Json[]).map((p) => [p.titles[0].title, p.mal_id]))
  for (const name of ['studio 2', 'studio 3', 'common']) t.equal(after.get(name), before.get(name), `${name} keeps its id`)
  t.notOk(after.has('studio 1'), 'a company with no entry left is not listed')
  t.ok(after.get('a new studio')! > Math.max(...before.values()), 'a new name gets a new id, never an old one')
  const studio = ((await app.inject(`/v4/anime/${100002}`)).json().data.studios as Json[]).map((s) => s.mal_id)
  t.same(studio, [before.get('studio 2'), after.get('a new studio')], "an entry's studios carry the registry's ids, in AOD's order")
})

t.test('property: random Jikan parameters, valid and not, never a 5xx; every answer in its shape', async (t) => {
  const value = fc.oneof(
    fc.constantFrom('', '0', '1', '-1', '25', '26', 'true', 'false', 'tv', 'TV', 'music', 'airing', 'complete', 'desc', 'asc', 'score', 'mal_id', 'title',
      'rank', 'a', 'ab', '2003-01-01', '2003', '1,24', '12,x', '9.5', '10', 'fall', 'airing,upcoming', '%00', 'ü', '\u202e'),
    fc.string({ maxLength: 8 }),
    fc.integer({ min: -5, max: 40 }).map(String)
  )
  const names = ['q', 'page', 'limit', 'type', 'score', 'min_score', 'max_score', 'status', 'rating', 'sfw', 'genres', 'genres_exclude', 'order_by',
    'sort', 'letter', 'producer', 'producers', 'start_date', 'end_date', 'filter', 'unapproved', 'continuing', 'kids', 'other']
  const routes: Array<[string, string]> = [
    ['/v4/anime', '/anime'], ['/v4/top/anime', '/top/anime'], ['/v4/seasons/now', '/seasons/now'], ['/v4/seasons/upcoming', '/seasons/upcoming'],
    ['/v4/seasons/2003/fall', '/seasons/{year}/{season}'], ['/v4/genres/anime', '/genres/anime'], ['/v4/producers', '/producers'], ['/v4/random/anime', '/random/anime']
  ]
  const statuses = new Map<number, number>()
  await fc.assert(fc.asyncProperty(fc.constantFrom(...routes), fc.array(fc.tuple(fc.constantFrom(...names), value), { maxLength: 5 }), async ([path, docPath], params) => {
    const query = params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')
    const url = query === '' ? path : `${path}?${query}`
    const res = await api.inject(url)
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
    if (res.statusCode >= 500) throw new Error(`${url}: ${res.statusCode} ${res.body}`)
    const body = res.json()
    if (res.statusCode === 200) {
      const errors = schemaErrors(responseSchema(spec, docPath), body)
      if (errors.length > 0) throw new Error(`${url}: ${errors.join('; ')}`)
    } else if (res.statusCode === 400 || res.statusCode === 404) {
      const keys = Object.keys(body)
      const shaped = body.status === res.statusCode && typeof body.type === 'string' && (keys.join() === 'status,type,message,error' || keys.join() === 'status,type,messages,error')
      if (!shaped) throw new Error(`${url}: not in Jikan's shape: ${res.body}`)
    } else {
      throw new Error(`${url}: unexpected ${res.statusCode}`)
    }
  }), { numRuns: 300, seed: 1616 })
  t.ok((statuses.get(200) ?? 0) > 20 && (statuses.get(400) ?? 0) > 20, `both valid and invalid requests ran: ${JSON.stringify([...statuses])}`)
})

t.test('fixture sanity: entries without a MyAnimeList page are not part of /v4', async (t) => {
  const without = fixtures.map((_, i) => i + 1).filter((n) => malIdOfFixture(n) === null)
  t.ok(without.length > 0)
  t.equal(FIXTURE_SIZE, fixtures.length)
  for (const n of without) {
    const native = await details(n)
    t.equal(native.id, n, 'served natively')
    t.notOk(native.sources.some((s: string) => s.includes('myanimelist')))
  }
  t.equal(jikanFixture(9).sources.length, 2)
})
