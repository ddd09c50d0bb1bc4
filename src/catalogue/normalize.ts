// Maps one anime-offline-database record to the catalogue's row, following
// the mapping table of docs/compatibility.md. A record that cannot be mapped is rejected with a
// reason, so the importer can skip and count it. Numbers are held to what the
// data can mean (limits below): a value outside them is dropped (null, or 0 for
// the episode count, AOD's own "unknown") and noted, so the import reports it;
// nothing the file says is served beyond its range.

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

/** What an imported value may be; outside these it is dropped with a note (see normalizeRecord). */
export const importLimits = {
  /** Episodes of one entry (the longest-running series have a few thousand). */
  maxEpisodes: 100_000,
  /** Seconds of one episode: more than a day is no episode length. */
  maxDurationSeconds: 86_400,
  /** AOD's score range (its files say `scoreRange` 1 to 10). */
  minScore: 1,
  maxScore: 10,
  minYear: 1900,
  maxYear: 2200,
  /** Characters of a title, synonym, tag, studio or producer (the longest real titles have a few hundred). */
  maxTextLength: 1000
} as const

/** Told about each value dropped from a record, and why. */
export type NoteAdjustment = (reason: string) => void

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

function stringList (record: Record<string, unknown>, key: string, note: NoteAdjustment): string[] {
  const value = record[key]
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) fail(`"${key}" is not a list`)
  const out: string[] = []
  for (const item of value) {
    if (typeof item !== 'string') fail(`"${key}" holds a non-string`)
    const trimmed = item.trim()
    if (trimmed.length > importLimits.maxTextLength) {
      note(`"${key}" holds a text of ${trimmed.length} characters (more than ${importLimits.maxTextLength}): left out`)
    } else if (trimmed !== '') {
      out.push(trimmed)
    }
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

/** `value` when within [min, max]; null, noted, otherwise. */
function bounded (value: number | null, key: string, min: number, max: number, note: NoteAdjustment, instead = 'null'): number | null {
  if (value === null || (value >= min && value <= max)) return value
  note(`"${key}" is ${value}, outside ${min} to ${max}: set to ${instead}`)
  return null
}

/** `dark fantasy` → `Dark fantasy`: the seed's tag casing. */
export function seedTag (tag: string): string {
  // ASCII first (nearly every tag), without a regular expression: 600k tags in a 40k file.
  const first = tag.charCodeAt(0)
  if (first >= 97 && first <= 122) return String.fromCharCode(first - 32) + tag.slice(1)
  if (!(first >= 128)) return tag
  return tag.replace(/^\p{Ll}/u, (letter) => letter.toUpperCase())
}

export function normalizeRecord (record: unknown, note: NoteAdjustment = () => {}): AnimeRow {
  if (!isObject(record)) fail('not an object')
  const title = record.title
  if (typeof title !== 'string' || title.trim() === '') fail('missing "title"')
  if (title.trim().length > importLimits.maxTextLength) fail(`"title" is longer than ${importLimits.maxTextLength} characters`)

  const sources = uniqueSorted(stringList(record, 'sources', note))
  if (sources.length === 0) fail('no "sources"')

  const rawType = record.type ?? 'UNKNOWN'
  if (typeof rawType !== 'string') fail('"type" is not a string')
  const animeType = animeTypes[rawType.toUpperCase()] ?? 'Unknown'

  const rawStatus = record.status ?? 'UNKNOWN'
  if (typeof rawStatus !== 'string') fail('"status" is not a string')
  const status = animeStatuses[rawStatus.toUpperCase()] ?? 'Unknown'

  const rawEpisodes = record.episodes ?? 0
  if (typeof rawEpisodes !== 'number' || !Number.isInteger(rawEpisodes) || rawEpisodes < 0) fail('"episodes" is not a whole number')
  const episodes = bounded(rawEpisodes, 'episodes', 0, importLimits.maxEpisodes, note, '0 (unknown)') ?? 0

  let year: number | null = null
  let season: string | null = null
  if (record.animeSeason !== undefined && record.animeSeason !== null) {
    if (!isObject(record.animeSeason)) fail('"animeSeason" is not an object')
    const rawYear = record.animeSeason.year
    if (rawYear !== undefined && rawYear !== null && rawYear !== 0) {
      if (typeof rawYear !== 'number' || !Number.isInteger(rawYear) || rawYear < importLimits.minYear || rawYear > importLimits.maxYear) fail('"animeSeason.year" is not a year')
      year = rawYear
    }
    const rawSeason = record.animeSeason.season
    if (typeof rawSeason === 'string' && seasons.has(rawSeason.toUpperCase()) && rawSeason.toUpperCase() !== 'UNDEFINED') {
      season = rawSeason.toUpperCase()
    }
  }

  const rawPicture = record.picture ?? NO_PICTURE
  if (typeof rawPicture !== 'string') fail('"picture" is not a string')
  const rawThumbnail = record.thumbnail ?? NO_THUMBNAIL
  if (typeof rawThumbnail !== 'string') fail('"thumbnail" is not a string')
  let picture = rawPicture
  let thumbnail = rawThumbnail
  if (picture.length > importLimits.maxTextLength) {
    note(`"picture" is ${picture.length} characters long (more than ${importLimits.maxTextLength}): the no-picture image instead`)
    picture = NO_PICTURE
  }
  if (thumbnail.length > importLimits.maxTextLength) {
    note(`"thumbnail" is ${thumbnail.length} characters long (more than ${importLimits.maxTextLength}): the no-picture image instead`)
    thumbnail = NO_THUMBNAIL
  }

  let duration: number | null = null
  if (record.duration !== undefined && record.duration !== null) {
    if (!isObject(record.duration)) fail('"duration" is not an object')
    const value = optionalNumber(record.duration.value, 'duration.value')
    const unit = typeof record.duration.unit === 'string' ? record.duration.unit.toUpperCase() : 'SECONDS'
    const factor = unit === 'SECONDS' ? 1 : unit === 'MINUTES' ? 60 : unit === 'HOURS' ? 3600 : fail('"duration.unit" is unknown')
    duration = bounded(value === null ? null : Math.round(value * factor), 'duration', 1, importLimits.maxDurationSeconds, note)
  }

  let score: number | null = null
  let scoreMean: number | null = null
  let scoreMedian: number | null = null
  if (record.score !== undefined && record.score !== null) {
    if (!isObject(record.score)) fail('"score" is not an object')
    const { minScore, maxScore } = importLimits
    score = bounded(optionalNumber(record.score.arithmeticGeometricMean, 'score.arithmeticGeometricMean'), 'score.arithmeticGeometricMean', minScore, maxScore, note)
    scoreMean = bounded(optionalNumber(record.score.arithmeticMean, 'score.arithmeticMean'), 'score.arithmeticMean', minScore, maxScore, note)
    scoreMedian = bounded(optionalNumber(record.score.median, 'score.median'), 'score.median', minScore, maxScore, note)
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
    tags: uniqueSorted(stringList(record, 'tags', note).map(seedTag)),
    sources,
    synonyms: [...new Set(stringList(record, 'synonyms', note))],
    studios: [...new Set(stringList(record, 'studios', note))],
    producers: [...new Set(stringList(record, 'producers', note))],
    related: uniqueSorted(stringList(record, 'relatedAnime', note))
  }
}
