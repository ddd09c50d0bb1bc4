// /v4: Jikan v4's anime endpoints, answered from the catalogue (AOD) for
// existing Jikan clients pointed at this server. Entries are keyed by their
// MyAnimeList id (from their myanimelist.net/anime/<id> source; entries without
// one are not part of /v4). What AOD has no data for answers in Jikan's error
// shape (errors.ts), never an empty list that pretends to be an answer. JSON only.
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, RouteShorthandOptions } from 'fastify'
import FindMyWay from 'find-my-way'
import type { CompanyCount, FullEntry } from '../../catalogue/full-entries.js'
import type { SearchRequest, Season } from '../../catalogue/search.js'
import { malAnimeUrlOf, malIdOf } from '../../jikan/sites.js'
import { NO_PICTURE } from '../../catalogue/normalize.js'
import { animeExternal, animeFullResource, animeImages, animeMeta, animeRelations, type RelatedEntry } from '../../jikan/anime.js'
import { malGenres, malGenreUrl } from '../../jikan/genres.js'
import * as S from '../../../schemas/jikan.js'
import { createAnswerCache } from '../../http/answer-cache.js'
import { joinJson } from '../../http/links.js'
import { whenServing } from '../../http/when-serving.js'
import { BACKGROUND_SLICE_MS } from '../../catalogue/engine/turns.js'
import { animeResourceJson, companyUrl, createResourceStore, ORIGIN } from '../../jikan/resources.js'
import { badRequest, httpError, jikanErrorReply, jikanSchemaErrors, notAvailable, resourceNotFound, validationError } from './errors.js'
import { animeSearchOf, onMal, seasonAt, seasonOf, topAnimeOf, unsafeTags, type JikanQuery } from './requests.js'

const jsonType = 'application/json; charset=utf-8'
const DEFAULT_LIMIT = S.JIKAN_MAX_LIMIT

type Query = JikanQuery

/** An entry's `anime` resource: as built (with ORIGIN for the request's origin), and as last sent (to `origin`). */
interface Resource { template: string, origin: string, json: string }
/** Bound of the resources kept while the held ones load (characters of JSON, about bytes). */
const RESOURCES_MAX_BYTES = 4 * 2 ** 20
/** Entries read and shaped per slice while the resources of a catalogue version load (a few milliseconds each). */
const RESOURCE_SLICE = 32
/** MyAnimeList ids whose catalogue id is kept: every one a large catalogue has. */
const CATALOGUE_IDS_MAX = 60_000

/** A value computed once per catalogue version. */
function perVersion<T> (version: () => string, compute: () => Promise<T>): () => Promise<T> {
  let at: string | null = null
  let value: Promise<T> | undefined
  return async () => {
    const now = version()
    if (now !== at || value === undefined) {
      at = now
      value = compute()
      // A failed computation is tried again next time.
      value.catch(() => { if (at === now) value = undefined })
    }
    return await value
  }
}

