// Tables derived from the served rows, rebuilt inside each import's transaction
// so that they switch together with the rows they describe.
// The handle's type from the driver, not from db.ts: db.ts runs these in its migrations.
import type { Database as Db } from 'better-sqlite3'
import { rebuildDiscovery, secondaryIndexes } from './discovery-index.js'

export function rebuildDerived (db: Db): void {
  const tagIndexes = secondaryIndexes(db, 'anime_tags')
  db.exec(`
    -- Rebuilt whole: without its secondary index, rows inserted in id order (OR
    -- IGNORE drops a tag listed twice) and the index built once at the end, by a
    -- sort, cost half of keeping both b-trees up to date row by row.
    ${tagIndexes.drop}
    DELETE FROM anime_tags;
    INSERT OR IGNORE INTO anime_tags (tag, anime_id)
      SELECT j.value, a.id FROM anime a, json_each(a.tags) j WHERE a.active = 1;
    ${tagIndexes.create}
    DELETE FROM tags;
    INSERT INTO tags (name, count) SELECT tag, count(*) FROM anime_tags GROUP BY tag;
  `)
  rebuildDiscovery(db)
}
