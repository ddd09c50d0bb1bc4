// Catalogue entries in the shapes of Jikan v4 (its published OpenAPI document):
// every property Jikan lists is present, filled from the catalogue by the rules
// of docs/jikan.md, or null, [] or an object of nulls where AOD has no such data.
// Nothing is made up: no synopsis, rank, popularity, members, ratings or dates
// finer than the year.
import type { Company, FullEntry } from '../catalogue/full-entries.js'
import { malAnimeUrlOf, siteLabel } from './sites.js'
import { genreKinds, genresOfTags, malGenreUrl, type MalGenre } from './genres.js'

const jikanTypes: Record<string, string | null> = { TV: 'TV', Movie: 'Movie', OVA: 'OVA', ONA: 'ONA', Special: 'Special', Unknown: null }
const jikanStatuses: Record<string, string | null> = { Finished: 'Finished Airing', Ongoing: 'Currently Airing', Upcoming: 'Not yet aired', Unknown: null }

/** AOD's seconds per episode as MyAnimeList writes durations: `24 min per ep`, `1 hr 55 min`, `30 sec per ep`. */
export function durationText (seconds: number | null, episodes: number): string | null {
  if (seconds === null || !(seconds > 0)) return null
  const whole = Math.round(seconds)
  const hours = Math.floor(whole / 3600)
  const minutes = Math.floor((whole % 3600) / 60)
  const rest = whole % 60
  const parts: string[] = []
  if (hours > 0) parts.push(`${hours} hr`)
  if (minutes > 0) parts.push(`${minutes} min`)
  if (hours === 0 && (rest > 0 || parts.length === 0)) parts.push(`${rest} sec`)
  return `${parts.join(' ')}${episodes === 1 ? '' : ' per ep'}`
}

export interface ResourceRef { mal_id: number, type: string, name: string, url: string }

const genreRef = (genre: MalGenre): ResourceRef => ({ mal_id: genre.mal_id, type: 'anime', name: genre.name, url: malGenreUrl(genre) })

/** How a company (studio or producer) is linked: its id in this service and the URL of its /v4/producers resource. */
export type CompanyUrl = (id: number) => string

const companyRef = (companyUrl: CompanyUrl) => (company: Company): ResourceRef =>
  ({ mal_id: company.id, type: 'anime', name: company.name, url: companyUrl(company.id) })

const nullImages = { image_url: null, small_image_url: null, large_image_url: null }

/** `images` of an anime: AOD's picture (the largest it has) and thumbnail; no WebP variants. */
export const animeImages = (entry: Pick<FullEntry, 'picture' | 'thumbnail'>) => ({
  jpg: { image_url: entry.picture, small_image_url: entry.thumbnail, large_image_url: entry.picture },
  webp: { ...nullImages }
})

/** Jikan's `anime` resource of an entry whose MyAnimeList id is `malId`. */
export function animeResource (entry: FullEntry, malId: number, companyUrl: CompanyUrl) {
  const genres = genresOfTags(entry.tags)
  const [main, explicit, themes, demographics] = genreKinds.map((kind) => genres[kind].map(genreRef))
  const airedText = entry.year === null ? null : String(entry.year)
  return {
    mal_id: malId,
    url: malAnimeUrlOf(malId),
    images: animeImages(entry),
    trailer: {
      youtube_id: null,
      url: null,
      embed_url: null,
      images: { image_url: null, small_image_url: null, medium_image_url: null, large_image_url: null, maximum_image_url: null }
    },
    // Entries come from MyAnimeList's public pages: none is awaiting approval.
    approved: true,
    titles: [{ type: 'Default', title: entry.title }, ...entry.synonyms.map((title) => ({ type: 'Synonym', title }))],
    title: entry.title,
    title_english: null,
    title_japanese: null,
    title_synonyms: entry.synonyms,
    type: jikanTypes[entry.anime_type] ?? null,
    source: null,
    episodes: entry.num_episodes > 0 ? entry.num_episodes : null,
    status: jikanStatuses[entry.status] ?? null,
    airing: entry.status === 'Ongoing',
    // Jikan's document puts `string` inside `prop`, its server beside it: both, the same.
    aired: {
      from: null,
      to: null,
      prop: { from: { day: null, month: null, year: entry.year }, to: { day: null, month: null, year: null }, string: airedText },
      string: airedText
    },
    duration: durationText(entry.duration, entry.num_episodes),
    rating: null,
    score: entry.score,
    scored_by: null,
    rank: null,
    popularity: null,
    members: null,
    favorites: null,
    synopsis: null,
    background: null,
    season: entry.season === null ? null : entry.season.toLowerCase(),
    year: entry.year,
    broadcast: { day: null, time: null, timezone: null, string: null },
    producers: entry.producers.map(companyRef(companyUrl)),
    licensors: [],
    studios: entry.studios.map(companyRef(companyUrl)),
    genres: main,
    explicit_genres: explicit,
    themes,
    demographics
  }
}

/** A related entry with its MyAnimeList id. */
export interface RelatedEntry { malId: number, title: string }

/** `relations` of Jikan: AOD does not say how entries relate, so all come under MyAnimeList's unspecific "Other". */
export const animeRelations = (related: readonly RelatedEntry[]) => related.length === 0
  ? []
  : [{ relation: 'Other', entry: related.map((r) => ({ mal_id: r.malId, type: 'anime', name: r.title, url: malAnimeUrlOf(r.malId) })) }]

/** `external` of Jikan: every source page of the entry but its own MyAnimeList page. */
export const animeExternal = (entry: Pick<FullEntry, 'sources'>, malId: number) =>
  entry.sources.filter((url) => url !== malAnimeUrlOf(malId)).map((url) => ({ name: siteLabel(url), url }))

/** Jikan's `anime_full` resource. */
export function animeFullResource (entry: FullEntry, malId: number, companyUrl: CompanyUrl, related: readonly RelatedEntry[]) {
  return {
    ...animeResource(entry, malId, companyUrl),
    relations: animeRelations(related),
    theme: { openings: [], endings: [] },
    external: animeExternal(entry, malId),
    streaming: []
  }
}

/** Jikan's `anime_meta`: an entry named in another resource (recommendations). */
export const animeMeta = (entry: FullEntry, malId: number) =>
  ({ mal_id: malId, url: malAnimeUrlOf(malId), images: animeImages(entry), title: entry.title })
