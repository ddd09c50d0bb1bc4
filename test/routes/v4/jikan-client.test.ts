// Issue 16: a published Jikan v4 client library (@tutkli/jikan-ts, on ky) pointed
// at a listening server works unchanged: lookups, search, seasons, top, random,
// genres and producers, each value checked against the native details of the
// same entry; the library sees Jikan's errors as HTTP errors.
import t, { type Test } from 'tap'
import ky, { HTTPError } from 'ky'
import * as jikanTs from '@tutkli/jikan-ts'
import { buildApp, tempDir } from '../../helpers/app.js'
import { writeAod } from '../../helpers/aod.js'
import { jikanFixtures, malIdOfFixture } from '../../helpers/jikan.js'

type Json = any
// The package's type declarations re-export without file extensions, which TypeScript's
// NodeNext resolution does not follow: its client is typed here by what the tests use.
const { JikanClient } = jikanTs as unknown as { JikanClient: new (options: { kyInstance: unknown, cacheOptions: { ttl: number } }) => Json }

const fixtures = jikanFixtures()
const withMal = fixtures.map((_, i) => i + 1).filter((n) => malIdOfFixture(n) !== null)
const dir = tempDir(t)
const api = await buildApp(t, { dataDir: dir, defaultCatalogue: writeAod(dir, fixtures), now: () => Date.UTC(2003, 10, 20) })
await api.listen({ host: '127.0.0.1', port: 0 })
const { port } = api.server.address() as { port: number }
// How a user points the library at this server: a ky instance with our base URL.
const jikan = new JikanClient({ kyInstance: ky.create({ prefixUrl: `http://127.0.0.1:${port}/v4`, retry: 0 }), cacheOptions: { ttl: 0 } })

const native = async (n: number): Promise<Json> => (await api.inject(`/anime/entry/${n}/details`)).json()
/** Catalogue id of the fixture entry with this MyAnimeList id. */
const fixtureOf = (malId: number): number => withMal.find((n) => malIdOfFixture(n) === malId)!

/** The anime fields the library returns, checked against the native details. */
function sameAnime (tt: Test, anime: Json, details: Json): void {
  tt.equal(anime.title, details.title)
  tt.same(anime.title_synonyms, details.synonyms)
  tt.equal(anime.year, details.year)
  tt.equal(anime.score, details.score)
  tt.equal(anime.episodes, details.num_episodes === 0 ? null : details.num_episodes)
  tt.equal(anime.images.jpg.image_url, details.picture)
  tt.equal(anime.images.jpg.small_image_url, details.thumbnail)
  tt.same(anime.studios.map((s: Json) => s.name), details.studios)
  tt.same(anime.producers.map((s: Json) => s.name), details.producers)
}

t.test('lookups by MyAnimeList id', async (t) => {
  for (const n of withMal.slice(0, 8)) {
    const malId = malIdOfFixture(n)!
    const details = await native(n)
    const one = await jikan.anime.getAnimeById(malId)
    t.equal(one.data.mal_id, malId)
    sameAnime(t, one.data, details)
    const full = await jikan.anime.getAnimeFullById(malId)
    sameAnime(t, full.data, details)
    t.same(full.data.external?.map((l: Json) => l.url), details.sources.filter((s: string) => !s.includes('myanimelist')))
    const relations = await jikan.anime.getAnimeRelations(malId)
    t.same(relations.data, full.data.relations)
    const external = await jikan.anime.getAnimeExternal(malId)
    t.same(external.data, full.data.external)
    const pictures = await jikan.anime.getAnimePictures(malId)
    t.equal(pictures.data.length, details.picture.includes('no_pic') ? 0 : 1)
    const recommendations = await jikan.anime.getAnimeRecommendations(malId)
    for (const rec of recommendations.data) t.equal((await native(fixtureOf(rec.entry.mal_id))).title, rec.entry.title)
  }
})

t.test('search, seasons, top, random, genres, producers', async (t) => {
  const search = await jikan.anime.getAnimeSearch({ q: 'sora', limit: 5, order_by: 'score', sort: 'desc' })
  t.ok(search.data.length > 0)
  t.equal(search.pagination?.items?.per_page, 5)
  for (const anime of search.data) {
    t.match(anime.title, /^Sora/)
    sameAnime(t, anime, await native(fixtureOf(anime.mal_id)))
  }
  const scores = search.data.map((a: Json) => a.score ?? -1)
  t.same(scores, [...scores].sort((a: number, b: number) => b - a), 'by score, best first')

  const season = await jikan.seasons.getSeason(2003, 'fall')
  t.ok(season.data.length > 0)
  for (const anime of season.data) {
    const details = await native(fixtureOf(anime.mal_id))
    t.same([details.year, details.season], [2003, 'Fall'])
    sameAnime(t, anime, details)
  }
  t.same((await jikan.seasons.getSeasonNow()).data.map((a: Json) => a.mal_id), season.data.map((a: Json) => a.mal_id), 'now: the season of the injected clock')
  t.ok((await jikan.seasons.getSeasonsList()).data.some((s: Json) => s.year === 2003 && s.seasons.includes('fall')))
  t.ok((await jikan.seasons.getSeasonUpcoming()).data.every((a: Json) => a.status === 'Not yet aired'))

  const top = await jikan.top.getTopAnime({ limit: 10 })
  t.ok(top.data.length > 0)
  for (const anime of top.data) sameAnime(t, anime, await native(fixtureOf(anime.mal_id)))

  const random = await jikan.random.getRandomAnime()
  sameAnime(t, random.data, await native(fixtureOf(random.data.mal_id)))

  const genres = await jikan.genres.getAnimeGenres('demographics')
  t.same(genres.data.map((g: Json) => g.name), ['Josei', 'Kids', 'Seinen', 'Shoujo', 'Shounen'])

  const producers = await jikan.producers.getProducersSearch({ limit: 25 })
  t.ok(producers.data.length > 0)
  const first = await jikan.producers.getProducerById(producers.data[0]!.mal_id)
  t.same(first.data, producers.data[0])
})

t.test("Jikan's errors reach the library as HTTP errors with Jikan's bodies", async (t) => {
  const failure = async (call: () => Promise<unknown>): Promise<{ status: number, body: Json }> => {
    try {
      await call()
    } catch (error) {
      t.ok(error instanceof HTTPError)
      const response = (error as HTTPError).response
      return { status: response.status, body: await response.json() }
    }
    throw new Error('the call succeeded')
  }
  t.match(await failure(() => jikan.anime.getAnimeById(99999999)), { status: 404, body: { status: 404, type: 'BadResponseException' } })
  t.match(await failure(() => jikan.anime.getAnimeCharacters(malIdOfFixture(1)!)), { status: 404, body: { message: /characters/ } })
  t.match(await failure(() => jikan.anime.getAnimeSearch({ limit: 100 })), { status: 400, body: { type: 'ValidationException', messages: { limit: [String] } } })
  t.match(await failure(() => jikan.top.getTopAnime({ filter: 'bypopularity' })), { status: 400, body: { type: 'BadRequestException' } })
})
