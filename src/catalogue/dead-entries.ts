// anime-offline-database's dead-entry lists: for some of its sources, the ids
// the site has deleted (404, or gone behind a login). Each is a JSON document,
// one per site, named after it (anidb, anilist, animenewsnetwork, kitsu,
// myanimelist), in the same shape as the catalogue's own metadata:
//
//   {"license": {…}, "repository": "…", "lastUpdate": "2026-09-05",
//    "deadEntries": ["38492", "38518", …]}
//
// manami-project published them as `dead-entries/<site>.json` (and
// `-minified.json`, `.zip`, `.zst` variants); the continuation publishes
// `dead-entries/*.json` beside its releases. An update that finds them uses
// them to retire entries whose every source has died, and so that a dead URL no
// longer holds on to its id: should the site ever give that number to another
// anime, it gets a new id rather than the old one's (ids are never reused).
import { parseSourceUrl, siteIdKey, type SiteName } from './sites.js'

/** The sites AOD publishes dead-entry lists for (their names as in sites.ts and AOD's file names). */
export const deadEntrySites: readonly SiteName[] = ['anidb', 'anilist', 'animenewsnetwork', 'kitsu', 'myanimelist']

/** Dead ids by site, as lookup keys (siteIdKey). */
export type DeadEntries = Map<SiteName, Set<string>>

/** Most ids one list may hold, and the longest id: a list beyond them is no dead-entry list. */
const MAX_IDS = 2_000_000
const MAX_ID_LENGTH = 100

/** The file is not a dead-entry list. */
export class NotDeadEntriesError extends Error {}

/** The ids of a dead-entry list document (JSON text); NotDeadEntriesError when it is not one. */
export function parseDeadEntries (text: string): string[] {
  let document: unknown
  try {
    document = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)
  } catch (error) {
    throw new NotDeadEntriesError(`not JSON: ${(error as Error).message}`)
  }
  const ids = (document as { deadEntries?: unknown } | null)?.deadEntries
  if (!Array.isArray(ids)) throw new NotDeadEntriesError('no "deadEntries" list')
  if (ids.length > MAX_IDS) throw new NotDeadEntriesError(`more than ${MAX_IDS} ids`)
  return ids.map((id) => {
    if ((typeof id !== 'string' && typeof id !== 'number') || String(id).length === 0 || String(id).length > MAX_ID_LENGTH) {
      throw new NotDeadEntriesError('"deadEntries" holds something other than ids')
    }
    return String(id)
  })
}

/** The lookup keys of a list's ids for `site` (an id the site could never write is left out). */
export function deadKeys (site: SiteName, ids: string[]): Set<string> {
  const keys = new Set<string>()
  for (const id of ids) {
    const key = siteIdKey(site, id)
    if (key !== null) keys.add(key)
  }
  return keys
}

/** Whether `url`, a source URL, names an id its site lists as dead. */
export function isDeadSource (dead: DeadEntries, url: string): boolean {
  const parsed = parseSourceUrl(url)
  if (parsed === null) return false
  const ids = dead.get(parsed.site)
  return ids !== undefined && ids.has(siteIdKey(parsed.site, parsed.id)!)
}
