// Applying, the second half of an import (import.ts): in one write transaction,
// ids are assigned to the staged records (assign-ids.ts) and agreed with the
// user store's map, the rows written, vanished entries retired and the derived
// tables rebuilt. Readers keep their snapshot of the old catalogue (WAL) until
// COMMIT, then see the new one at once; an error before COMMIT leaves the old
// catalogue as it was.
import type { AodFormat } from './aod-reader.js'
import { getMeta, setMeta, type Db } from './db.js'
import { rebuildDerived } from './derived.js'
import { rowColumns } from './staging.js'
import type { DeadEntries } from './dead-entries.js'
import { DEAD_SOURCE } from './stage.js'
import { assignIds, changedIds } from './assign-ids.js'
import {
  IdMapBusyError, IdMapMissingError, localMapEmpty, localMaxId, markSynced, syncFromStore,
  type CatalogueIdStore, type IdMapRow, type IdMapState
} from './id-store.js'

/**
 * The time to record for this import: now, but in a later second than the last
 * import's. Catalogue answers carry it as Last-Modified (whole seconds), so two
 * imports within one second would otherwise label different data alike, and a
 * client revalidating with If-Modified-Since would keep the older.
 */
export function importTime (db: Db, now: number): string {
  const previous = Date.parse(getMeta(db, 'imported_at'))
  const second = Number.isNaN(previous) ? now : Math.max(now, (Math.floor(previous / 1000) + 1) * 1000)
  return new Date(second).toISOString()
}

const SAVE_ATTEMPTS = 5

/**
 * Assigns ids and writes the staged catalogue in one write transaction. With
 * the user store's map: brought up to date first, and what changed saved to it
 * before the catalogue commits (the map may then know ids the catalogue failed
 * to commit, never the reverse); when another import saved first, everything is
 * rolled back and assigned again from the newer map.
 */
export async function applyWithIds (db: Db, info: ApplyInfo, options: { ids?: CatalogueIdStore, acceptNewIds?: boolean, dead: DeadEntries | null }): Promise<Applied> {
  const { ids } = options
  for (let attempt = 1; attempt <= SAVE_ATTEMPTS; attempt++) {
    db.exec('BEGIN IMMEDIATE')
    try {
      let state: IdMapState | null = null
      let toSave: IdMapRow[] = []
      if (ids !== undefined) {
        const synced = await syncFromStore(db, ids)
        state = synced.state
        toSave = synced.adopted
        if (state.revision === 0 && localMapEmpty(db) && options.acceptNewIds !== true && await ids.referenced()) throw new IdMapMissingError()
      }
      // URLs newly listed dead stop claiming their ids; the map learns it too.
      if (options.dead !== null) {
        const died = db.prepare(`SELECT url, anime_id AS id FROM source_ids WHERE dead = 0 AND ${DEAD_SOURCE}(url)`).all() as Array<{ url: string, id: number }>
        db.prepare(`UPDATE source_ids SET dead = 1 WHERE dead = 0 AND ${DEAD_SOURCE}(url)`).run()
        toSave.push(...died.map((row) => ({ ...row, dead: true })))
      }
      assignIds(db)
      if (ids !== undefined && state !== null) {
        // One row per URL (an adopted URL may also have moved): the last word wins.
        toSave = [...new Map([...toSave, ...changedIds(db)].map((row) => [row.url, row])).values()]
        const maxId = localMaxId(db)
        const revision = toSave.length > 0 || maxId > state.maxId ? await ids.save(state.revision, toSave, maxId) : state.revision
        if (revision === null) {
          db.exec('ROLLBACK')
          continue
        }
        markSynced(db, revision)
      } else {
        // The file's map moves on without the store: a later import with it syncs in full.
        markSynced(db, null)
      }
      const applied = applyStaged(db, info)
      db.exec('COMMIT')
      return applied
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK')
      throw error
    }
  }
  throw new IdMapBusyError(SAVE_ATTEMPTS)
}

/** What applying changed, and the catalogue it made. */
export interface Applied {
  added: number
  updated: number
  kept: number
  removed: number
  /** Entries this import stopped serving whose every source is now dead (of `removed`). */
  died: number
  /** Entries served after the import. */
  total: number
  version: number
}
export interface ApplyInfo {
  format: AodFormat
  source: string
  release: string | null
  lastUpdate: string | null
  license: string | null
  repository: string | null
  importedAt: string
}

