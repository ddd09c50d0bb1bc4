// The sites an entry's source URLs point at: MyAnimeList ids and the sites'
// display names. (Until the cross-site id index lands, the MyAnimeList id of an
// entry is read from its source URLs here.)

/** Where AOD's MyAnimeList source URLs start; the anime id follows. */
export const MAL_ANIME_PREFIX = 'https://myanimelist.net/anime/'

const malAnimeUrl = /^https:\/\/myanimelist\.net\/anime\/([1-9]\d{0,14})$/

/** The MyAnimeList id in `url`, or null when it is not an anime page of MyAnimeList. */
export function malIdOfUrl (url: string): number | null {
  const match = malAnimeUrl.exec(url)
  return match === null ? null : Number(match[1])
}

/** The lowest MyAnimeList anime id among `sources` (AOD merges rarely list two), or null. */
export function malIdOf (sources: readonly string[]): number | null {
  let lowest: number | null = null
  for (const url of sources) {
    const id = malIdOfUrl(url)
    if (id !== null && (lowest === null || id < lowest)) lowest = id
  }
  return lowest
}

/** The MyAnimeList page of anime `malId`, as AOD writes it. */
export const malAnimeUrlOf = (malId: number): string => `${MAL_ANIME_PREFIX}${malId}`

/** Display names of the sites AOD takes entries from, by host. */
const siteNames: Record<string, string> = {
  'anidb.net': 'AniDB',
  'anilist.co': 'AniList',
  'anime-planet.com': 'Anime-Planet',
  'animecountdown.com': 'AnimeCountdown',
  'animenewsnetwork.com': 'ANN',
  'anisearch.com': 'aniSearch',
  'kitsu.app': 'Kitsu',
  'kitsu.io': 'Kitsu',
  'livechart.me': 'LiveChart',
  'myanimelist.net': 'MyAnimeList',
  'notify.moe': 'Notify.moe',
  'simkl.com': 'Simkl'
}

/** The display name of the site `url` points at: a known site's name, else its host (`www.` dropped). */
export function siteName (url: string): string {
  let host: string
  try {
    host = new URL(url).hostname.toLowerCase()
  } catch {
    return url
  }
  if (host.startsWith('www.')) host = host.slice(4)
  return siteNames[host] ?? host
}
