// The /v4 routes: Jikan v4's parameters and resources (its published OpenAPI
// document is the specification; test/fixtures/jikan/api-docs.json holds a copy
// the tests validate every answer against). Query parameters are validated by
// these schemas; `x-enum-class` names the enum Jikan's own messages name.
import { Type, type TSchema } from '@sinclair/typebox'
import { Nullable } from './common.js'

/** Jikan's largest page. */
export const JIKAN_MAX_LIMIT = 25

const choice = (values: readonly string[], enumClass: string, description: string) =>
  Type.Unsafe<string>({ type: 'string', enum: [...values], 'x-enum-class': enumClass, description: `${description} (case-insensitive)` })

const flag = (description: string) => Type.Optional(Type.Boolean({ description: `${description} A flag: \`?name\` alone means true.` }))

const page = Type.Optional(Type.Integer({ minimum: 1, description: 'Page number, from 1. A page past the end is empty.' }))
const limit = Type.Optional(Type.Integer({ minimum: 1, maximum: JIKAN_MAX_LIMIT, description: `Entries per page, 1 to ${JIKAN_MAX_LIMIT} (the default).` }))
const date = (description: string) => Type.Optional(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', 'x-format-name': 'Y-m-d', description }))
const sort = Type.Optional(choice(['desc', 'asc'], 'SortDirection', 'Direction of `order_by`; `asc` by default.'))
const letter = Type.Optional(Type.String({ minLength: 1, maxLength: 1, pattern: '^\\p{L}+$', description: 'Entries whose title starts with this letter; not with `q`.' }))

export const animeTypes = ['tv', 'movie', 'ova', 'special', 'ona', 'music', 'cm', 'pv', 'tv_special'] as const
export const animeOrderings = ['mal_id', 'title', 'start_date', 'end_date', 'episodes', 'score', 'scored_by', 'rank', 'popularity', 'members', 'favorites'] as const
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
  q: Type.Optional(Type.String({ maxLength: 255, description: 'Text in titles and synonyms, with the typo tolerance of /anime/search.' })),
  type: animeType,
  score: Type.Optional(Type.Number({ minimum: 1, maximum: 9.99, description: 'Exactly this catalogue score; not with `min_score` or `max_score`.' })),
  min_score: Type.Optional(Type.Number({ minimum: 0, maximum: 10, description: 'Catalogue score at least this (0: no bound).' })),
  max_score: Type.Optional(Type.Number({ minimum: 1, maximum: 10, description: 'Catalogue score at most this (10: no bound).' })),
  status: Type.Optional(choice(['airing', 'complete', 'upcoming'], 'AnimeStatusEnum', 'Airing status.')),
  rating,
  sfw,
  genres: Type.Optional(Type.String({ description: 'MyAnimeList genre ids, comma-separated: entries with every one of them.' })),
  genres_exclude: Type.Optional(Type.String({ description: 'MyAnimeList genre ids, comma-separated: entries with none of them.' })),
  order_by: Type.Optional(choice(animeOrderings, 'AnimeOrderByEnum', '`mal_id`, `title`, `start_date` (the year), `episodes`, `score`; the others are 400 (AOD lacks their data).')),
  sort,
  letter,
  producer: Type.Optional(Type.Integer({ minimum: 1, description: 'A company id of /v4/producers; not with `producers`.' })),
  producers: Type.Optional(Type.String({ description: 'Company ids of /v4/producers, comma-separated: entries by any of them.' })),
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
  year: Type.String({ pattern: '^[0-9]{4}$', description: 'Four digits.' }),
  season: Type.String({ pattern: '^[A-Za-z]+$', description: '`winter`, `spring`, `summer` or `fall`.' })
})

export const RandomAnimeQuery = Type.Object({ sfw }, { title: 'JikanRandomAnimeQuery' })

export const GenresQuery = Type.Object({
  filter: Type.Optional(choice(genreFilters, 'GenreFilterEnum', 'Only this kind.'))
}, { title: 'JikanGenresQuery' })

export const ProducersQuery = Type.Object({
  page,
  limit,
  q: Type.Optional(Type.String({ maxLength: 255, description: 'Text in the name.' })),
  order_by: Type.Optional(choice(producerOrderings, 'ProducerOrderByEnum', '`mal_id` (our id) or `count`; `favorites` and `established` are 400 (AOD lacks them).')),
  sort,
  letter
}, { title: 'JikanProducersQuery' })

export const IdParams = Type.Object({
  id: Type.String({ pattern: '^[0-9]+$', description: 'The MyAnimeList id (anime) or the company id (producers).' })
})

// Resources, as the OpenAPI document of Jikan lists them.
const str = Type.String()
const nstr = Nullable(Type.String())
const nint = Nullable(Type.Integer())
const obj = <T extends Record<string, TSchema>>(properties: T, title?: string) => Type.Object(properties, title === undefined ? {} : { title })

export const JikanRef = obj({ mal_id: Type.Integer(), type: str, name: str, url: str }, 'JikanRef')
const images = obj({ image_url: nstr, small_image_url: nstr, large_image_url: nstr })
export const JikanAnimeImages = obj({ jpg: images, webp: images }, 'JikanAnimeImages')
const dateParts = obj({ day: nint, month: nint, year: nint })
const link = obj({ name: str, url: str })

