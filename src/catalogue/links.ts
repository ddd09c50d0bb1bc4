// The catalogue's reader for the watchlists (the lists live in another file): anime by
// the ids a list holds, served or gone, and MyAnimeList ids both ways through
// the catalogue's source URLs. Ids go in as a JSON array parameter.
import { openCatalogueDb, type Db } from './db.js'
import { seedColumns, toSeed, type SeedAnime } from './repository.js'

/** An anime a list refers to: served (with its seed shape), or gone from the catalogue (its last known title, if any). */
export interface ListedAnime {
  id: number
  title: string | null
  anime: SeedAnime | null
}

export const MAL_ANIME_URL = 'https://myanimelist.net/anime/'

type SeedRow = Parameters<typeof toSeed>[0]

export function createCatalogueLinks (db: Db) {
  const animeRows = db.prepare(`SELECT ${seedColumns}, active FROM anime WHERE id IN (SELECT value FROM json_each(?))`)
  const servedRow = db.prepare(`SELECT ${seedColumns} FROM anime WHERE id = ? AND active = 1`)
  const episodeCounts = db.prepare('SELECT id, num_episodes AS episodes FROM anime WHERE id IN (SELECT value FROM json_each(?)) AND active = 1')
  const byTitle = db.prepare(`SELECT j.value AS id, a.id IS NULL AS gone FROM json_each(?) j LEFT JOIN anime a ON a.id = j.value AND a.active = 1
    ORDER BY a.id IS NULL, a.title COLLATE NOCASE, j.value`)
  const malToAnime = db.prepare(`SELECT j.value AS mal, a.id AS id FROM json_each(?) j
    JOIN source_ids s ON s.url = '${MAL_ANIME_URL}' || j.value
    JOIN anime a ON a.id = s.anime_id AND a.active = 1`)
  const animeToMal = db.prepare(`SELECT s.anime_id AS id, min(CAST(substr(s.url, ${MAL_ANIME_URL.length + 1}) AS INTEGER)) AS mal
    FROM source_ids s WHERE s.anime_id IN (SELECT value FROM json_each(?)) AND s.url GLOB '${MAL_ANIME_URL}[0-9]*'
    GROUP BY s.anime_id`)

  return {
    /** The served entry with this id. */
    served (id: number): SeedAnime | undefined {
      const row = servedRow.get(id) as SeedRow | undefined
      return row === undefined ? undefined : toSeed(row)
    },

    /** The episode counts of the served entries among `ids` (0: unknown), in one query. */
    episodes (ids: number[]): Map<number, number> {
      return new Map((episodeCounts.all(JSON.stringify(ids)) as Array<{ id: number, episodes: number }>).map((r) => [r.id, r.episodes]))
    },

    /** Each id with its anime; ids the catalogue never had come back gone without a title. */
    anime (ids: number[]): Map<number, ListedAnime> {
      const found = new Map<number, ListedAnime>()
      for (const row of animeRows.all(JSON.stringify(ids)) as Array<SeedRow & { active: number }>) {
        found.set(row.id, { id: row.id, title: row.title, anime: row.active === 1 ? toSeed(row) : null })
      }
      return new Map(ids.map((id) => [id, found.get(id) ?? { id, title: null, anime: null }]))
    },

    /** The ids ordered by the served entries' titles (case-insensitive), gone ones last. */
    orderByTitle (ids: number[], descending: boolean): number[] {
      const rows = byTitle.all(JSON.stringify(ids)) as Array<{ id: number, gone: number }>
      const served = rows.filter((r) => r.gone === 0).map((r) => r.id)
      const gone = rows.filter((r) => r.gone === 1).map((r) => r.id)
      return [...(descending ? served.reverse() : served), ...gone]
    },

    /** MyAnimeList anime ids → served catalogue ids (through the catalogue's myanimelist.net source URLs). */
    fromMal (malIds: number[]): Map<number, number> {
      return new Map((malToAnime.all(JSON.stringify(malIds.map(String))) as Array<{ mal: string, id: number }>).map((r) => [Number(r.mal), r.id]))
    },

    /** Catalogue ids → MyAnimeList ids (the lowest where an entry has several); ids without one are absent. */
    toMal (ids: number[]): Map<number, number> {
      return new Map((animeToMal.all(JSON.stringify(ids)) as Array<{ id: number, mal: number }>).map((r) => [r.id, r.mal]))
    }
  }
}

export type CatalogueLinks = ReturnType<typeof createCatalogueLinks>

/**
 * The watchlists' reader alone, on a read-only connection of its own: for a
 * worker thread (the MyAnimeList import) that reads the catalogue as another
 * process would; here, not beside the service's readers in open.ts, so that the
 * worker does not load the search engine. close() ends the connection.
 */
export function openCatalogueLinks (dataDir: string): { links: CatalogueLinks, close: () => void } {
  const db = openCatalogueDb(dataDir, { readonly: true })
  return { links: createCatalogueLinks(db), close: () => { db.close() } }
}
