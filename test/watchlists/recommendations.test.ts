// GET /account/recommendations: follows the ratings, never recommends listed anime,
// ranks sequels of completed series high, falls back to the best-scored entries.
import t from 'tap'
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import type { TSchema } from '@sinclair/typebox'
import { RecommendationsReply } from '../../schemas/recommendations.js'
import { openCatalogue } from '../../src/catalogue/open.js'
import { recommendationsJson } from '../../src/routes/account/recommendations.js'
import { entryWeights } from '../../src/watchlists/recommendations.js'
import { aodRecord, type AodRecord } from '../helpers/aod.js'
import { call, makeList, putEntry, user, watchlistsApp, type Api, type Caller } from '../helpers/watchlists.js'

const score = (value: number) => ({ arithmeticGeometricMean: value, arithmeticMean: value, median: value })

/** 1–4 mecha, 5–8 romance, 9–12 horror, 13 a sequel of 1 (other tags), 14–20 plain action/comedy with high scores. */
function catalogue (): AodRecord[] {
  const records: AodRecord[] = []
  const group = (ids: number[], tags: string[], s: number) => {
    for (const n of ids) records.push(aodRecord(n, { title: `${tags[0]} ${n}`, tags, score: score(s - n / 100), relatedAnime: [] }))
  }
  group([1, 2, 3, 4], ['mecha', 'space', 'military', 'action'], 7)
  group([5, 6, 7, 8], ['romance', 'school', 'comedy'], 8)
  group([9, 10, 11, 12], ['horror', 'gore', 'action'], 7.5)
  records.push(aodRecord(13, { title: 'Mecha 1 Season 2', tags: ['drama', 'comedy'], score: score(6), relatedAnime: ['https://anidb.net/anime/1'] }))
  group([14, 15, 16, 17, 18, 19, 20], ['action', 'comedy'], 9)
  return records
}

async function recommendations (app: Api, caller: Caller, query = '') {
  const res = await call(app, 'GET', `/account/recommendations${query}`, caller)
  t.equal(res.statusCode, 200, query)
  return res.json() as { basis: string, results: Array<{ anime: { id: number, tags: string[] }, score: number, because: { anime: Array<{ id: number, title: string, related: boolean }>, tags: string[] } }> }
}

t.test('a user who loves one kind of anime gets that kind; listed anime never come back', async (t) => {
  const app = await watchlistsApp(t, catalogue())
  const alice = await user(app, 'alice')
  const list = await makeList(app, alice)
  await putEntry(app, alice, list.id, 2, { status: 'completed', rating: 10 })
  await putEntry(app, alice, list.id, 3, { status: 'completed', rating: 9 })
  await putEntry(app, alice, list.id, 5, { status: 'dropped', rating: 2 })
  await putEntry(app, alice, list.id, 4, { status: 'planned' })

  const reply = await recommendations(app, alice)
  t.equal(reply.basis, 'ratings')
  const ids = reply.results.map((r) => r.anime.id)
  t.equal(ids[0], 1, 'the remaining mecha series first')
  for (const listed of [2, 3, 4, 5]) t.notOk(ids.includes(listed), `listed anime ${listed} never comes back (planned ones neither)`)
  for (const romance of [6, 7, 8]) t.notOk(ids.includes(romance), `romance ${romance}, like the dropped one, is pushed out`)
  const first = reply.results[0]!
  t.same(first.because.tags.slice(0, 3).sort(), ['Mecha', 'Military', 'Space'], 'because: the rare tags it shares')
  t.same(first.because.anime.map((a) => a.id).sort(), [2, 3], 'because: the listed anime that led to it')
  t.same(first.because.anime[0], { id: 2, title: 'mecha 2', related: false }, 'the best rated first')
  t.ok(reply.results.every((r, i) => i === 0 || r.score <= reply.results[i - 1]!.score), 'best first')
  t.ok(first.score > 0 && first.score <= 1)

  // Horror and action-comedy share only "Action" with the liked anime: after the mecha series.
  t.ok(ids.indexOf(9) === -1 || ids.indexOf(9) > ids.indexOf(1))
})

t.test('sequels of completed series rank high', async (t) => {
  const app = await watchlistsApp(t, catalogue())
  const alice = await user(app, 'alice')
  const list = await makeList(app, alice)
  await putEntry(app, alice, list.id, 1, { status: 'completed' })
  await putEntry(app, alice, list.id, 9, { status: 'completed', rating: 8 })
  const reply = await recommendations(app, alice)
  const sequel = reply.results.find((r) => r.anime.id === 13)
  t.ok(sequel, 'the sequel is recommended though it shares no tag')
  t.ok(reply.results.indexOf(sequel!) <= 1, 'near the top')
  t.same(sequel!.because.anime[0], { id: 1, title: 'mecha 1', related: true })
  t.same(sequel!.because.tags, [])

  await putEntry(app, alice, list.id, 13, { status: 'watching' })
  t.notOk((await recommendations(app, alice)).results.some((r) => r.anime.id === 13), 'once listed, never again')
})