export default async function v4 (fastify: FastifyInstance): Promise<void> {
  const { catalogue, discovery } = fastify
  // Read at most every few milliseconds (src/http/answer-cache.ts, recentVersion).
  const version = fastify.catalogueVersion.version
  // Per catalogue version: each entry's `anime` resource as JSON by catalogue id (about 2.5 kB
  // each: the most recently used within a bound; only used until `resources` below holds the
  // version), and MyAnimeList id → catalogue id (every id asked).
  const animeJson = createAnswerCache<number, Resource>({ maxSize: RESOURCES_MAX_BYTES, sizeOf: (r) => r.template.length + (r.json === r.template ? 0 : r.json.length) })
  const catalogueIds = createAnswerCache<number, number>(CATALOGUE_IDS_MAX)
  // Every entry's `anime` resource of the current catalogue version, held compact in memory
  // (src/jikan/resources.ts): GET /v4/anime/{id} and the pages of lists answer from it once it is
  // loaded; until then (at start, after an import) from the cache above and the database.
  // JIKAN_WRITTEN_MAX: lookups' answers kept written out, up to that many bytes (none by default).
  const resources = createResourceStore(discovery, {
    slice: RESOURCE_SLICE,
    budgetMs: BACKGROUND_SLICE_MS,
    keptMaxBytes: fastify.config.jikanWrittenMaxBytes,
    onError: (error) => { fastify.log.error({ err: error }, 'loading the Jikan resources failed') }
  })
  whenServing(fastify, () => { resources.prepare(version()) })
  fastify.addHook('preClose', async () => { resources.close() })
  fastify.catalogueWatcher.onSwitch((info) => { resources.prepare(String(info.version)) })

  // ---- the route group's plumbing: Jikan's errors, query reading, caching, JSON only
  // Jikan takes GET only: a body sent along is ignored, whatever its type, rather than parsed.
  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser('*', (_request, _payload, done) => { done(null, undefined) })
  const getPaths = FindMyWay()
  fastify.addHook('onRoute', (route) => {
    if ([route.method].flat().includes('GET') && !route.url.endsWith('*')) getPaths.on('GET', route.url, () => {})
  })
  // Requests are validated by the service's one validator (src/validation), from
  // the schemas of schemas/jikan.ts; what it finds is worded in Jikan's shape.
  fastify.setSchemaErrorFormatter(jikanSchemaErrors)
  fastify.setErrorHandler(async (error, request, reply) => {
    const { status, body, headers } = jikanErrorReply(error as Parameters<typeof jikanErrorReply>[0])
    if (status >= 500) request.log.error({ err: error }, 'unexpected failure')
    return reply.code(status).headers(headers).type(jsonType).send(JSON.stringify(body))
  })

  interface Options {
    querystring?: FastifySchema['querystring'],
    params?: FastifySchema['params'],
    response?: FastifySchema['response'],
    cache?: 'catalogue' | 'no-store',
    /** Jikan's operationId of the endpoint (ours is it with a `jikan` prefix: /anime/random is getRandomAnime already). */
    jikan?: string,
    summary: string,
    description: string
  }
  const options = (o: Options): RouteShorthandOptions => ({
    config: { jsonOnly: true, cache: o.cache ?? 'catalogue' },
    schema: {
      ...(o.jikan === undefined ? {} : { operationId: `jikan${o.jikan[0]!.toUpperCase()}${o.jikan.slice(1)}` }),
      summary: o.jikan === undefined ? o.summary : `${o.summary} (Jikan: ${o.jikan})`,
      description: o.description,
      tags: ['jikan'],
      ...(o.params === undefined ? {} : { params: o.params }),
      ...(o.querystring === undefined ? {} : { querystring: o.querystring }),
      response: { ...(o.response ?? {}), '4xx': S.JikanError }
    }
  })
  const originOf = (request: FastifyRequest): string => `${request.protocol}://${request.host}`
  const send = (request: FastifyRequest, reply: FastifyReply, json: string): FastifyReply => {
    const body = json.includes(ORIGIN) ? json.replaceAll(ORIGIN, originOf(request)) : json
    return reply.type(jsonType).send(body)
  }

  // ---- entries
  /** A resource as sent to `origin` (its companies' URLs are the origin's). */
  const forOrigin = (resource: Resource, origin: string): string => {
    if (resource.origin !== origin) {
      resource.json = resource.template.includes(ORIGIN) ? resource.template.replaceAll(ORIGIN, origin) : resource.template
      resource.origin = origin
    }
    return resource.json
  }

  /**
   * `anime` resources as JSON for `origin`, by catalogue id, for these entries (in order;
   * entries without a MyAnimeList id left out). Kept as sent (the origin written in), so a
   * page or an entry already asked for is joined, not built nor rewritten.
   */
  function animeJsons (ids: number[], origin: string): string[] {
    const at = version()
    const found = new Map<number, string>()
    const missing: number[] = []
    for (const id of ids) {
      const held = resources.resource(at, id, origin)
      if (held !== undefined) {
        found.set(id, held.toString())
        continue
      }
      const resource = animeJson.get(at, id)
      if (resource === undefined) missing.push(id)
      else found.set(id, forOrigin(resource, origin))
    }
    for (const entry of missing.length === 0 ? [] : discovery.fullEntries(missing)) {
      const malId = malIdOf(entry.sources)
      if (malId === null) continue
      const resource: Resource = { template: animeResourceJson(entry, malId), origin: '', json: '' }
      found.set(entry.id, forOrigin(resource, origin))
      animeJson.set(at, entry.id, resource)
    }
    return ids.flatMap((id) => found.get(id) ?? [])
  }

  /** The catalogue id of the entry with MyAnimeList id `id` (the path parameter), or Jikan's 400/404. */
  function entryIdOf (text: string): { id: number, malId: number } {
    const malId = Number(text)
    if (malId < 1) throw validationError({ id: ['The id must be at least 1.'] })
    const at = version()
    const cached = catalogueIds.get(at, malId)
    const id = cached ?? catalogue.animeIdOnSite('myanimelist', malId)
    if (id === undefined) throw resourceNotFound(`No entry of this catalogue has the MyAnimeList page ${malAnimeUrlOf(malId)}`)
    if (cached === undefined) catalogueIds.set(at, malId, id)
    return { id, malId }
  }

  function fullEntryOf (text: string): { entry: FullEntry, malId: number } {
    const { id, malId } = entryIdOf(text)
    const entry = discovery.fullEntries([id])[0]
    if (entry === undefined) throw resourceNotFound(`No entry of this catalogue has the MyAnimeList page ${malAnimeUrlOf(malId)}`)
    return { entry, malId }
  }

  /** AOD's related entries that are served and have a MyAnimeList id. */
  function relatedOf (id: number): RelatedEntry[] {
    const related = discovery.details(id)?.related ?? []
    const ids = related.flatMap((r) => r.id === null ? [] : [r.id])
    return discovery.fullEntries(ids).flatMap((entry) => {
      const malId = malIdOf(entry.sources)
      return malId === null ? [] : [{ malId, title: entry.title }]
    })
  }

  // ---- lists of anime
  function pagination (total: number, page: number, limit: number, count: number) {
    const last = Math.max(1, Math.ceil(total / limit))
    return { last_visible_page: last, has_next_page: page < last, current_page: page, items: { count, total, per_page: limit } }
  }

  /** A page of the entries the search finds, as Jikan's `anime_search`. */
  async function animePage (search: SearchRequest, query: Query, origin: string): Promise<Buffer> {
    const page = (query.page as number | undefined) ?? 1
    const limit = (query.limit as number | undefined) ?? DEFAULT_LIMIT
    // The index alone gives the ids; the page is written from the held resources into one buffer
    // when each is held; else joined from animeJsons' (its cache, built from the file on a miss).
    const at = version()
    const { count, ids } = await discovery.searchIds(search, (page - 1) * limit, limit)
    const held = resources.join(at, ids, origin, '{"data":[', `],"pagination":${JSON.stringify(pagination(count, page, limit, ids.length))}}`)
    if (held !== undefined) return held
    const data = animeJsons(ids, origin)
    const parts: Array<Buffer | string> = ['{"data":[']
    data.forEach((json, i) => { parts.push(...(i === 0 ? [json] : [',', json])) })
    parts.push(`],"pagination":${JSON.stringify(pagination(count, page, limit, data.length))}}`)
    return joinJson(parts)
  }

  // ---- GET /v4/anime/{id} and its sub-resources
  const idParams = { params: S.IdParams }

  fastify.get('/anime/:id', options({ ...idParams, jikan: 'getAnimeById', summary: 'Anime by MyAnimeList id', description: 'The entry whose AOD sources include myanimelist.net/anime/{id}, as Jikan\'s anime resource (docs/jikan.md: which fields are filled, and from what). Unknown ids are 404.', response: { 200: S.JikanAnimeReply } }), async (request, reply) => {
    const text = (request.params as { id: string }).id
    const malId = Number(text)
    if (malId >= 1) {
      // The held resources, when the version is loaded: the answer is copied together, not built.
      const json = resources.lookup(version(), malId, originOf(request))
      if (json === null) throw resourceNotFound(`No entry of this catalogue has the MyAnimeList page ${malAnimeUrlOf(malId)}`)
      if (json !== undefined) return reply.type(jsonType).send(json)
    }
    const { id } = entryIdOf(text)
    const json = animeJsons([id], originOf(request))[0]
    if (json === undefined) throw resourceNotFound(`The catalogue entry ${id} has no MyAnimeList page`)
    return reply.type(jsonType).send(`{"data":${json}}`)
  })

  fastify.get('/anime/:id/full', options({ ...idParams, jikan: 'getAnimeFullById', summary: 'Anime with relations and external links', description: 'The anime resource with its relations (AOD\'s related entries, relation `Other`), its pages on other sites, and empty theme songs and streaming links (AOD has none).', response: { 200: S.JikanAnimeFullReply } }), async (request, reply) => {
    const { entry, malId } = fullEntryOf((request.params as { id: string }).id)
    return send(request, reply, JSON.stringify({ data: animeFullResource(entry, malId, companyUrl, relatedOf(entry.id)) }))
  })

  fastify.get('/anime/:id/relations', options({
    ...idParams,
    jikan: 'getAnimeRelations',
    summary: 'Related anime',
    description: "AOD's related entries that have a MyAnimeList id, all under the relation `Other` (AOD does not say how they relate).",
    response: { 200: S.JikanRelationsReply }
  }), async (request, reply) => {
    const { id } = entryIdOf((request.params as { id: string }).id)
    return send(request, reply, JSON.stringify({ data: animeRelations(relatedOf(id)) }))
  })

  fastify.get('/anime/:id/external', options({ ...idParams, jikan: 'getAnimeExternal', summary: "The entry's pages on other sites", description: 'Every source URL of the entry but its MyAnimeList page, named by site (AniDB, AniList, Kitsu, …).', response: { 200: S.JikanExternalReply } }), async (request, reply) => {
    const { entry, malId } = fullEntryOf((request.params as { id: string }).id)
    return send(request, reply, JSON.stringify({ data: animeExternal(entry, malId) }))
  })

  fastify.get('/anime/:id/pictures', options({ ...idParams, jikan: 'getAnimePictures', summary: "AOD's picture and thumbnail", description: 'One picture: AOD\'s, with its thumbnail as the small variant; none when AOD has no picture.', response: { 200: S.JikanPicturesReply } }), async (request, reply) => {
    const { entry } = fullEntryOf((request.params as { id: string }).id)
    return send(request, reply, JSON.stringify({ data: entry.picture === NO_PICTURE ? [] : [{ images: animeImages(entry) }] }))
  })

  fastify.get('/anime/:id/recommendations', options({
    ...idParams,
    jikan: 'getAnimeRecommendations',
    summary: 'Similar anime',
    description: 'From the similar-anime ranking of /anime/entry/:id/similar (entries with a MyAnimeList id); `votes` is its score in percent, not user votes.',
    response: { 200: S.JikanRecommendationsReply }
  }), async (request, reply) => {
    const { id } = entryIdOf((request.params as { id: string }).id)
    const similar = await discovery.similar(id, S.JIKAN_MAX_LIMIT) ?? []
    const scores = new Map(similar.map((s) => [s.anime.id, s.score]))
    const data = discovery.fullEntries(similar.map((s) => s.anime.id)).flatMap((entry) => {
      const malId = malIdOf(entry.sources)
      return malId === null ? [] : [{ entry: animeMeta(entry, malId), url: malAnimeUrlOf(malId), votes: Math.round((scores.get(entry.id) ?? 0) * 100) }]
    })
    return send(request, reply, JSON.stringify({ data }))
  })

  // ---- lists of anime: GET /v4/anime (search), /v4/top/anime, the seasons
  type ListOptions = Omit<Options, 'response'> & { querystring: FastifySchema['querystring'] }
  /** A route answering a page of the entries that `toSearch` (from the query and path parameters) finds. */
  const listRoute = (path: string, o: ListOptions, toSearch: (query: Query, params: Record<string, string>) => SearchRequest): void => {
    fastify.get(path, options({ ...o, response: { 200: S.JikanAnimeSearchReply } }), async (request, reply) => {
      const query = request.query as Query
      const page = await animePage(toSearch(query, request.params as Record<string, string>), query, originOf(request))
      // Its buffer is written into again once the socket has the page (resources.release).
      reply.raw.once('finish', () => { resources.release(page) })
      return reply.type(jsonType).send(page)
    })
  }

  listRoute('/anime', {
    querystring: S.AnimeSearchQuery,
    jikan: 'getAnimeSearch',
    summary: 'Search anime',
    description: 'The catalogue search of /anime/search (typo tolerance included) with Jikan\'s parameters. Without `q` and `order_by`, entries come in the catalogue\'s (stable) order.'
  }, animeSearchOf)

  listRoute('/top/anime', {
    querystring: S.TopAnimeQuery,
    jikan: 'getTopAnime',
    summary: 'Best scored anime',
    description: "By AOD's score, best first. Entries of the Hentai genre are left out, as Jikan leaves out adult-rated ones."
  }, topAnimeOf)

  fastify.get('/random/anime', options({ querystring: S.RandomAnimeQuery, cache: 'no-store', jikan: 'getRandomAnime', summary: 'A random anime', description: 'Each entry with a MyAnimeList id equally likely; `sfw` leaves out the Hentai and Erotica genres.', response: { 200: S.JikanAnimeReply } }), async (request, reply) => {
    const query = request.query as Query
    const seed = await discovery.randomMatching({ ...onMal(), ...(query.sfw === true ? { excludeTags: unsafeTags() } : {}) })
    const json = seed === undefined ? undefined : animeJsons([seed.id], originOf(request))[0]
    if (json === undefined) throw resourceNotFound('The catalogue has no entry with a MyAnimeList page')
    return reply.type(jsonType).send(`{"data":${json}}`)
  })

  // ---- seasons
  const seasonList = perVersion(version, async () => {
    const years = new Map<number, string[]>()
    for (const { year, season } of await discovery.seasonCounts('myanimelist')) years.set(year, [...(years.get(year) ?? []), season.toLowerCase()])
    const order = S.seasonNames as readonly string[]
    return JSON.stringify({ data: [...years].map(([year, seasons]) => ({ year, seasons: seasons.sort((a, b) => order.indexOf(a) - order.indexOf(b)) })) })
  })

  fastify.get('/seasons', options({ jikan: 'getSeasonsList', summary: 'The seasons entries aired in', description: 'Every year with the seasons (winter, spring, summer, fall) AOD dates an entry to, latest year first.', response: { 200: S.JikanSeasonsReply } }), async (request, reply) =>
    send(request, reply, await seasonList()))

  listRoute('/seasons/now', {
    querystring: S.SeasonQuery,
    cache: 'no-store',
    jikan: 'getSeasonNow',
    summary: 'Anime of the current season',
    description: "The season of today's date (winter: January to March, …), from AOD's season and year; best scored first."
  }, (query) => {
    const { year, season } = seasonAt(fastify.config.now())
    return seasonOf(query, { year, seasons: [season] })
  })

  listRoute('/seasons/upcoming', {
    querystring: S.SeasonQuery,
    jikan: 'getSeasonUpcoming',
    summary: 'Upcoming anime',
    description: 'Entries AOD lists as upcoming; best scored first.'
  }, (query) => seasonOf(query, { statuses: ['Upcoming'] }))

  listRoute('/seasons/:year/:season', { querystring: S.SeasonQuery, params: S.SeasonParams, jikan: 'getSeason', summary: 'Anime of one season', description: 'Entries AOD dates to this season and year; best scored first.' }, (query, params) => {
    const year = Number(params.year)
    const season = params.season!.toLowerCase()
    const messages: Record<string, string[]> = {}
    if (year < 1000 || year > 2999) messages.year = ['The year must be between 1000 and 2999.']
    if (!(S.seasonNames as readonly string[]).includes(season)) messages.season = ['Invalid season supplied.']
    if (Object.keys(messages).length > 0) throw validationError(messages)
    return seasonOf(query, { year, seasons: [season as Season] })
  })

  // ---- genres
  const genreCounts = perVersion(version, async () => new Map(await Promise.all(malGenres.map(async (genre) =>
    [genre.mal_id, await discovery.count({ ...onMal(), tagGroups: [[...genre.tags]] })] as const))))

  fastify.get('/genres/anime', options({
    querystring: S.GenresQuery,
    jikan: 'getAnimeGenres',
    summary: "MyAnimeList's anime genres with counts over the catalogue",
    description: 'Genres, explicit genres, themes and demographics with their MyAnimeList ids; `count` is the number of entries here whose AOD tags match it (see docs/jikan.md).',
    response: { 200: S.JikanGenresReply }
  }), async (request, reply) => {
    const filter = (request.query as Query).filter as string | undefined
    const counts = await genreCounts()
    const data = malGenres.filter((genre) => filter === undefined || genre.kind === filter)
      .map((genre) => ({ mal_id: genre.mal_id, name: genre.name, url: malGenreUrl(genre), count: counts.get(genre.mal_id) ?? 0 }))
    return send(request, reply, JSON.stringify({ data }))
  })

  // ---- producers: the catalogue's studios and producers, with this service's ids
  const companies = perVersion(version, async () => {
    const list = await discovery.companyCounts('myanimelist')
    return { list, byId: new Map(list.map((c) => [c.id, c])) }
  })
  const producerResource = (company: CompanyCount) => ({
    mal_id: company.id,
    url: companyUrl(company.id),
    titles: [{ type: 'Default', title: company.name }],
    images: { jpg: { image_url: null } },
    favorites: 0,
    count: company.count,
    established: null,
    about: null
  })
  async function companyOf (text: string): Promise<CompanyCount> {
    const id = Number(text)
    if (id < 1) throw validationError({ id: ['The id must be at least 1.'] })
    const company = (await companies()).byId.get(id)
    if (company === undefined) throw resourceNotFound(`No studio or producer of this catalogue has the id ${text}`)
    return company
  }

  fastify.get('/producers', options({
    querystring: S.ProducersQuery,
    jikan: 'getProducers',
    summary: 'Studios and producers',
    description: 'The companies AOD names as studios or producers of entries served here, with ids that are stable in this service (not MyAnimeList\'s).',
    response: { 200: S.JikanProducersReply }
  }), async (request, reply) => {
    const query = request.query as Query
    if (query.letter !== undefined && query.q !== undefined) throw validationError({ letter: ['The letter field prohibits q from being present.'] })
    if (query.order_by === 'favorites' || query.order_by === 'established') {
      throw badRequest(`order_by ${query.order_by} is not available: the anime-offline-database has no ${query.order_by === 'favorites' ? 'favourite counts' : 'founding dates'}`)
    }
    const q = typeof query.q === 'string' ? query.q.toLowerCase() : undefined
    const letter = typeof query.letter === 'string' ? query.letter.toLowerCase() : undefined
    let list = (await companies()).list.filter((c) => (q === undefined || c.name.toLowerCase().includes(q)) && (letter === undefined || c.name.toLowerCase().startsWith(letter)))
    if (query.order_by === 'count') list = [...list].sort((a, b) => a.count - b.count || a.id - b.id)
    if (query.sort === 'desc') list = [...list].reverse()
    const page = (query.page as number | undefined) ?? 1
    const limit = (query.limit as number | undefined) ?? DEFAULT_LIMIT
    const last = Math.max(1, Math.ceil(list.length / limit))
    const data = list.slice((page - 1) * limit, page * limit).map(producerResource)
    return send(request, reply, JSON.stringify({ data, pagination: { last_visible_page: last, has_next_page: page < last } }))
  })

  fastify.get('/producers/:id', options({ ...idParams, jikan: 'getProducerById', summary: 'A studio or producer', description: 'A company of /v4/producers by its id in this service.', response: { 200: S.JikanProducerReply } }), async (request, reply) =>
    send(request, reply, JSON.stringify({ data: producerResource(await companyOf((request.params as { id: string }).id)) })))

  fastify.get('/producers/:id/full', options({ ...idParams, jikan: 'getProducerFullById', summary: 'A studio or producer', description: 'The same, with its external links (none: AOD has none).', response: { 200: S.JikanProducerFullReply } }), async (request, reply) =>
    send(request, reply, JSON.stringify({ data: { ...producerResource(await companyOf((request.params as { id: string }).id)), external: [] } })))

  // ---- Jikan endpoints whose data AOD does not have
  for (const [path, what] of unavailable) {
    fastify.get(path, { ...options({ summary: `Not available: ${what}`, description: `404 in Jikan's error shape: AOD has no ${what}.`, cache: 'no-store' }), schema: { hide: true } }, async (request) => {
      throw notAvailable(what, request.url.split('?')[0]!)
    })
  }

  // Anything else under /v4: Jikan's 404, or 405 for another method on a path that has GET.
  fastify.all('/*', { config: { jsonOnly: true }, schema: { hide: true } }, async (request) => {
    const path = request.url.split('?')[0]!
    if (request.method !== 'GET' && request.method !== 'HEAD' && getPaths.find('GET', path) !== null) throw httpError(405, { allow: 'GET, HEAD' })
    throw httpError(404)
  })
}

