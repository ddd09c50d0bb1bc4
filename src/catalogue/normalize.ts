// Maps one anime-offline-database record to the catalogue's row, following
// CONTRACT's mapping table. A record that cannot be mapped is rejected with a
// reason, so the importer can skip and count it.

export const NO_PICTURE = 'https://raw.githubusercontent.com/manami-project/anime-offline-database/master/pics/no_pic.png'
export const NO_THUMBNAIL = 'https://raw.githubusercontent.com/manami-project/anime-offline-database/master/pics/no_pic_thumbnail.png'

export const animeTypes: Record<string, string> = {
  TV: 'TV',
  MOVIE: 'Movie',
  OVA: 'OVA',
  ONA: 'ONA',
  SPECIAL: 'Special',
  UNKNOWN: 'Unknown'
}

export const animeStatuses: Record<string, string> = {
  FINISHED: 'Finished',
  ONGOING: 'Ongoing',
  CURRENTLY: 'Ongoing',
  UPCOMING: 'Upcoming',
  UNKNOWN: 'Unknown'
}

const seasons = new Set(['SPRING', 'SUMMER', 'FALL', 'WINTER', 'UNDEFINED'])

/** A catalogue row as stored (list columns as arrays here, JSON text in SQLite). */
export interface AnimeRow {
  title: string
  source: string
  anime_type: string
  num_episodes: number
  status: string
  year: number | null
  season: string | null
  picture: string
  thumbnail: string
  duration: number | null
  score: number | null
  score_mean: number | null
  score_median: number | null
  tags: string[]
  sources: string[]
  synonyms: string[]
  studios: string[]
  producers: string[]
  related: string[]
}

export class BadRecordError extends Error {}

function fail (reason: string): never {
  throw new BadRecordError(reason)
}

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function stringList (record: Record<string, unknown>, key: string): string[] {
  const value = record[key]
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) fail(`"${key}" is not a list`)
  const out: string[] = []
  for (const item of value) {
    if (typeof item !== 'string') fail(`"${key}" holds a non-string`)
    const trimmed = item.trim()
    if (trimmed !== '') out.push(trimmed)
  }
  return out
}

function uniqueSorted (values: string[]): string[] {
  // Lists usually come sorted already: one pass shows it (strictly increasing in
  // UTF-16 order, sort()'s order, means no duplicates either).
  for (let i = 1; i < values.length; i++) {
    if (!(values[i - 1]! < values[i]!)) return [...new Set(values)].sort()
  }
  return values
}

function optionalNumber (value: unknown, key: string): number | null {
  if (value === undefined || value === null) return null
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(`"${key}" is not a number`)
  return value
}

/** `dark fantasy` → `Dark fantasy`: the seed's tag casing. */
export function seedTag (tag: string): string {
  // ASCII first (nearly every tag), without a regular expression: 600k tags in a 40k file.
  const first = tag.charCodeAt(0)
  if (first >= 97 && first <= 122) return String.fromCharCode(first - 32) + tag.slice(1)
  if (!(first >= 128)) return tag
  return tag.replace(/^\p{Ll}/u, (letter) => letter.toUpperCase())
}

export function normalizeRecord (record: unknown): AnimeRow {
  if (!isObject(record)) fail('not an object')
  const title = record.title
  if (typeof title !== 'string' || title.trim() === '') fail('missing "title"')

  const sources = uniqueSorted(stringList(record, 'sources'))
  if (sources.length === 0) fail('no "sources"')

  const rawType = record.type ?? 'UNKNOWN'
  if (typeof rawType !== 'string') fail('"type" is not a string')
  const animeType = animeTypes[rawType.toUpperCase()] ?? 'Unknown'

  const rawStatus = record.status ?? 'UNKNOWN'
  if (typeof rawStatus !== 'string') fail('"status" is not a string')
  const status = animeStatuses[rawStatus.toUpperCase()] ?? 'Unknown'

  const episodes = record.episodes ?? 0
  if (typeof episodes !== 'number' || !Number.isInteger(episodes) || episodes < 0) fail('"episodes" is not a whole number')

  let year: number | null = null
  let season: string | null = null
  if (record.animeSeason !== undefined && record.animeSeason !== null) {
    if (!isObject(record.animeSeason)) fail('"animeSeason" is not an object')
    const rawYear = record.animeSeason.year
    if (rawYear !== undefined && rawYear !== null && rawYear !== 0) {
      if (typeof rawYear !== 'number' || !Number.isInteger(rawYear) || rawYear < 1900 || rawYear > 2200) fail('"animeSeason.year" is not a year')
      year = rawYear
    }
    const rawSeason = record.animeSeason.season
    if (typeof rawSeason === 'string' && seasons.has(rawSeason.toUpperCase()) && rawSeason.toUpperCase() !== 'UNDEFINED') {
      season = rawSeason.toUpperCase()
    }
  }

  const picture = record.picture ?? NO_PICTURE
  if (typeof picture !== 'string') fail('"picture" is not a string')
  const thumbnail = record.thumbnail ?? NO_THUMBNAIL
  if (typeof thumbnail !== 'string') fail('"thumbnail" is not a string')

  let duration: number | null = null
  if (record.duration !== undefined && record.duration !== null) {
    if (!isObject(record.duration)) fail('"duration" is not an object')
    const value = optionalNumber(record.duration.value, 'duration.value')
    const unit = typeof record.duration.unit === 'string' ? record.duration.unit.toUpperCase() : 'SECONDS'
    const factor = unit === 'SECONDS' ? 1 : unit === 'MINUTES' ? 60 : unit === 'HOURS' ? 3600 : fail('"duration.unit" is unknown')
    duration = value === null ? null : Math.round(value * factor)
  }

  let score: number | null = null
  let scoreMean: number | null = null
  let scoreMedian: number | null = null
  if (record.score !== undefined && record.score !== null) {
    if (!isObject(record.score)) fail('"score" is not an object')
    score = optionalNumber(record.score.arithmeticGeometricMean, 'score.arithmeticGeometricMean')
    scoreMean = optionalNumber(record.score.arithmeticMean, 'score.arithmeticMean')
    scoreMedian = optionalNumber(record.score.median, 'score.median')
  }

  return {
    title: title.trim(),
    source: sources[0]!,
    anime_type: animeType,
    num_episodes: episodes,
    status,
    year,
    season,
    picture,
    thumbnail,
    duration,
    score,
    score_mean: scoreMean,
    score_median: scoreMedian,
    tags: uniqueSorted(stringList(record, 'tags').map(seedTag)),
    sources,
    synonyms: [...new Set(stringList(record, 'synonyms'))],
    studios: [...new Set(stringList(record, 'studios'))],
    producers: [...new Set(stringList(record, 'producers'))],
    related: uniqueSorted(stringList(record, 'relatedAnime'))
  }
}