t.test('the ratings decide: the same anime, rated the other way, gives other recommendations', async (t) => {
  const app = await watchlistsApp(t, catalogue())
  const horrorFan = await user(app, 'h')
  const list = await makeList(app, horrorFan)
  for (const [id, rating] of [[9, 10], [10, 9], [2, 1], [3, 2], [6, 3]] as const) await putEntry(app, horrorFan, list.id, id, { status: 'completed', rating })
  const ids = (await recommendations(app, horrorFan)).results.map((r) => r.anime.id)
  t.same(ids.slice(0, 2).sort((a, b) => a - b), [11, 12], 'the other horror entries first')
  t.notOk(ids.includes(1) || ids.includes(4), 'mecha, rated low, pushed out')
})

t.test('callers at once, more than are let in together, each get the answer they get alone', async (t) => {
  const app = await watchlistsApp(t, catalogue())
  const fans: Array<[Caller, number[]]> = []
  for (const [name, liked] of [['m', [2, 3]], ['r', [5, 6]], ['h', [9, 10]], ['a', [14, 15]], ['s', [1]]] as const) {
    const fan = await user(app, name)
    const list = await makeList(app, fan)
    for (const id of liked) await putEntry(app, fan, list.id, id, { status: 'completed', rating: 10 })
    fans.push([fan, [...liked]])
  }
  const alone = []
  for (const [fan] of fans) alone.push(await recommendations(app, fan))
  const together = await Promise.all([...fans, ...fans].map(([fan]) => recommendations(app, fan)))
  t.same(together, [...alone, ...alone], 'the same answers, each its own caller\'s')
  t.not(JSON.stringify(alone[0]), JSON.stringify(alone[1]), 'and the callers\' answers differ')
  fans.forEach(([, liked], i) => t.notOk(together[i]!.results.some((r) => liked.includes(r.anime.id)), `caller ${i}: none of their own listed anime`))
})

t.test('limit and the search filters', async (t) => {
  const app = await watchlistsApp(t, catalogue())
  const alice = await user(app, 'alice')
  const list = await makeList(app, alice)
  await putEntry(app, alice, list.id, 2, { status: 'completed', rating: 10 })
  t.equal((await recommendations(app, alice, '?limit=1')).results.length, 1)
  const filtered = await recommendations(app, alice, '?tags=comedy')
  t.ok(filtered.results.length > 0)
  t.ok(filtered.results.every((r) => r.anime.tags.includes('Comedy')), 'every result has the tag')
  t.ok((await recommendations(app, alice, '?exclude_tags=action')).results.every((r) => !r.anime.tags.includes('Action')))
  const bad = await call(app, 'GET', '/account/recommendations?limit=0&type=Novel&year_min=x', alice)
  t.equal(bad.statusCode, 400)
  t.same(bad.json(), {
    limit: ['Ensure this value is greater than or equal to 1.'],
    type: ['Select a valid choice. Novel is not one of the available choices.'],
    year_min: ['A valid integer is required.']
  })
  t.same((await call(app, 'GET', '/account/recommendations?limit=101', alice)).json(), { limit: ['Ensure this value is less than or equal to 100.'] })
  t.equal((await call(app, 'GET', '/account/recommendations')).statusCode, 401)
  t.same((await call(app, 'GET', '/account/recommendations', null, undefined, { authorization: `Token ${'f'.repeat(64)}` })).json(), { detail: 'Invalid token.' })
})

t.test('an empty list gets the catalogue\'s best-scored entries, and says so', async (t) => {
  const app = await watchlistsApp(t, catalogue())
  const alice = await user(app, 'alice')
  const reply = await recommendations(app, alice, '?limit=3')
  t.equal(reply.basis, 'top_scored')
  t.same(reply.results.map((r) => r.anime.id), [14, 15, 16])
  t.same(reply.results[0]!.because, { anime: [], tags: [] })
  t.equal(reply.results[0]!.score, 8.86)
  const list = await makeList(app, alice)
  await putEntry(app, alice, list.id, 14, { status: 'planned' })
  const planned = await recommendations(app, alice, '?limit=3')
  t.equal(planned.basis, 'top_scored', 'planned entries say nothing about taste')
  t.same(planned.results.map((r) => r.anime.id), [15, 16, 17], 'but are not recommended back')
  t.same((await recommendations(app, alice, '?limit=2&type=Movie')).results, [], 'filters apply')
  // aodRecord's entries all first aired in spring.
  t.same((await recommendations(app, alice, '?limit=3&season=Spring')).results.map((r) => r.anime.id), [15, 16, 17], 'the season filter too')
  t.same((await recommendations(app, alice, '?limit=3&season=fall,winter')).results, [])
})

