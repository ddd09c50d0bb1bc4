// Tables derived from the served rows, rebuilt inside each import's transaction
// so that they switch together with the rows they describe.
import type { Db } from './db.js'
import { rebuildDiscovery } from './discovery-index.js'

export function rebuildDerived (db: Db): void {
  db.exec(`
    DELETE FROM anime_tags;
    INSERT INTO anime_tags (tag, anime_id)
      SELECT DISTINCT j.value, a.id FROM anime a, json_each(a.tags) j WHERE a.active = 1 ORDER BY 1, 2;
    DELETE FROM tags;
    INSERT INTO tags (name, count) SELECT tag, count(*) FROM anime_tags GROUP BY tag;
  `)
  rebuildDiscovery(db)
}
