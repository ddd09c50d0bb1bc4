// The /v4 routes: Jikan v4's parameters and resources (its published OpenAPI
// document is the specification; test/fixtures/jikan/api-docs.json holds a copy
// the tests validate every answer against). Query and path parameters are
// validated by these schemas, through the service's one validator
// (src/validation), read as jikan-rest reads them: the last of a repeated
// parameter, a blank one absent, choices in any case, flags (`x-flag`: `?sfw`
// alone is true; `1`/`0`, `true`/`false`). Failures are worded in Jikan's shape
// (src/routes/v4/errors.ts); `x-enum-class` names the enum its messages name.
import { Type, type TSchema } from '@sinclair/typebox'
import { Nullable } from './common.js'

/** Jikan's largest page. */
export const JIKAN_MAX_LIMIT = 25

const choice = (values: readonly string[], enumClass: string, description: string) =>
  Type.Unsafe<string>({ type: 'string', enum: [...values], 'x-case-insensitive': true, 'x-enum-class': enumClass, description: `${description} (case-insensitive)`, examples: [values[0]] })

const flag = (description: string) => Type.Optional(Type.Boolean({ 'x-flag': true, description: `${description} A flag: \`?name\` alone means true.`, examples: [true] }))

const page = Type.Optional(Type.Integer({ minimum: 1, description: 'Page number, from 1. A page past the end is empty.', examples: [1] }))
const limit = Type.Optional(Type.Integer({ minimum: 1, maximum: JIKAN_MAX_LIMIT, description: `Entries per page, 1 to ${JIKAN_MAX_LIMIT} (the default).`, examples: [10] }))
const date = (description: string) => Type.Optional(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', 'x-format-name': 'Y-m-d', description, examples: ['2014-01-01'] }))
const sort = Type.Optional(choice(['desc', 'asc'], 'SortDirection', 'Direction of `order_by`; `asc` by default.'))
const letter = Type.Optional(Type.String({ minLength: 1, maxLength: 1, pattern: '^\\p{L}+$', description: 'Entries whose title starts with this letter; not with `q`.', examples: ['t'] }))

export const animeTypes = ['tv', 'movie', 'ova', 'special', 'ona', 'music', 'cm', 'pv', 'tv_special'] as const
/** As jikan-rest's AnimeOrderByEnum (its published document leaves out `type` and `rating`). */
export const animeOrderings = ['mal_id', 'title', 'type', 'rating', 'start_date', 'end_date', 'episodes', 'score', 'scored_by', 'rank', 'popularity', 'members', 'favorites'] as const
export const animeRatings = ['g', 'pg', 'pg13', 'r17', 'r', 'rx'] as const
export const topFilters = ['airing', 'upcoming', 'bypopularity', 'favorite'] as const
export const genreFilters = ['genres', 'explicit_genres', 'themes', 'demographics'] as const
export const producerOrderings = ['mal_id', 'count', 'favorites', 'established'] as const
export const seasonNames = ['winter', 'spring', 'summer', 'fall'] as const

const animeType = Type.Optional(choice(animeTypes, 'AnimeTypeEnum', 'Anime type; `music`, `cm`, `pv` and `tv_special` are 400 (AOD does not tell them apart).'))
const rating = Type.Optional(choice(animeRatings, 'AnimeRatingEnum', 'Audience rating: 400, AOD has no ratings.'))
const sfw = flag('Leave out entries of the Hentai and Erotica genres.')
const unapproved = flag('Accepted; every entry here is approved.')

export const AnimeSearchQuery = Type.Object({
  unapproved,
  page,
  limit,
  q: Type.Optional(Type.String({ maxLength: 255, description: 'Text in titles and synonyms, with the typo tolerance of /anime/search.', examples: ['tokyo ghoul'] })),
  type: animeType,
  score: Type.Optional(Type.Number({ minimum: 1, maximum: 9.99, description: 'Exactly this catalogue score; not with `min_score` or `max_score`.', examples: [7.77] })),
  min_score: Type.Optional(Type.Number({ minimum: 0, maximum: 10, description: 'Catalogue score at least this (0: no bound).', examples: [7] })),
  max_score: Type.Optional(Type.Number({ minimum: 1, maximum: 10, description: 'Catalogue score at most this (10: no bound).', examples: [9] })),
  status: Type.Optional(choice(['airing', 'complete', 'upcoming'], 'AnimeStatusEnum', 'Airing status.')),
  rating,
  sfw,
  genres: Type.Optional(Type.String({ description: 'MyAnimeList genre ids, comma-separated: entries with every one of them.', examples: ['1,42'] })),
  genres_exclude: Type.Optional(Type.String({ description: 'MyAnimeList genre ids, comma-separated: entries with none of them.', examples: ['12,49'] })),
  order_by: Type.Optional(choice(animeOrderings, 'AnimeOrderByEnum', '`mal_id`, `title`, `type`, `start_date` (the year), `episodes`, `score`; the others are 400 (AOD lacks their data).')),
  sort,
  letter,
  producer: Type.Optional(Type.Integer({ minimum: 1, description: 'A company id of /v4/producers; not with `producers`.', examples: [12] })),
  producers: Type.Optional(Type.String({ description: 'Company ids of /v4/producers, comma-separated: entries by any of them.', examples: ['12,40'] })),
  start_date: date('Entries first aired in this year or later (AOD knows the year only); YYYY-MM-DD.'),
  end_date: date('Entries first aired in this year or earlier; YYYY-MM-DD.')
}, { title: 'JikanAnimeSearchQuery' })

export const TopAnimeQuery = Type.Object({
  type: animeType,
  filter: Type.Optional(choice(topFilters, 'TopAnimeFilterEnum', '`airing` or `upcoming`; `bypopularity` and `favorite` are 400 (AOD has no member or favourite counts).')),
  rating,
  sfw,
  page,
  limit
}, { title: 'JikanTopAnimeQuery' })

export const SeasonQuery = Type.Object({
  filter: Type.Optional(choice(['tv', 'movie', 'ova', 'special', 'ona', 'music'], 'AnimeTypeEnum', 'Anime type.')),
  sfw,
  unapproved,
  continuing: flag('Entries continuing from earlier seasons: 400, AOD has no end dates.'),
  page,
  limit
}, { title: 'JikanSeasonQuery' })

export const SeasonParams = Type.Object({
  year: Type.String({ pattern: '^[0-9]{4}$', description: 'Four digits.', examples: ['2014'] }),
  season: Type.String({ pattern: '^[A-Za-z]+$', description: '`winter`, `spring`, `summer` or `fall`.', examples: ['summer'] })
})

export const RandomAnimeQuery = Type.Object({ sfw }, { title: 'JikanRandomAnimeQuery' })

export const GenresQuery = Type.Object({
  filter: Type.Optional(choice(genreFilters, 'GenreFilterEnum', 'Only this kind.'))
}, { title: 'JikanGenresQuery' })

export const ProducersQuery = Type.Object({
  page,
  limit,
  q: Type.Optional(Type.String({ maxLength: 255, description: 'Text in the name.', examples: ['pierrot'] })),
  order_by: Type.Optional(choice(producerOrderings, 'ProducerOrderByEnum', '`mal_id` (our id) or `count`; `favorites` and `established` are 400 (AOD lacks them).')),
  sort,
  letter
}, { title: 'JikanProducersQuery' })

export const IdParams = Type.Object({
  id: Type.String({ pattern: '^[0-9]+$', description: 'The MyAnimeList id (anime) or the company id (producers).', examples: ['22319'] })
})

// Examples of the documented answers: Tokyo Ghoul as the shipped catalogue has it.
const ref = (malId: number, name: string, url: string) => ({ mal_id: malId, type: 'anime', name, url })
const exampleImages = {
  jpg: { image_url: 'https://cdn.myanimelist.net/images/anime/5/64449.jpg', small_image_url: 'https://cdn.myanimelist.net/images/anime/5/64449t.jpg', large_image_url: 'https://cdn.myanimelist.net/images/anime/5/64449.jpg' },
  webp: { image_url: null, small_image_url: null, large_image_url: null }
}
const exampleAnime = {
  mal_id: 22319,
  url: 'https://myanimelist.net/anime/22319',
  images: exampleImages,
  trailer: { youtube_id: null, url: null, embed_url: null, images: { image_url: null, small_image_url: null, medium_image_url: null, large_image_url: null, maximum_image_url: null } },
  approved: true,
  titles: [{ type: 'Default', title: 'Tokyo Ghoul' }, { type: 'Synonym', title: '東京喰種' }],
  title: 'Tokyo Ghoul',
  title_english: null,
  title_japanese: null,
  title_synonyms: ['東京喰種'],
  type: 'TV',
  source: null,
  episodes: 12,
  status: 'Finished Airing',
  airing: false,
  aired: { from: null, to: null, prop: { from: { day: null, month: null, year: 2014 }, to: { day: null, month: null, year: null }, string: '2014' }, string: '2014' },
  duration: '24 min per ep',
  rating: null,
  score: 7.77,
  scored_by: null,
  rank: null,
  popularity: null,
  members: null,
  favorites: null,
  synopsis: null,
  background: null,
  season: 'summer',
  year: 2014,
  broadcast: { day: null, time: null, timezone: null, string: null },
  producers: [ref(98, 'marvelous', 'http://127.0.0.1:8000/v4/producers/98')],
  licensors: [],
  studios: [ref(121, 'pierrot', 'http://127.0.0.1:8000/v4/producers/121')],
  genres: [ref(1, 'Action', 'https://myanimelist.net/anime/genre/1/Action'), ref(14, 'Horror', 'https://myanimelist.net/anime/genre/14/Horror')],
  explicit_genres: [],
  themes: [ref(58, 'Gore', 'https://myanimelist.net/anime/genre/58/Gore')],
  demographics: [ref(42, 'Seinen', 'https://myanimelist.net/anime/genre/42/Seinen')]
}
const exampleRelations = [{ relation: 'Other', entry: [ref(27899, 'Tokyo Ghoul √A', 'https://myanimelist.net/anime/27899')] }]
const exampleExternal = [{ name: 'AniDB', url: 'https://anidb.net/anime/10401' }, { name: 'AniList', url: 'https://anilist.co/anime/20605' }]
const examplePagination = { last_visible_page: 1, has_next_page: false, current_page: 1, items: { count: 1, total: 1, per_page: 25 } }
const exampleProducer = {
  mal_id: 121,
  url: 'http://127.0.0.1:8000/v4/producers/121',
  titles: [{ type: 'Default', title: 'pierrot' }],
  images: { jpg: { image_url: null } },
  favorites: 0,
  count: 4,
  established: null,
  about: null
}
const examples = (example: unknown) => ({ examples: [example] })

// Resources, as the OpenAPI document of Jikan lists them.
const str = Type.String()
const nstr = Nullable(Type.String())
const nint = Nullable(Type.Integer())
const obj = <T extends Record<string, TSchema>>(properties: T, title?: string) => Type.Object(properties, title === undefined ? {} : { title })

export const JikanRef = obj({ mal_id: Type.Integer(), type: str, name: str, url: str }, 'JikanRef')
const images = obj({ image_url: nstr, small_image_url: nstr, large_image_url: nstr }, 'JikanImageUrls')
export const JikanAnimeImages = obj({ jpg: images, webp: images }, 'JikanAnimeImages')
const dateParts = obj({ day: nint, month: nint, year: nint }, 'JikanDateParts')
const link = obj({ name: str, url: str }, 'JikanLink')
const title = obj({ type: str, title: str }, 'JikanTitle')

export const JikanAnime = obj({
  mal_id: Type.Integer(),
  url: str,
  images: JikanAnimeImages,
  trailer: obj({
    youtube_id: nstr,
    url: nstr,
    embed_url: nstr,
    images: obj({ image_url: nstr, small_image_url: nstr, medium_image_url: nstr, large_image_url: nstr, maximum_image_url: nstr }, 'JikanTrailerImages')
  }, 'JikanTrailer'),
  approved: Type.Boolean(),
  titles: Type.Array(title),
  title: str,
  title_english: nstr,
  title_japanese: nstr,
  title_synonyms: Type.Array(str),
  type: nstr,
  source: nstr,
  episodes: nint,
  status: nstr,
  airing: Type.Boolean(),
  aired: obj({ from: nstr, to: nstr, prop: obj({ from: dateParts, to: dateParts, string: nstr }, 'JikanDateRangeParts'), string: nstr }, 'JikanDateRange'),
  duration: nstr,
  rating: nstr,
  score: Nullable(Type.Number()),
  scored_by: nint,
  rank: nint,
  popularity: nint,
  members: nint,
  favorites: nint,
  synopsis: nstr,
  background: nstr,
  season: nstr,
  year: nint,
  broadcast: obj({ day: nstr, time: nstr, timezone: nstr, string: nstr }, 'JikanBroadcast'),
  producers: Type.Array(JikanRef),
  licensors: Type.Array(JikanRef),
  studios: Type.Array(JikanRef),
  genres: Type.Array(JikanRef),
  explicit_genres: Type.Array(JikanRef),
  themes: Type.Array(JikanRef),
  demographics: Type.Array(JikanRef)
}, 'JikanAnime')

const relation = obj({ relation: str, entry: Type.Array(JikanRef) }, 'JikanRelation')

export const JikanAnimeFull = Type.Composite([JikanAnime, obj({
  relations: Type.Array(relation),
  theme: obj({ openings: Type.Array(str), endings: Type.Array(str) }, 'JikanThemeSongs'),
  external: Type.Array(link),
  streaming: Type.Array(link)
})], { title: 'JikanAnimeFull' })

export const JikanPaginationPlus = obj({
  last_visible_page: Type.Integer(),
  has_next_page: Type.Boolean(),
  current_page: Type.Integer(),
  items: obj({ count: Type.Integer(), total: Type.Integer(), per_page: Type.Integer() }, 'JikanPaginationItems')
}, 'JikanPaginationPlus')

const reply = <T extends Record<string, TSchema>>(properties: T, title: string, example: unknown) => Type.Object(properties, { title, ...examples(example) })

export const JikanAnimeReply = reply({ data: JikanAnime }, 'JikanAnimeReply', { data: exampleAnime })
export const JikanAnimeFullReply = reply({ data: JikanAnimeFull }, 'JikanAnimeFullReply',
  { data: { ...exampleAnime, relations: exampleRelations, theme: { openings: [], endings: [] }, external: exampleExternal, streaming: [] } })
export const JikanAnimeSearchReply = reply({ data: Type.Array(JikanAnime), pagination: JikanPaginationPlus }, 'JikanAnimeSearchReply', { data: [exampleAnime], pagination: examplePagination })
export const JikanRelationsReply = reply({ data: Type.Array(relation) }, 'JikanRelationsReply', { data: exampleRelations })
export const JikanExternalReply = reply({ data: Type.Array(link) }, 'JikanExternalReply', { data: exampleExternal })
export const JikanPicturesReply = reply({ data: Type.Array(obj({ images: JikanAnimeImages }, 'JikanPicture')) }, 'JikanPicturesReply', { data: [{ images: exampleImages }] })
export const JikanRecommendationsReply = reply({
  data: Type.Array(obj({
    entry: obj({ mal_id: Type.Integer(), url: str, images: JikanAnimeImages, title: str }, 'JikanAnimeMeta'),
    url: Type.String({ description: "The recommended anime's MyAnimeList page (the ranking is this service's, not MyAnimeList's)." }),
    votes: Type.Integer({ description: 'Our similarity score in percent (0-100), not user votes.' })
  }, 'JikanRecommendation'))
}, 'JikanRecommendationsReply', {
  data: [{
    entry: { mal_id: 27899, url: 'https://myanimelist.net/anime/27899', images: exampleImages, title: 'Tokyo Ghoul √A' },
    url: 'https://myanimelist.net/anime/27899',
    votes: 78
  }]
})
export const JikanSeasonsReply = reply({ data: Type.Array(obj({ year: Type.Integer(), seasons: Type.Array(str) }, 'JikanSeasonYear')) }, 'JikanSeasonsReply',
  { data: [{ year: 2014, seasons: ['winter', 'spring', 'summer', 'fall'] }] })
export const JikanGenresReply = reply({ data: Type.Array(obj({ mal_id: Type.Integer(), name: str, url: str, count: Type.Integer() }, 'JikanGenre')) }, 'JikanGenresReply',
  { data: [{ mal_id: 1, name: 'Action', url: 'https://myanimelist.net/anime/genre/1/Action', count: 71 }] })

export const JikanProducer = obj({
  mal_id: Type.Integer({ description: "The company's id in this service (stable across catalogue updates), not MyAnimeList's." }),
  url: Type.String({ description: 'Its /v4/producers resource here.' }),
  titles: Type.Array(title),
  images: obj({ jpg: obj({ image_url: nstr }, 'JikanImageUrl') }, 'JikanProducerImages'),
  favorites: Type.Integer({ description: 'Always 0: AOD has no favourite counts (the document requires a whole number).' }),
  count: Type.Integer({ description: 'Entries served under /v4 it made (as studio or producer).' }),
  established: nstr,
  about: nstr
}, 'JikanProducer')
export const JikanProducerReply = reply({ data: JikanProducer }, 'JikanProducerReply', { data: exampleProducer })
export const JikanProducerFullReply = reply({ data: Type.Composite([JikanProducer, obj({ external: Type.Array(link) })], { title: 'JikanProducerFull' }) }, 'JikanProducerFullReply',
  { data: { ...exampleProducer, external: [] } })
export const JikanProducersReply = reply({
  data: Type.Array(JikanProducer),
  pagination: obj({ last_visible_page: Type.Integer(), has_next_page: Type.Boolean() }, 'JikanPagination')
}, 'JikanProducersReply', { data: [exampleProducer], pagination: { last_visible_page: 1, has_next_page: false } })

export const JikanError = Type.Object({
  status: Type.Integer(),
  type: Type.String({ examples: ['ValidationException', 'BadRequestException', 'BadResponseException', 'HttpException'] }),
  message: Type.Optional(Type.String()),
  messages: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()), { title: 'JikanValidationMessages', description: 'Per parameter, its messages (Laravel\'s wording).' })),
  error: Nullable(Type.String())
}, {
  title: 'JikanError',
  description: 'Errors as Jikan sends them: `status`, `type`, `message` and `error`; validation errors have per-parameter `messages` instead of `message`.'
})
