// Tables derived from the served rows, rebuilt inside each import's transaction
// so that they switch together with the rows they describe.
// The handle's type from the driver, not from db.ts: db.ts runs these in its migrations.
import type { Database as Db } from 'better-sqlite3'
import { rebuildDiscovery, secondaryIndexes } from './discovery-index.js'

export function rebuildDerived (db: Db): void {
  const tagIndexes = secondaryIndexes(db, 'anime_tags')
  const companyIndexes = secondaryIndexes(db, 'anime_companies')
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

    -- A name seen for the first time gets the next id (in name order within one
    -- import); rows are never deleted, so an id is never given to another name.
    INSERT OR IGNORE INTO companies (name)
      SELECT j.value FROM anime a, json_each(a.studios) j WHERE a.active = 1
      UNION SELECT j.value FROM anime a, json_each(a.producers) j WHERE a.active = 1
      ORDER BY 1;
    -- Rebuilt whole, as anime_tags.
    ${companyIndexes.drop}
    DELETE FROM anime_companies;
    INSERT OR IGNORE INTO anime_companies (company_id, anime_id)
      SELECT c.id, a.id FROM anime a, json_each(a.studios) j JOIN companies c ON c.name = j.value WHERE a.active = 1
      UNION ALL SELECT c.id, a.id FROM anime a, json_each(a.producers) j JOIN companies c ON c.name = j.value WHERE a.active = 1;
    ${companyIndexes.create}
  `)
  rebuildDiscovery(db)
}
