// Discovery: search with filters, filtered random, tag counts, full details and similar anime.
// The query schemas are the validators (src/validation): DRF's messages, every
// bad parameter at once.
import { Type, type TSchema } from '@sinclair/typebox'
import { AnimeEntry } from './anime.js'
import { Format, Nullable, Query, StringEnum } from './common.js'
import { Sites } from './mappings.js'
import { animeStatuses, animeTypes } from '../src/catalogue/normalize.js'
import { orderingFields, seasonNames } from '../src/catalogue/search.js'

export const typeChoices = [...new Set(Object.values(animeTypes))]
export const statusChoices = [...new Set(Object.values(animeStatuses))]
export const MAX_QUERY_LENGTH = 200
export const DEFAULT_PAGE_SIZE = 20
export const MAX_PAGE_SIZE = 100

/** A comma-separated list of `choices` in a query string, matched without regard to case. */
export const ChoiceList = <const T extends readonly string[]>(choices: T, description: string, example: string[]) =>
  Type.Optional(Type.Array(StringEnum(choices, { 'x-case-insensitive': true }), { description, examples: [example] }))

const TagList = (description: string, example: string[]) => Type.Optional(Type.Array(Type.String(), { description, examples: [example] }))

/** The filters of /anime/search and /anime/random (and /account/recommendations). */
export const filterProperties = {
  type: ChoiceList(typeChoices, 'Anime types, comma-separated, any of them: TV, Movie, OVA, ONA, Special, Unknown (case-insensitive).', ['TV', 'Movie']),
  status: ChoiceList(statusChoices, 'Statuses, comma-separated, any of them: Finished, Ongoing, Upcoming, Unknown (case-insensitive).', ['Finished']),
  season: ChoiceList(seasonNames, 'Seasons of first airing, comma-separated, any of them: winter, spring, summer, fall (case-insensitive); entries of unknown season never match. With `year`, that year\'s season.', ['summer']),
  tags: TagList('Tags, comma-separated: the entry has every one (case-insensitive).', ['Action', 'Horror']),
  exclude_tags: TagList('Tags, comma-separated: the entry has none of them (case-insensitive).', ['Romance']),
  year: Type.Optional(Type.Integer({ description: 'First aired in this year (entries of unknown year never match a year filter).', examples: [2014] })),
  year_min: Type.Optional(Type.Integer({ 'x-not-above': 'year_max', description: 'First aired in this year or later; not above `year_max`.', examples: [2010] })),
  year_max: Type.Optional(Type.Integer({ description: 'First aired in this year or earlier.', examples: [2020] })),
  episodes_min: Type.Optional(Type.Integer({ minimum: 0, 'x-not-above': 'episodes_max', description: 'At least this many episodes; not above `episodes_max`.', examples: [12] })),
  episodes_max: Type.Optional(Type.Integer({ minimum: 0, description: 'At most this many episodes.', examples: [26] }))
}

/** `page` of paged lists: a number from 1, or `last`. */
export const Page = Type.Optional(Type.Union([
  Type.Integer({ minimum: 1 }),
  StringEnum(['last'], { 'x-case-insensitive': true })
], { default: 1, description: 'Page number from 1, or `last`. A page past the end is 404 `{"detail":"Invalid page."}`.', examples: [1] }))

export const PageSize = Type.Optional(Type.Integer({
  minimum: 1,
  maximum: MAX_PAGE_SIZE,
  default: DEFAULT_PAGE_SIZE,
  description: `Items per page (1 to ${MAX_PAGE_SIZE}, default ${DEFAULT_PAGE_SIZE}).`,
  examples: [DEFAULT_PAGE_SIZE]
}))

export const orderingChoices = orderingFields.flatMap((field) => [field, `-${field}`])

export const SearchQuery = Query({
  q: Type.Optional(Type.String({
    maxLength: MAX_QUERY_LENGTH,
    description: 'Text searched in titles and synonyms: case- and diacritics-insensitive, word prefixes (`toky`), substrings in Japanese or Chinese script, one typo per word tolerated.',
    examples: ['tokyo ghoul']
  })),
  ...filterProperties,
  ordering: ChoiceList(orderingChoices,
    'Comma-separated fields among `relevance` (the default with `q`; without `q` entries come by id), `title`, `year`, `episodes`, `score`; a leading `-` reverses. ' +
    'Unknown years and scores come last either way; ties by id. A field given twice counts once, where it first appears.',
    ['-year', 'title']),
  page: Page,
  page_size: PageSize,
  format: Format
}, { title: 'SearchQuery' })

export const RandomQuery = Query({ ...filterProperties, format: Format }, { title: 'RandomQuery' })

export const TagsQuery = Query({
  q: Type.Optional(Type.String({ maxLength: MAX_QUERY_LENGTH, default: '', description: 'Start of the tag name (case-insensitive).', examples: ['sci'] })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Tags per page (1 to 1000, default 100).', examples: [10] })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: 'Tags to skip.', examples: [0] })),
  format: Format
}, { title: 'TagsQuery' })

export const SeasonsQuery = Query({
  page: Page,
  page_size: Type.Optional(Type.Integer({
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: DEFAULT_PAGE_SIZE,
    description: `Seasons per page (1 to ${MAX_PAGE_SIZE}, default ${DEFAULT_PAGE_SIZE}).`,
    examples: [DEFAULT_PAGE_SIZE]
  })),
  format: Format
}, { title: 'SeasonsQuery' })

export const SimilarQuery = Query({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10, description: 'How many entries (1 to 50, default 10).', examples: [10] })),
  format: Format
}, { title: 'SimilarQuery' })

