// Id mapping: which served entry lists a given site's id among its sources, and
// which ids an entry has on each site. Lookups go through anime_sites (kept by
// each import with the other discovery tables, see discovery-index.ts): one
// primary-key range per lookup, never a scan.
//
// AOD merges can leave one site id in two entries' sources. The entry with the
// lowest id (the oldest) answers for it, always the same one, until an import
// changes the catalogue.
import type { Db } from './db.js'
import { reader } from './snapshot.js'
import { siteIdKey, sitesOf, type SiteName, type Sites } from './sites.js'

/** A served entry as id mapping shows it. */
export interface SiteMapping {
  id: number
  title: string
  sites: Sites
}

export interface SiteLookup { site: SiteName, id: unknown }

export function createMappings (db: Db) {
  const idByKey = db.prepare('SELECT min(anime_id) FROM anime_sites WHERE site = ? AND site_id = ?').pluck()
  const entryByKey = db.prepare(`SELECT id, title, sources FROM anime
    WHERE id = (SELECT min(anime_id) FROM anime_sites WHERE site = ? AND site_id = ?) AND active = 1`)
  const sourcesById = db.prepare('SELECT sources FROM anime WHERE id = ? AND active = 1').pluck()

  const mapping = (site: SiteName, id: unknown): SiteMapping | undefined => {
    const key = siteIdKey(site, id)
    if (key === null) return undefined
    const row = entryByKey.get(site, key) as { id: number, title: string, sources: string } | undefined
    return row === undefined ? undefined : { id: row.id, title: row.title, sites: sitesOf(JSON.parse(row.sources) as string[]) }
  }

  return {
    /**
     * The served entry with `id` on `site` (a number or its digits for numbered
     * sites, a slug for the others), with every site id it has; undefined when
     * none has it.
     */
    mapping,

    /** `mapping` of each lookup, in order (null for a miss), all from one snapshot of the catalogue. */
    mappings: reader(db)((lookups: readonly SiteLookup[]): Array<SiteMapping | null> =>
      lookups.map(({ site, id }) => mapping(site, id) ?? null)),

    /** Our id of the served entry with `id` on `site` (as `mapping`), else undefined. */
    animeIdOnSite (site: SiteName, id: unknown): number | undefined {
      const key = siteIdKey(site, id)
      if (key === null) return undefined
      return (idByKey.get(site, key) as number | null) ?? undefined
    },

    /** The site ids of served entry `id` (as `mapping` shows them), else undefined. */
    sitesOfEntry (id: number): Sites | undefined {
      const sources = sourcesById.get(id) as string | undefined
      return sources === undefined ? undefined : sitesOf(JSON.parse(sources) as string[])
    }
  }
}

export type Mappings = ReturnType<typeof createMappings>
