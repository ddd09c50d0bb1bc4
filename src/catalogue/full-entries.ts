// Everything the catalogue holds of served entries, a few at a time, with the
// ids of their studios and producers (the companies table keeps them stable
// across imports), and the lists built over the whole catalogue from them:
// companies with their entry counts, the seasons entries aired in.
import type { Db } from './db.js'
import type { AnimeRow } from './normalize.js'
import { reader } from './snapshot.js'
import type { SiteName } from './sites.js'

export interface Company { id: number, name: string }

/** A served entry as stored (see normalize.ts), with its id and its companies' ids. */
export type FullEntry = { id: number, studios: Company[], producers: Company[] } &
  Omit<AnimeRow, 'source' | 'score_mean' | 'score_median' | 'related' | 'studios' | 'producers'>

export interface CompanyCount extends Company { count: number }

export interface SeasonCount { year: number, season: string, count: number }

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

export function createFullEntries (db: Db) {
  const rows = db.prepare(`SELECT ${fullColumns} FROM anime a WHERE a.id IN (SELECT value FROM json_each(?)) AND a.active = 1`)
  const withSource = 'EXISTS (SELECT 1 FROM anime_sites m WHERE m.anime_id = x.id AND m.site = :site)'
  const companyCounts = db.prepare(`SELECT c.id AS id, c.name AS name, count(*) AS count
    FROM anime_companies ac JOIN companies c ON c.id = ac.company_id JOIN anime_facets x ON x.id = ac.anime_id
    WHERE ${withSource} GROUP BY c.id ORDER BY c.id`)
  const seasonCounts = db.prepare(`SELECT x.year AS year, x.season AS season, count(*) AS count FROM anime_facets x
    WHERE x.year IS NOT NULL AND x.season IS NOT NULL AND ${withSource} GROUP BY x.year, x.season ORDER BY x.year DESC, x.season`)
  const read = reader(db)

  return {
    /** Served entries by id, in the order of `ids` (ids not served left out). */
    fullEntries: read((ids: number[]): FullEntry[] => {
      const found = new Map((rows.all(JSON.stringify(ids)) as FullRow[]).map((row) => [row.id, toFull(row)]))
      return ids.flatMap((id) => found.get(id) ?? [])
    }),

    /** Every company (studio or producer) with how many served entries with an id on `site` it made, by id; none: left out. */
    companyCounts (site: SiteName): CompanyCount[] {
      return companyCounts.all({ site }) as CompanyCount[]
    },

    /** The seasons served entries with an id on `site` first aired in, latest year first. */
    seasonCounts (site: SiteName): SeasonCount[] {
      return seasonCounts.all({ site }) as SeasonCount[]
    }
  }
}

export type FullEntries = ReturnType<typeof createFullEntries>
