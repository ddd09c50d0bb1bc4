// Jikan's query parameters (already read and validated by schema, see
// validation.ts) as requests to the catalogue's search: which map onto AOD's
// data, which are 400 because AOD has no such data, and the checks across
// parameters that Jikan makes (Laravel's prohibits, lte/gte, before_or_equal).
import type { OrderingTerm, SearchRequest } from '../../catalogue/search.js'
import { malGenreById, unsafeGenres } from '../../jikan/genres.js'
import { badRequest, validationError, type FieldMessages } from './errors.js'

export type JikanQuery = Record<string, string | number | boolean | undefined>

/** Every /v4 list holds entries with a MyAnimeList page only. */
export const onMal = (): SearchRequest => ({ site: 'myanimelist' })

const catalogueTypes: Record<string, string> = { tv: 'TV', movie: 'Movie', ova: 'OVA', special: 'Special', ona: 'ONA' }
const catalogueStatuses: Record<string, string> = { airing: 'Ongoing', complete: 'Finished', upcoming: 'Upcoming' }

/** `type` (or a season's `filter`) as catalogue types; the MyAnimeList types AOD folds into others are 400. */
export function typesOf (type: unknown): string[] | undefined {
  if (typeof type !== 'string') return undefined
  const mapped = catalogueTypes[type]
  if (mapped === undefined) {
    throw badRequest(`type ${type} is not available: the anime-offline-database does not tell music videos, commercials, promotional videos or TV specials from other types`)
  }
  return [mapped]
}

export function noRating (rating: unknown): void {
  if (rating !== undefined) throw badRequest('rating is not available: the anime-offline-database has no audience ratings')
}

/** The tags of the explicit genres `sfw` leaves out. */
export const unsafeTags = (): string[] => unsafeGenres.flatMap((genre) => [...genre.tags])

/** Comma-separated whole numbers; anything else in the list is ignored, as jikan-rest casts each part. */
const idList = (text: unknown): number[] =>
  typeof text !== 'string' ? [] : text.split(',').map((part) => part.trim()).filter((part) => /^\d+$/.test(part)).map(Number)

const orderings: Record<string, OrderingTerm['field'] | string> = {
  mal_id: 'mal_id',
  title: 'title',
  type: 'type',
  rating: 'audience ratings',
  start_date: 'year',
  episodes: 'episodes',
  score: 'score',
  end_date: 'end dates',
  scored_by: 'numbers of users who scored',
  rank: 'MyAnimeList ranks',
  popularity: 'popularity ranks',
  members: 'member counts',
  favorites: 'favourite counts'
}
const catalogueOrderings = new Set(['mal_id', 'title', 'type', 'year', 'episodes', 'score'])

