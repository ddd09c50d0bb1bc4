// The catalogue's ids are the service's promise to its clients and to every
// watchlist entry: an anime keeps its id while any of its source URLs survives,
// and an id is never given to another anime. The map that keeps the promise,
// every source URL ever seen with the id it was given (and the highest id ever
// handed out), lives in the user store (accounts.sqlite, or PostgreSQL with
// DATABASE_URL), beside the watchlists that hold those ids and in their
// backups, not only in catalogue.sqlite, which can be lost and imported again.
// With PostgreSQL, every instance imports against the one map, so all agree on
// every id.
//
// The catalogue file keeps a copy (its source_ids table) that the import works
// on; `meta.id_map_revision` says which revision of the store's map it holds.
// An import reads the store's map when its copy is behind, assigns ids, and
// saves what changed only if no other import saved first (optimistic: the
// store's revision is compared and bumped in one statement); otherwise it
// rereads and assigns again. Nothing is held locked while an import runs.
import { getMeta, setMeta, type Db } from './db.js'

export interface IdMapRow {
  url: string
  id: number
  /** The source's site lists the URL as deleted: it no longer claims its id (see dead-entries.ts). */
  dead: boolean
}

export interface IdMapState {
  /** Bumped by every save; 0: nothing ever saved. */
  revision: number
  /** The highest id ever handed out. */
  maxId: number
}

/** The id map in a user store (src/storage/sqlite/catalogue-ids.ts, src/storage/postgres/catalogue-ids.ts). */
export interface CatalogueIdStore {
  state (): Promise<IdMapState>
  /** Every row of the map, a page at a time. */
  rows (): AsyncIterable<IdMapRow[]>
  /**
   * Writes `rows` (each inserted, or replacing the row of its URL) and raises the
   * highest id to at least `maxId`, in one transaction, if the map is still at
   * revision `expected`; returns the new revision, or null (nothing written)
   * when another import saved first.
   */
  save (expected: number, rows: IdMapRow[], maxId: number): Promise<number | null>
  /** Whether any watchlist entry holds a catalogue id. */
  referenced (): Promise<boolean>
}

/** An import would hand out ids afresh while watchlist entries hold ids of a map that is gone. */
export class IdMapMissingError extends Error {
  constructor () {
    super('refusing to import: watchlist entries hold catalogue ids, but the map of those ids (kept with the accounts ' +
      'since this version, and before it in catalogue.sqlite) is in neither place, so the same ids would go to other anime. ' +
      'Restore the accounts backup or catalogue.sqlite that holds it, or import with --accept-new-ids if the watchlists ' +
      'may point at other anime')
    this.name = 'IdMapMissingError'
  }
}

/** Another import kept saving first: this one gave up (it can simply be run again). */
export class IdMapBusyError extends Error {
  constructor (attempts: number) {
    super(`the catalogue id map changed under this import ${attempts} times in a row (other imports running?); try again`)
    this.name = 'IdMapBusyError'
  }
}

const getRevision = (db: Db): number | null => {
  const value = getMeta(db, 'id_map_revision')
  return value === '' ? null : Number(value)
}

/** The highest id this catalogue file knows of (its rows, its map, its counter). */
export function localMaxId (db: Db): number {
  return db.prepare(`
    SELECT max(coalesce((SELECT max(id) FROM anime), 0),
               coalesce((SELECT max(anime_id) FROM source_ids), 0),
               coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'max_id'), 0))
  `).pluck().get() as number
}

/** What syncing the catalogue file's copy of the map with the store found. */
export interface Synced {
  state: IdMapState
  /** Rows of the file's copy the store did not have and takes on (an upgrade's whole map, once). */
  adopted: IdMapRow[]
}