/** Jikan's paths (under /v4) that need data the anime-offline-database lacks, and what that data is. */
const unavailable: Array<[string, string]> = [
  ...([
    ['characters', 'characters'], ['staff', 'staff'], ['episodes', 'episode lists'], ['episodes/:episode', 'episode lists'],
    ['news', 'news'], ['forum', 'forum topics'], ['videos', 'videos'], ['videos/episodes', 'videos'], ['statistics', 'list statistics'],
    ['moreinfo', 'additional information'], ['userupdates', 'user list updates'], ['reviews', 'reviews'],
    ['themes', 'opening and ending themes'], ['streaming', 'streaming links']
  ] as const).map(([sub, what]): [string, string] => [`/anime/:id/${sub}`, what]),
  ...(['manga', 'characters', 'people', 'users', 'clubs', 'magazines'] as const).flatMap((what): Array<[string, string]> => [[`/${what}`, what], [`/${what}/*`, what]]),
  ['/genres/manga', 'manga'],
  ['/random/manga', 'manga'], ['/random/characters', 'characters'], ['/random/people', 'people'], ['/random/users', 'users'],
  ['/recommendations/anime', 'user recommendations'], ['/recommendations/manga', 'user recommendations'],
  ['/reviews/anime', 'reviews'], ['/reviews/manga', 'reviews'],
  ['/schedules', 'broadcast schedules'], ['/schedules/*', 'broadcast schedules'],
  ['/top/manga', 'manga'], ['/top/people', 'people'], ['/top/characters', 'characters'], ['/top/reviews', 'reviews'],
  ['/watch/*', 'episode and promotional videos'],
  ['/producers/:id/external', "companies' external links"]
]
