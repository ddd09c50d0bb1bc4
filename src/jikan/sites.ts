// MyAnimeList ids and site names as the /v4 resources show them, read through the
// catalogue's one parser of source URLs (src/catalogue/sites.ts).
import { parseSourceUrl, sitesOf, sourceUrl, type SiteName } from '../catalogue/sites.js'

/** The MyAnimeList id of an entry with these sources (the lowest, where AOD merged two), or null. */
export const malIdOf = (sources: readonly string[]): number | null => (sitesOf(sources).myanimelist as number | undefined) ?? null

/** The MyAnimeList page of anime `malId`, as AOD writes it. */
export const malAnimeUrlOf = (malId: number): string => sourceUrl('myanimelist', malId)

/** How Jikan's `external` links name the sites AOD lists. */
const labels: Record<SiteName, string> = {
  anidb: 'AniDB',
  anilist: 'AniList',
  animecountdown: 'AnimeCountdown',
  animenewsnetwork: 'ANN',
  animeplanet: 'Anime-Planet',
  anisearch: 'aniSearch',
  kitsu: 'Kitsu',
  livechart: 'LiveChart',
  myanimelist: 'MyAnimeList',
  notify: 'Notify.moe',
  simkl: 'Simkl'
}

/** The name of the site `url` is a page of: a known site's, else its host (`www.` dropped). */
export function siteLabel (url: string): string {
  const parsed = parseSourceUrl(url)
  if (parsed !== null) return labels[parsed.site]
  try {
    return new URL(url).hostname.replace(/^www\./, '')
  } catch {
    return url
  }
}