/** Fastify's own serializer for a response schema (what the route used before its answer was joined from the entries' answers). */
const serializerOf = (schema: TSchema): (data: unknown) => string =>
  (SerializerSelector() as unknown as () => (route: unknown) => (data: unknown) => string)()({ schema, method: 'GET', url: '/', httpStatus: '200' })
const replySerializer = serializerOf(RecommendationsReply)

t.test('the answer is the bytes the schema serialiser writes, whether the entries come from the file or from memory', async (t) => {
  // Titles and tags JSON must escape, non-ASCII and outside the BMP, in the entries and in `because`.
  const awkward = ['Quote " Back \\ slash', 'Tōkyō 東京', 'Emoji 🎌', 'Tab\tand </script>']
  const records = catalogue().map((r, i) => i < 4 ? { ...r, title: `${awkward[i]} ${i + 1}`, tags: [...(r.tags as string[]), 'drama "x"', 'ñandú'] } : r)
  const app = await watchlistsApp(t, records)
  const alice = await user(app, 'alice')
  const list = await makeList(app, alice)
  await putEntry(app, alice, list.id, 2, { status: 'completed', rating: 10 })
  await putEntry(app, alice, list.id, 3, { status: 'completed', rating: 9 })
  await putEntry(app, alice, list.id, 1, { status: 'completed' })
  await putEntry(app, alice, list.id, 9, { status: 'dropped', rating: 2 })
  const queries = ['', '?limit=3', '?type=Movie', '?tags=action&limit=50']
  app.entryAnswers.prepare(app.catalogue.version())
  for (let i = 0; i < 2000 && app.entryAnswers.held() !== app.catalogue.version(); i++) await new Promise((resolve) => setTimeout(resolve, 5))
  t.equal(app.entryAnswers.held(), app.catalogue.version(), 'the answers are held in memory')
  const bodies: string[] = []
  for (const query of queries) {
    const res = await call(app, 'GET', `/account/recommendations${query}`, alice)
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /^application\/json; charset=utf-8/)
    t.equal(Number(res.headers['content-length']), Buffer.byteLength(res.body), `content-length${query}`)
    t.equal(res.body, replySerializer(res.json()), `as the serialiser writes it${query}`)
    bodies.push(res.body)
  }
  const first = JSON.parse(bodies[0]!) as { basis: string, results: Array<{ because: { anime: Array<{ title: string }> } }> }
  t.equal(first.basis, 'ratings')
  t.ok(first.results.some((r) => r.because.anime.some((a) => a.title === 'Quote " Back \\ slash 1')), 'awkward titles in because')
  t.match(JSON.parse(bodies[2]!), { basis: 'top_scored', results: [] }, 'the filters leave nothing')
  // The domain's answer with its entries as objects, through the serialiser: the same bytes.
  const entries = await app.watchlists.repository.ratedEntries(alice.id)
  t.equal(bodies[0], replySerializer(await app.recommender.recommend(entries, {}, 20)), 'the same as serialising the domain answer')
  // Another reader of the same file holding no answers reads them from the file: the same bytes.
  const opened = openCatalogue(app.dataDir)
  t.teardown(() => opened.close())
  t.equal(opened.answers.held(), null)
  const weights = entryWeights(entries)
  const listed = new Set(entries.map((e) => e.animeId))
  t.equal(recommendationsJson(await opened.discovery.recommendAnswers(weights, listed, {}, 20)).toString(), bodies[0], 'entries read from the file')
  t.equal(recommendationsJson(await opened.discovery.recommendAnswers(weights, listed, {}, 3)).toString(), bodies[1], 'entries read from the file, limit')
})

t.test('entry weights: ratings around the user\'s centre, statuses without ratings', async (t) => {
  const weights = entryWeights([
    { animeId: 1, status: 'completed', rating: 10 },
    { animeId: 2, status: 'completed', rating: null },
    { animeId: 3, status: 'dropped', rating: null },
    { animeId: 4, status: 'dropped', rating: 9 },
    { animeId: 5, status: 'planned', rating: null },
    { animeId: 6, status: 'watching', rating: null }
  ])
  t.equal(weights.get(1), 1, '10 with fewer than three ratings: (10 - 5.5) / 4.5')
  t.equal(weights.get(2), 0.5)
  t.equal(weights.get(3), -0.75)
  t.equal(weights.get(4), -0.5, 'dropped is never a pull')
  t.notOk(weights.has(5), 'planned carries no signal')
  t.equal(weights.get(6), 0.25)
  const generous = entryWeights([8, 9, 10, 9].map((rating, i) => ({ animeId: i, status: 'completed' as const, rating })))
  t.ok(generous.get(0)! > 0, 'the centre is held at 7.5 at most: a generous rater\'s 8 still pulls')
})