export const JikanAnime = obj({
  mal_id: Type.Integer(),
  url: str,
  images: JikanAnimeImages,
  trailer: obj({
    youtube_id: nstr,
    url: nstr,
    embed_url: nstr,
    images: obj({ image_url: nstr, small_image_url: nstr, medium_image_url: nstr, large_image_url: nstr, maximum_image_url: nstr })
  }),
  approved: Type.Boolean(),
  titles: Type.Array(obj({ type: str, title: str })),
  title: str,
  title_english: nstr,
  title_japanese: nstr,
  title_synonyms: Type.Array(str),
  type: nstr,
  source: nstr,
  episodes: nint,
  status: nstr,
  airing: Type.Boolean(),
  aired: obj({ from: nstr, to: nstr, prop: obj({ from: dateParts, to: dateParts, string: nstr }), string: nstr }),
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
  broadcast: obj({ day: nstr, time: nstr, timezone: nstr, string: nstr }),
  producers: Type.Array(JikanRef),
  licensors: Type.Array(JikanRef),
  studios: Type.Array(JikanRef),
  genres: Type.Array(JikanRef),
  explicit_genres: Type.Array(JikanRef),
  themes: Type.Array(JikanRef),
  demographics: Type.Array(JikanRef)
}, 'JikanAnime')

const relation = obj({ relation: str, entry: Type.Array(JikanRef) })

export const JikanAnimeFull = Type.Composite([JikanAnime, obj({
  relations: Type.Array(relation),
  theme: obj({ openings: Type.Array(str), endings: Type.Array(str) }),
  external: Type.Array(link),
  streaming: Type.Array(link)
})], { title: 'JikanAnimeFull' })

export const JikanPaginationPlus = obj({
  last_visible_page: Type.Integer(),
  has_next_page: Type.Boolean(),
  current_page: Type.Integer(),
  items: obj({ count: Type.Integer(), total: Type.Integer(), per_page: Type.Integer() })
}, 'JikanPaginationPlus')

export const JikanAnimeReply = obj({ data: JikanAnime }, 'JikanAnimeReply')
export const JikanAnimeFullReply = obj({ data: JikanAnimeFull }, 'JikanAnimeFullReply')
export const JikanAnimeSearchReply = obj({ data: Type.Array(JikanAnime), pagination: JikanPaginationPlus }, 'JikanAnimeSearchReply')
export const JikanRelationsReply = obj({ data: Type.Array(relation) }, 'JikanRelationsReply')
export const JikanExternalReply = obj({ data: Type.Array(link) }, 'JikanExternalReply')
export const JikanPicturesReply = obj({ data: Type.Array(obj({ images: JikanAnimeImages })) }, 'JikanPicturesReply')
export const JikanRecommendationsReply = obj({
  data: Type.Array(obj({
    entry: obj({ mal_id: Type.Integer(), url: str, images: JikanAnimeImages, title: str }),
    url: Type.String({ description: "The recommended anime's MyAnimeList page (the ranking is this service's, not MyAnimeList's)." }),
    votes: Type.Integer({ description: 'Our similarity score in percent (0-100), not user votes.' })
  }))
}, 'JikanRecommendationsReply')
export const JikanSeasonsReply = obj({ data: Type.Array(obj({ year: Type.Integer(), seasons: Type.Array(str) })) }, 'JikanSeasonsReply')
export const JikanGenresReply = obj({ data: Type.Array(obj({ mal_id: Type.Integer(), name: str, url: str, count: Type.Integer() })) }, 'JikanGenresReply')

export const JikanProducer = obj({
  mal_id: Type.Integer({ description: "The company's id in this service (stable across catalogue updates), not MyAnimeList's." }),
  url: Type.String({ description: 'Its /v4/producers resource here.' }),
  titles: Type.Array(obj({ type: str, title: str })),
  images: obj({ jpg: obj({ image_url: nstr }) }),
  favorites: Type.Integer({ description: 'Always 0: AOD has no favourite counts (the document requires a whole number).' }),
  count: Type.Integer({ description: 'Entries served under /v4 it made (as studio or producer).' }),
  established: nstr,
  about: nstr
}, 'JikanProducer')
export const JikanProducerReply = obj({ data: JikanProducer }, 'JikanProducerReply')
export const JikanProducerFullReply = obj({ data: Type.Composite([JikanProducer, obj({ external: Type.Array(link) })]) }, 'JikanProducerFullReply')
export const JikanProducersReply = obj({
  data: Type.Array(JikanProducer),
  pagination: obj({ last_visible_page: Type.Integer(), has_next_page: Type.Boolean() })
}, 'JikanProducersReply')

export const JikanError = Type.Object({
  status: Type.Integer(),
  type: Type.String({ examples: ['ValidationException', 'BadRequestException', 'BadResponseException', 'HttpException'] }),
  message: Type.Optional(Type.String()),
  messages: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String()))),
  error: Nullable(Type.String())
}, {
  title: 'JikanError',
  description: 'Errors as Jikan sends them: `status`, `type`, `message` and `error`; validation errors have per-parameter `messages` instead of `message`.'
})