/** Writes the staged rows under the ids assignIds chose; inside the write transaction. */
function applyStaged (db: Db, info: ApplyInfo): Applied {
  const counts = db.prepare(`
    SELECT
      sum(a.id IS NULL OR a.active = 0) AS added,
      sum(a.active = 1 AND a.hash <> s.hash) AS updated,
      sum(a.active = 1 AND a.hash = s.hash) AS kept
    FROM temp.staging s JOIN temp.assignment x USING (seq) LEFT JOIN anime a ON a.id = x.id
  `).get() as { added: number | null, updated: number | null, kept: number | null }
  const removed = db.prepare('SELECT count(*) FROM anime WHERE active = 1 AND id NOT IN (SELECT id FROM temp.assignment)').pluck().get() as number
  // Of those, the ones no live URL names any more: every source died.
  const died = removed === 0
    ? 0
    : db.prepare(`SELECT count(*) FROM anime a WHERE a.active = 1 AND a.id NOT IN (SELECT id FROM temp.assignment)
        AND NOT EXISTS (SELECT 1 FROM source_ids m WHERE m.anime_id = a.id AND m.dead = 0)`).pluck().get() as number

  // Rows whose version (hash of every column) is unchanged are not written again;
  // positions move only when the served set does, and the derived tables (a
  // function of the served rows) only when any row changed: re-importing the
  // same file writes next to nothing. Rows that are written get their position
  // with them (cheaper than a second pass); when positions move, all are cleared
  // first (pos is UNIQUE), and the unwritten ones set after.
  const added = counts.added ?? 0
  const changed = added + (counts.updated ?? 0) + removed > 0
  db.exec(`
    UPDATE anime SET active = 0 WHERE id NOT IN (SELECT id FROM temp.assignment);
    ${added + removed > 0 ? 'UPDATE anime SET pos = NULL WHERE pos IS NOT NULL;' : ''}
    INSERT INTO anime (id, active, pos, hash, ${rowColumns.join(', ')})
      SELECT x.id, 1, x.pos, s.hash, ${rowColumns.map((c) => `s.${c}`).join(', ')}
      FROM temp.staging s JOIN temp.assignment x USING (seq) WHERE true
      ON CONFLICT (id) DO UPDATE SET active = 1, pos = excluded.pos, hash = excluded.hash,
        ${rowColumns.map((c) => `${c} = excluded.${c}`).join(', ')}
      WHERE anime.active = 0 OR anime.hash IS NOT excluded.hash;
    ${added + removed > 0
      ? 'UPDATE anime SET pos = x.pos FROM temp.assignment x WHERE anime.id = x.id AND anime.pos IS NULL;'
      : ''}
    INSERT INTO source_ids (url, anime_id, dead)
      SELECT s.url, x.id, 0 FROM temp.staging_sources s JOIN temp.assignment x USING (seq) WHERE true
      ON CONFLICT (url) DO UPDATE SET anime_id = excluded.anime_id, dead = 0
      WHERE source_ids.anime_id IS NOT excluded.anime_id OR source_ids.dead = 1;
  `)
  if (changed) rebuildDerived(db)

  const total = db.prepare('SELECT count(*) FROM anime WHERE active = 1').pluck().get() as number
  const version = ((db.prepare("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'version'").pluck().get() as number | undefined) ?? 0) + 1
  setMeta(db, 'version', String(version))
  setMeta(db, 'imported_at', info.importedAt)
  setMeta(db, 'last_update', info.lastUpdate ?? '')
  setMeta(db, 'release', info.release ?? '')
  setMeta(db, 'license', (info.license ?? '').slice(0, 500))
  setMeta(db, 'repository', (info.repository ?? '').slice(0, 500))
  setMeta(db, 'source', info.source)
  setMeta(db, 'format', info.format)
  setMeta(db, 'count', String(total))
  return { added: counts.added ?? 0, updated: counts.updated ?? 0, kept: counts.kept ?? 0, removed, died, total, version }
}