/** GET /v4/anime: the search. Throws Jikan's 400s. */
export function animeSearchOf (query: JikanQuery): SearchRequest {
  const messages: FieldMessages = {}
  const fail = (field: string, message: string): void => { (messages[field] ??= []).push(message) }
  const request: SearchRequest = onMal()
  if (typeof query.q === 'string' && query.q.trim() !== '') request.q = query.q
  if (query.letter !== undefined && query.q !== undefined) fail('letter', 'The letter field prohibits q from being present.')
  if (query.score !== undefined && (query.min_score !== undefined || query.max_score !== undefined)) {
    fail('score', `The score field prohibits ${['min_score', 'max_score'].filter((k) => query[k] !== undefined).map((k) => k.replace('_', ' ')).join(' / ')} from being present.`)
  }
  const min = query.min_score as number | undefined
  const max = query.max_score as number | undefined
  if (min !== undefined && max !== undefined && min > max) {
    fail('min_score', `The min score must be less than or equal to ${max}.`)
    fail('max_score', `The max score must be greater than or equal to ${min}.`)
  }
  if (query.producer !== undefined && query.producers !== undefined) fail('producer', 'The producer field prohibits producers from being present.')
  const start = query.start_date as string | undefined
  const end = query.end_date as string | undefined
  for (const [field, value] of [['start_date', start], ['end_date', end]] as const) {
    if (value !== undefined && Number.isNaN(Date.parse(`${value}T00:00:00Z`))) fail(field, `The ${field.replace('_', ' ')} does not match the format Y-m-d.`)
  }
  if (start !== undefined && end !== undefined && messages.start_date === undefined && messages.end_date === undefined && start > end) {
    fail('start_date', 'The start date must be a date before or equal to end date.')
    fail('end_date', 'The end date must be a date after or equal to start date.')
  }
  if (Object.keys(messages).length > 0) throw validationError(messages)

  noRating(query.rating)
  request.types = typesOf(query.type)
  if (typeof query.status === 'string') request.statuses = [catalogueStatuses[query.status]!]
  if (typeof query.score === 'number') { request.scoreMin = query.score; request.scoreMax = query.score }
  // As Jikan: 0 and 10, the ends of the scale, bound nothing.
  if (min !== undefined && min !== 0) request.scoreMin = min
  if (max !== undefined && max !== 10) request.scoreMax = max
  const included = idList(query.genres)
  if (included.length > 0) request.tagGroups = included.map((id) => [...(malGenreById(id)?.tags ?? [])])
  const excluded = [...(query.sfw === true ? unsafeTags() : []), ...idList(query.genres_exclude).flatMap((id) => [...(malGenreById(id)?.tags ?? [])])]
  if (excluded.length > 0) request.excludeTags = excluded
  if (typeof query.letter === 'string') request.titlePrefix = query.letter
  const companies = typeof query.producer === 'number' ? [query.producer] : idList(query.producers)
  if (query.producer !== undefined || query.producers !== undefined) request.companies = companies
  if (start !== undefined) request.yearMin = Number(start.slice(0, 4))
  if (end !== undefined) request.yearMax = Number(end.slice(0, 4))
  if (typeof query.order_by === 'string') {
    const field = orderings[query.order_by]!
    if (!catalogueOrderings.has(field)) throw badRequest(`order_by ${query.order_by} is not available: the anime-offline-database has no ${field}`)
    request.ordering = [{ field: field as OrderingTerm['field'], descending: query.sort === 'desc' }]
  }
  return request
}

/** GET /v4/top/anime: by catalogue score, best first; entries without a score are not ranked (but upcoming ones). */
export function topAnimeOf (query: JikanQuery): SearchRequest {
  noRating(query.rating)
  if (query.filter === 'bypopularity' || query.filter === 'favorite') {
    throw badRequest(`filter ${query.filter} is not available: the anime-offline-database has no ${query.filter === 'bypopularity' ? 'member' : 'favourite'} counts to rank by`)
  }
  const request: SearchRequest = {
    ...onMal(),
    types: typesOf(query.type),
    // Jikan's top lists leave out adult-rated anime; AOD has no ratings, so its Hentai genre stands for them.
    excludeTags: query.sfw === true ? unsafeTags() : [...malGenreById(12)!.tags],
    ordering: [{ field: 'score', descending: true }]
  }
  if (query.filter === 'airing') request.statuses = ['Ongoing']
  if (query.filter === 'upcoming') request.statuses = ['Upcoming']
  else request.scoreMin = 0
  return request
}

/** The seasons' lists: `filter` (type) and `sfw`; best scored first. */
export function seasonOf (query: JikanQuery, season: SearchRequest): SearchRequest {
  if (query.continuing === true) {
    throw badRequest('continuing is not available: the anime-offline-database has no end dates, so which earlier anime were still airing is unknown')
  }
  return {
    ...onMal(),
    ...season,
    types: typesOf(query.filter),
    ...(query.sfw === true ? { excludeTags: unsafeTags() } : {}),
    ordering: [{ field: 'score', descending: true }]
  }
}

/** The season a moment falls in, as MyAnimeList counts them (winter: January to March, …). */
export function seasonAt (time: number): { year: number, season: 'winter' | 'spring' | 'summer' | 'fall' } {
  const date = new Date(time)
  const seasons = ['winter', 'spring', 'summer', 'fall'] as const
  return { year: date.getUTCFullYear(), season: seasons[Math.floor(date.getUTCMonth() / 3)]! }
}
