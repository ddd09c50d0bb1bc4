// Everything the catalogue holds of served entries, a few at a time, with the
// ids of their studios and producers (the companies table keeps them stable
// across imports). The lists built over the whole catalogue (companies with
// their entry counts, the seasons entries aired in) come from the index
// (discovery.ts).
import type { Db } from './db.js'
import type { AnimeRow } from './normalize.js'
import { reader } from './snapshot.js'
import type { SiteName } from './sites.js'

export interface Company { id: number, name: string }

/** A served entry as stored (see normalize.ts), with its id and its companies' ids. */
export type FullEntry = { id: number, studios: Company[], producers: Company[] } &
  Omit<AnimeRow, 'source' | 'score_mean' | 'score_median' | 'related' | 'studios' | 'producers'>

/** Served entries with ids above some id, in id order, with the catalogue version they belong to and their ids on one site. */
export interface FullEntryRange {
  version: string
  ids: number[]
  entries: FullEntry[]
  /** [the id on the site (as id mapping keys it), our id] of these entries, for every id they have there, in no particular order. */
  onSite: Array<[string, number]>
}

export interface CompanyCount extends Company { count: number }

/** The companies named in `column` (studios or producers) of row `a`, in its order. */
const companiesOf = (column: string): string =>
  `(SELECT json_group_array(json_object('id', c.id, 'name', c.name) ORDER BY j.key) FROM json_each(a.${column}) j JOIN companies c ON c.name = j.value)`

const fullColumns = `a.id, a.title, a.anime_type, a.num_episodes, a.status, a.year, a.season, a.picture, a.thumbnail, a.duration, a.score,
  a.tags, a.sources, a.synonyms, ${companiesOf('studios')} AS studios, ${companiesOf('producers')} AS producers`

type FullRow = Omit<FullEntry, 'tags' | 'sources' | 'synonyms' | 'studios' | 'producers'> & Record<'tags' | 'sources' | 'synonyms' | 'studios' | 'producers', string>

function toFull (row: FullRow): FullEntry {
  return {
    ...row,
    tags: JSON.parse(row.tags) as string[],
    sources: JSON.parse(row.sources) as string[],
    synonyms: JSON.parse(row.synonyms) as string[],
    studios: JSON.parse(row.studios) as Company[],
    producers: JSON.parse(row.producers) as Company[]
  }
}

/**
 * The ids on a site of the entries in an id range: read through the anime_id
 * index (`+site` keeps the planner off the primary key, whose site prefix
 * alone would read every row of the site for each slice of a load).
 */
export const siteIdsInRangeSql = 'SELECT site_id, anime_id FROM anime_sites WHERE anime_id > ? AND anime_id <= ? AND +site = ?'

export function createFullEntries (db: Db) {
  const rows = db.prepare(`SELECT ${fullColumns} FROM anime a WHERE a.id IN (SELECT value FROM json_each(?)) AND a.active = 1`)
  const after = db.prepare(`SELECT ${fullColumns} FROM anime a WHERE a.id > ? AND a.active = 1 ORDER BY a.id LIMIT ?`)
  const siteIds = db.prepare(siteIdsInRangeSql).raw()
  const version = db.prepare("SELECT value FROM meta WHERE key = 'version'").pluck()
  const read = reader(db)

  return {
    /** Served entries by id, in the order of `ids` (ids not served left out). */
    fullEntries: read((ids: number[]): FullEntry[] => {
      const found = new Map((rows.all(JSON.stringify(ids)) as FullRow[]).map((row) => [row.id, toFull(row)]))
      return ids.flatMap((id) => found.get(id) ?? [])
    }),

    /**
     * At most `limit` served entries with ids above `afterId`, in id order, their
     * ids on `site` and the catalogue version, from one snapshot: what the
     * per-version Jikan resources (src/jikan/resources.ts) load in slices.
     */
    fullEntryRange: read((afterId: number, limit: number, site: SiteName): FullEntryRange => {
      const entries = (after.all(afterId, limit) as FullRow[]).map(toFull)
      const ids = entries.map((entry) => entry.id)
      const onSite = ids.length === 0 ? [] : siteIds.all(afterId, ids.at(-1), site) as Array<[string, number]>
      return { version: String(version.get() ?? 0), ids, entries, onSite }
    })
  }
}

export type FullEntries = ReturnType<typeof createFullEntries>
