// The catalogue's id map in the accounts SQLite file (see src/catalogue/id-store.ts),
// on a connection of its own: beside the watchlists that hold the ids, and in
// every backup of them (`anime-api backup`).
import type { CatalogueIdStore, IdMapRow } from '../../catalogue/id-store.js'
import type { AccountsDb } from './database.js'

const PAGE = 20_000

export function createSqliteCatalogueIds (db: AccountsDb): CatalogueIdStore {
  const state = db.prepare('SELECT revision, max_id AS maxId FROM catalogue_id_state')
  const page = db.prepare('SELECT url, anime_id AS id, dead FROM catalogue_ids WHERE url > ? ORDER BY url LIMIT ?')
  const bump = db.prepare('UPDATE catalogue_id_state SET revision = revision + 1, max_id = max(max_id, ?) WHERE revision = ? RETURNING revision')
  const upsert = db.prepare(`INSERT INTO catalogue_ids (url, anime_id, dead) VALUES (?, ?, ?)
    ON CONFLICT (url) DO UPDATE SET anime_id = excluded.anime_id, dead = excluded.dead`)
  const referenced = db.prepare('SELECT 1 FROM watchlist_entries LIMIT 1')
  const save = db.transaction((expected: number, rows: IdMapRow[], maxId: number): number | null => {
    const bumped = bump.get(maxId, expected) as { revision: number } | undefined
    if (bumped === undefined) return null
    for (const row of rows) upsert.run(row.url, row.id, row.dead ? 1 : 0)
    return bumped.revision
  })
  return {
    async state () {
      return state.get() as { revision: number, maxId: number }
    },
    async * rows () {
      for (let after = ''; ;) {
        const rows = (page.all(after, PAGE) as Array<{ url: string, id: number, dead: number }>).map((r) => ({ url: r.url, id: r.id, dead: r.dead === 1 }))
        if (rows.length === 0) return
        yield rows
        after = rows.at(-1)!.url
      }
    },
    async save (expected, rows, maxId) {
      return save.immediate(expected, rows, maxId)
    },
    async referenced () {
      return referenced.get() !== undefined
    }
  }
}