/** `{"count":N,"next":url|null,"previous":url|null,"results":[…]}`, as DRF's paginated lists. */
export const ListOf = <T extends TSchema>(item: T, title: string, description: string) => Type.Object({
  count: Type.Integer({ description: 'How many items match in all.', examples: [42] }),
  next: Nullable(Type.String({ description: 'Absolute URL of the next page (the other parameters kept), null on the last.', examples: ['http://localhost:8000/anime/search?page=3&q=tokyo'] })),
  previous: Nullable(Type.String({ description: 'Absolute URL of the previous page, null on the first.', examples: ['http://localhost:8000/anime/search?q=tokyo'] })),
  results: Type.Array(item)
}, { title, description })

export const SearchPage = ListOf(AnimeEntry, 'SearchPage', 'One page of matching entries, each in the seed shape.')

export const TagCount = Type.Object({
  name: Type.String({ examples: ['Action'] }),
  count: Type.Integer({ description: 'Served entries with this tag.', examples: [1234] })
}, { title: 'TagCount' })

export const TagPage = ListOf(TagCount, 'TagPage', 'Tags with how many entries have each, most used first (ties by name).')

export const SeasonCount = Type.Object({
  year: Type.Integer({ examples: [2014] }),
  season: Type.String({ description: 'Winter, Spring, Summer or Fall (the spelling of the details; the `season` filter takes any case).', examples: ['Summer'] }),
  count: Type.Integer({ description: 'Served entries first aired in that season.', examples: [12] })
}, { title: 'SeasonCount' })

export const SeasonPage = ListOf(SeasonCount, 'SeasonPage', 'Every season (year and season of first airing) that has entries, with how many, newest first. Entries of unknown year or season are in none.')

export const RelatedAnime = Type.Object({
  id: Nullable(Type.Integer({ description: 'Our id, where the related anime is in the catalogue; else null.', examples: [18563] })),
  title: Nullable(Type.String({ description: 'Its title where it is in the catalogue; else null.', examples: ['Tokyo Ghoul √A'] })),
  url: Type.String({ description: 'The URL AOD lists (the first of them for an anime in the catalogue).', examples: ['https://anidb.net/anime/10875'] })
}, { title: 'RelatedAnime' })

export const AnimeDetails = Type.Object({
  ...AnimeEntry.properties,
  sources: Type.Array(Type.String(), { description: 'Every source URL, sorted.', examples: [['https://anidb.net/anime/10401', 'https://myanimelist.net/anime/22319']] }),
  sites: Sites,
  synonyms: Type.Array(Type.String(), { examples: [['TOKYO GHOUL', '東京喰種']] }),
  season: Nullable(Type.String({ description: 'Season of first airing: Spring, Summer, Fall or Winter; null where unknown.', examples: ['Summer'] })),
  studios: Type.Array(Type.String(), { examples: [['pierrot']] }),
  producers: Type.Array(Type.String(), { examples: [['marvelous', 'shueisha']] }),
  score: Nullable(Type.Number({ description: "AOD's score (arithmetic-geometric mean of the sources' scores, 1 to 10); the one `ordering=score` uses.", examples: [7.77] })),
  score_mean: Nullable(Type.Number({ description: 'Arithmetic mean of the sources\' scores.', examples: [7.79] })),
  score_median: Nullable(Type.Number({ description: 'Median of the sources\' scores.', examples: [7.83] })),
  episode_duration: Nullable(Type.Integer({ description: 'Length of one episode in seconds.', examples: [1440] })),
  thumbnail: Type.String({ examples: ['https://cdn.myanimelist.net/images/anime/5/64449t.jpg'] }),
  related: Type.Array(RelatedAnime, { description: 'Anime AOD lists as related (sequels, prequels, side stories…): one item per catalogue entry, else per URL.' })
}, { title: 'AnimeDetails', description: 'Everything the catalogue knows of an entry: the seed fields first, then the rest.' })

export const SimilarAnime = Type.Object({
  anime: AnimeEntry,
  score: Type.Number({ minimum: 0, maximum: 1, description: 'Similarity, 0 to 1: idf-weighted overlap of tags (weighted Jaccard); related entries get 0.5 + half of it.', examples: [0.78] }),
  shared_tags: Type.Array(Type.String(), { description: 'Tags both entries have, rarest first.', examples: [['Dark fantasy', 'Horror']] }),
  related: Type.Boolean({ description: 'AOD lists one of the two as related to the other.', examples: [true] })
}, { title: 'SimilarAnime' })

export const SimilarPage = ListOf(SimilarAnime, 'SimilarPage', 'The most similar entries, best first (never the entry itself); one page, so next and previous are null.')