/**
 * Brings the catalogue file's copy of the map (source_ids, max_id) up to the
 * store's, inside the caller's write transaction on `db`. Where the store has a
 * URL, its id wins. A URL only the file knows is offered to the store when no
 * store row uses its id: an install upgrading from a map kept in the file alone
 * hands all of it over, and a restored older accounts backup learns what the
 * file assigned since; a URL whose id the store gives to other URLs is dropped.
 */
export async function syncFromStore (db: Db, ids: CatalogueIdStore): Promise<Synced> {
  const state = await ids.state()
  if (state.revision > 0 && getRevision(db) === state.revision) return { state, adopted: [] }
  db.exec('DROP TABLE IF EXISTS temp.store_ids; CREATE TEMP TABLE store_ids (url TEXT PRIMARY KEY, anime_id INTEGER NOT NULL, dead INTEGER NOT NULL) WITHOUT ROWID')
  if (state.revision > 0) {
    const insert = db.prepare('INSERT OR REPLACE INTO temp.store_ids (url, anime_id, dead) VALUES (?, ?, ?)')
    for await (const page of ids.rows()) for (const row of page) insert.run(row.url, row.id, row.dead ? 1 : 0)
  }
  const adopted = (db.prepare(`
    SELECT url, anime_id AS id, dead FROM source_ids
    WHERE url NOT IN (SELECT url FROM temp.store_ids) AND anime_id NOT IN (SELECT anime_id FROM temp.store_ids)
  `).all() as Array<{ url: string, id: number, dead: number }>).map((r) => ({ url: r.url, id: r.id, dead: r.dead === 1 }))
  db.exec(`
    DELETE FROM source_ids WHERE url NOT IN (SELECT url FROM temp.store_ids) AND anime_id IN (SELECT anime_id FROM temp.store_ids);
    INSERT INTO source_ids (url, anime_id, dead) SELECT url, anime_id, dead FROM temp.store_ids WHERE true
      ON CONFLICT (url) DO UPDATE SET anime_id = excluded.anime_id, dead = excluded.dead
      WHERE source_ids.anime_id IS NOT excluded.anime_id OR source_ids.dead IS NOT excluded.dead;
    DROP TABLE temp.store_ids;
  `)
  setMeta(db, 'max_id', String(Math.max(state.maxId, localMaxId(db))))
  return { state, adopted }
}

/** Records in the catalogue file that its copy of the map is the store's at `revision` (null: not known to be). */
export function markSynced (db: Db, revision: number | null): void {
  if (revision === null) db.prepare("DELETE FROM meta WHERE key = 'id_map_revision'").run()
  else setMeta(db, 'id_map_revision', String(revision))
}

/** Whether the catalogue file's copy of the map is empty (a new file). */
export function localMapEmpty (db: Db): boolean {
  return db.prepare('SELECT 1 FROM source_ids LIMIT 1').get() === undefined
}

/**
 * Hands the catalogue file's map over to the store where the store lacks it (an
 * install upgrading from ids kept in catalogue.sqlite alone), outside an import:
 * the service does this at start, so the map is safe before the file is ever
 * lost. Returns how many rows the store took on.
 */
export async function saveLocalMap (db: Db, ids: CatalogueIdStore, attempts = 5): Promise<number> {
  // Nothing to do (the usual case at start): no transaction, nothing written.
  const state = await ids.state()
  if (state.revision > 0 ? getRevision(db) === state.revision : localMapEmpty(db)) return 0
  for (let attempt = 1; attempt <= attempts; attempt++) {
    db.exec('BEGIN IMMEDIATE')
    try {
      const { state, adopted } = await syncFromStore(db, ids)
      const maxId = localMaxId(db)
      let revision: number | null = state.revision
      if (adopted.length > 0 || maxId > state.maxId) revision = await ids.save(state.revision, adopted, maxId)
      if (revision === null) {
        db.exec('ROLLBACK')
        continue
      }
      markSynced(db, revision)
      db.exec('COMMIT')
      return adopted.length
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK')
      throw error
    }
  }
  throw new IdMapBusyError(attempts)
}
