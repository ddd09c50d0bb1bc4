// The seasons of the served catalogue: every (year, season of first airing) with
// how many entries it has, newest first. Entries of unknown year or season are in
// no season. One GROUP BY over the (year, season) index of anime_facets.
import type { Db } from './db.js'
import type { Page } from './search.js'
import { reader } from './snapshot.js'

export interface SeasonCount {
  year: number
  /** Winter, Spring, Summer or Fall, as the details of an entry show it. */
  season: string
  count: number
}

const known = 'year IS NOT NULL AND season IS NOT NULL'
/** Fall is the latest season of a year. */
const newestFirst = "year DESC, CASE season WHEN 'FALL' THEN 0 WHEN 'SUMMER' THEN 1 WHEN 'SPRING' THEN 2 ELSE 3 END"

export function createSeasons (db: Db) {
  const count = db.prepare(`SELECT count(*) FROM (SELECT 1 FROM anime_facets WHERE ${known} GROUP BY year, season)`).pluck()
  const page = db.prepare(`SELECT year, upper(substr(season, 1, 1)) || lower(substr(season, 2)) AS season, count(*) AS count
    FROM anime_facets WHERE ${known} GROUP BY year, season ORDER BY ${newestFirst} LIMIT ? OFFSET ?`)

  return {
    /**
     * One page of the seasons, newest first: `pageFor(count)` turns the number
     * of seasons into the offset and size of the page (it may throw, e.g. past
     * the end). Count and page come from one snapshot of the catalogue.
     */
    seasons: reader(db)((pageFor: (count: number) => { offset: number, size: number }): Page<SeasonCount> => {
      const total = count.get() as number
      const { offset, size } = pageFor(total)
      return { count: total, results: offset >= total ? [] : page.all(size, offset) as SeasonCount[] }
    })
  }
}

export type Seasons = ReturnType<typeof createSeasons>
