// The sites an anime-offline-database entry lists among its `sources`, and how
// each writes its anime pages: a source URL is parsed into (site, id) here and
// nowhere else. Pure functions, no database.
//
// A site id is kept as the site writes it: a number where the site numbers its
// pages, a slug where it names them. Lookups compare a key (siteIdKey): numbers
// in plain decimal, anime-planet slugs in lower case (its pages are), other
// slugs exactly.

export const siteNames = [
  'anidb', 'anilist', 'animecountdown', 'animenewsnetwork', 'animeplanet', 'anisearch',
  'kitsu', 'livechart', 'myanimelist', 'notify', 'simkl'
] as const

export type SiteName = typeof siteNames[number]

export interface SiteDefinition {
  name: SiteName
  /** The anime page as AOD writes it, `{id}` standing for the id. */
  pattern: string
  /** Numbers or slugs. */
  ids: 'number' | 'slug'
  /** Host names AOD has used (without `www.`), the current one first. */
  hosts: readonly string[]
}

const numbered = (name: SiteName, pattern: string, ...hosts: string[]): SiteDefinition => ({ name, pattern, ids: 'number', hosts })
const slugged = (name: SiteName, pattern: string, ...hosts: string[]): SiteDefinition => ({ name, pattern, ids: 'slug', hosts })

/** Every site, by name, in name order (the order of `sites` objects). */
export const siteTable: Readonly<Record<SiteName, SiteDefinition>> = {
  anidb: numbered('anidb', 'https://anidb.net/anime/{id}', 'anidb.net'),
  anilist: numbered('anilist', 'https://anilist.co/anime/{id}', 'anilist.co'),
  animecountdown: numbered('animecountdown', 'https://animecountdown.com/{id}', 'animecountdown.com'),
  animenewsnetwork: numbered('animenewsnetwork', 'https://animenewsnetwork.com/encyclopedia/anime.php?id={id}', 'animenewsnetwork.com'),
  animeplanet: slugged('animeplanet', 'https://anime-planet.com/anime/{id}', 'anime-planet.com'),
  anisearch: numbered('anisearch', 'https://anisearch.com/anime/{id}', 'anisearch.com'),
  kitsu: numbered('kitsu', 'https://kitsu.app/anime/{id}', 'kitsu.app', 'kitsu.io'),
  livechart: numbered('livechart', 'https://livechart.me/anime/{id}', 'livechart.me'),
  myanimelist: numbered('myanimelist', 'https://myanimelist.net/anime/{id}', 'myanimelist.net'),
  notify: slugged('notify', 'https://notify.moe/anime/{id}', 'notify.moe'),
  simkl: numbered('simkl', 'https://simkl.com/anime/{id}', 'simkl.com')
}

/** A source URL read: the site and the id as the site writes it. */
export interface SiteId { site: SiteName, id: number | string }

/** `{"anidb": 10401, "animeplanet": "tokyo-ghoul", …}`: one id per site, sites in name order. */
export type Sites = Partial<Record<SiteName, number | string>>

const bySiteName = new Map<string, SiteDefinition>(siteNames.map((name) => [name, siteTable[name]]))

/** The site called `name` (case-insensitive), else undefined. */
export function siteNamed (name: string): SiteDefinition | undefined {
  return bySiteName.get(name.toLowerCase())
}

/** Host (lower case, no `www.`) → site and the path before the id. */
const byHost = new Map<string, Array<{ site: SiteDefinition, prefix: string }>>()
for (const site of Object.values(siteTable)) {
  const path = site.pattern.replace(/^https:\/\/[^/]+/, '').replace('{id}', '')
  for (const host of site.hosts) {
    const list = byHost.get(host) ?? []
    list.push({ site, prefix: path })
    byHost.set(host, list)
  }
}
// Older AOD files wrote AniDB pages as https://anidb.net/a4563.
byHost.get('anidb.net')!.push({ site: siteTable.anidb, prefix: '/a' })

const urlParts = /^https?:\/\/(?:www\.)?([^/?#]+)(\/[^#]*)$/i
const numberId = /^[1-9]\d{0,15}$/
const slugId = /^[^/?#&\s]+$/

/** The site and id of a source URL, or null when it is no anime page of a known site. */
export function parseSourceUrl (url: string): SiteId | null {
  const parts = urlParts.exec(url)
  if (parts === null) return null
  const candidates = byHost.get(parts[1]!.toLowerCase())
  if (candidates === undefined) return null
  let path = parts[2]!
  if (path.endsWith('/')) path = path.slice(0, -1)
  for (const { site, prefix } of candidates) {
    if (!path.startsWith(prefix)) continue
    const id = path.slice(prefix.length)
    if (site.ids === 'number') {
      if (numberId.test(id) && Number.isSafeInteger(Number(id))) return { site: site.name, id: Number(id) }
    } else if (slugId.test(id)) {
      return { site: site.name, id }
    }
  }
  return null
}

/**
 * The key a site id is looked up by (see the header), from a request's value:
 * a whole number or its digits for numbered sites, a slug for the others.
 * Null when the site never writes an id so (nothing can match it).
 */
export function siteIdKey (site: SiteName, id: unknown): string | null {
  if (siteTable[site].ids === 'number') {
    const text = typeof id === 'number' ? String(id) : typeof id === 'string' ? id.trim().replace(/^0+(?=\d)/, '') : ''
    return numberId.test(text) && Number.isSafeInteger(Number(text)) ? text : null
  }
  if (typeof id !== 'string' && typeof id !== 'number') return null
  const text = String(id).trim()
  if (!slugId.test(text)) return null
  return site === 'animeplanet' ? text.toLowerCase() : text
}

/** The page of `id` on `site`, as AOD writes it. */
export function sourceUrl (site: SiteName, id: number | string): string {
  return siteTable[site].pattern.replace('{id}', String(id))
}

/**
 * The `sites` object of an entry's sources: every site it lists, in name order.
 * An entry that merges several pages of one site shows the lowest of their ids
 * (every one of them still maps to the entry).
 */
export function sitesOf (sources: readonly string[]): Sites {
  const found = new Map<SiteName, number | string>()
  for (const url of sources) {
    const parsed = parseSourceUrl(url)
    if (parsed === null) continue
    const seen = found.get(parsed.site)
    if (seen === undefined || parsed.id < seen) found.set(parsed.site, parsed.id)
  }
  const sites: Sites = {}
  for (const name of siteNames) {
    const id = found.get(name)
    if (id !== undefined) sites[name] = id
  }
  return sites
}
