// The catalogue's id map in PostgreSQL (see src/catalogue/id-store.ts): one map
// for every instance on the database, so that all of them give the same anime
// the same id. A save is one transaction; the revision check and bump is one
// UPDATE of the single state row, whose row lock orders concurrent saves.
import type { CatalogueIdStore } from '../../catalogue/id-store.js'
import type { PgDatabase } from './database.js'

const PAGE = 20_000
/** Rows per INSERT (arrays unnested server-side): one round trip per chunk. */
const CHUNK = 10_000

export function createPostgresCatalogueIds (db: PgDatabase): CatalogueIdStore {
  return {
    async state () {
      const { rows } = await db.query<{ revision: number, max_id: number }>('SELECT revision, max_id FROM catalogue_id_state')
      return { revision: rows[0]!.revision, maxId: rows[0]!.max_id }
    },
    async * rows () {
      for (let after = ''; ;) {
        const { rows } = await db.query<{ url: string, anime_id: number, dead: boolean }>(
          'SELECT url, anime_id, dead FROM catalogue_ids WHERE url > $1 ORDER BY url LIMIT $2', [after, PAGE])
        if (rows.length === 0) return
        yield rows.map((r) => ({ url: r.url, id: r.anime_id, dead: r.dead }))
        after = rows.at(-1)!.url
      }
    },
    async save (expected, rows, maxId) {
      return await db.transaction(async (client) => {
        const bumped = await client.query<{ revision: number }>(
          'UPDATE catalogue_id_state SET revision = revision + 1, max_id = GREATEST(max_id, $1) WHERE revision = $2 RETURNING revision', [maxId, expected])
        if (bumped.rows.length === 0) return null
        for (let at = 0; at < rows.length; at += CHUNK) {
          const chunk = rows.slice(at, at + CHUNK)
          await client.query(`INSERT INTO catalogue_ids (url, anime_id, dead)
            SELECT * FROM unnest($1::text[], $2::bigint[], $3::boolean[])
            ON CONFLICT (url) DO UPDATE SET anime_id = excluded.anime_id, dead = excluded.dead`,
          [chunk.map((r) => r.url), chunk.map((r) => r.id), chunk.map((r) => r.dead)])
        }
        return bumped.rows[0]!.revision
      })
    },
    async referenced () {
      const { rows } = await db.query('SELECT 1 FROM watchlist_entries LIMIT 1')
      return rows.length > 0
    }
  }
}
