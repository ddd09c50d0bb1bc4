// The per-entry tables discovery and the hot path read, derived from the served
// rows and rebuilt by rebuildDerived inside each import's write transaction, so
// they switch atomically with the catalogue they describe:
// - entry_answers: each served entry's answer as sent (see answerSql);
// - anime_sites: the (site, id) of each source URL of a known site (sites.ts),
//   the index of id mapping.
// Both are kept per entry version (search_indexed holds anime.hash): only
// entries whose row changed are written again, so a routine catalogue update
// touches a few hundred entries, not 40k. Search, filters, tag counts, similar
// and recommendations answer from an index in memory (engine/), built from the
// rows themselves.
// The handle's type from the driver, not from db.ts: db.ts runs these in its migrations.
import type { Database as Db } from 'better-sqlite3'
import { answerSql } from './answers.js'
import { parseSourceUrl, siteIdKey, type SiteId } from './sites.js'

/**
 * SQL that drops the secondary indexes of `tables` and SQL that creates them
 * again as they were: around a bulk fill, one sort per index instead of a b-tree
 * insert per row.
 */
export function secondaryIndexes (db: Db, ...tables: string[]): { drop: string, create: string } {
  const indexes = db.prepare(
    `SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${tables.map(() => '?').join(', ')}) ORDER BY name`
  ).all(...tables) as Array<{ name: string, sql: string }>
  return {
    drop: indexes.map((index) => `DROP INDEX "${index.name}";`).join('\n'),
    create: indexes.map((index) => `${index.sql};`).join('\n')
  }
}

/**
 * The SQL functions the catalogue's statements use: source_site(url) /
 * source_site_key(url), a source URL's site name and id key (see sites.ts),
 * NULL for URLs of no known site.
 */
export function registerCatalogueFunctions (db: Db): void {
  // The two are called on the same URL one after the other: it is parsed once.
  let lastUrl: unknown
  let last: SiteId | null = null
  const parse = (url: unknown): SiteId | null => {
    if (url !== lastUrl) {
      lastUrl = url
      last = typeof url === 'string' ? parseSourceUrl(url) : null
    }
    return last
  }
  db.function('source_site', { deterministic: true }, (url: unknown) => parse(url)?.site ?? null)
  db.function('source_site_key', { deterministic: true }, (url: unknown) => {
    const parsed = parse(url)
    return parsed === null ? null : siteIdKey(parsed.site, parsed.id)
  })
}

/** Fills anime_sites for the entries whose ids `ids` (a SELECT of one column) gives, in key order. */
export const animeSitesInsert = (ids: string): string => `
  INSERT OR IGNORE INTO anime_sites (site, site_id, anime_id)
    SELECT site, site_id, anime_id FROM (
      SELECT source_site(j.value) AS site, source_site_key(j.value) AS site_id, a.id AS anime_id
      FROM anime a, json_each(a.sources) j WHERE a.id IN (${ids})
    ) WHERE site IS NOT NULL ORDER BY site, site_id, anime_id;`

export function rebuildDiscovery (db: Db): void {
  registerCatalogueFunctions(db)
  db.exec(`
    DROP TABLE IF EXISTS temp.search_stale;
    CREATE TEMP TABLE search_stale (id INTEGER PRIMARY KEY);
    INSERT INTO temp.search_stale (id)
      SELECT i.id FROM search_indexed i LEFT JOIN anime a ON a.id = i.id AND a.active = 1
      WHERE a.hash IS NOT i.hash;
  `)
  const stale = db.prepare('SELECT count(*) FROM temp.search_stale').pluck().get() as number
  const indexed = db.prepare('SELECT count(*) FROM search_indexed').pluck().get() as number
  if (stale > 0 && stale * 2 >= indexed) {
    // Most entries changed: emptying the tables and writing every entry again
    // is far cheaper than deleting them one by one (same contents either way).
    db.exec(`
      DELETE FROM anime_sites;
      DELETE FROM entry_answers;
      DELETE FROM search_indexed;
    `)
  } else if (stale > 0) {
    db.exec(`
      DELETE FROM anime_sites WHERE anime_id IN (SELECT id FROM temp.search_stale);
      DELETE FROM entry_answers WHERE id IN (SELECT id FROM temp.search_stale);
      DELETE FROM search_indexed WHERE id IN (SELECT id FROM temp.search_stale);
    `)
  }
  db.exec(`
    DROP TABLE IF EXISTS temp.search_fresh;
    CREATE TEMP TABLE search_fresh (id INTEGER PRIMARY KEY, hash TEXT NOT NULL);
    INSERT INTO temp.search_fresh (id, hash)
      SELECT a.id, a.hash FROM anime a WHERE a.active = 1 AND a.id NOT IN (SELECT id FROM search_indexed);
  `)
  const fresh = db.prepare('SELECT count(*) FROM temp.search_fresh').pluck().get() as number
  const remaining = db.prepare('SELECT count(*) FROM search_indexed').pluck().get() as number
  // Many new rows: fill anime_sites without its secondary index, and index it once after.
  const bulk = fresh > 1000 && fresh >= remaining
  const indexes = bulk ? secondaryIndexes(db, 'anime_sites') : { drop: '', create: '' }
  db.exec(`
    ${indexes.drop}
    ${animeSitesInsert('SELECT id FROM temp.search_fresh')}
    ${indexes.create}
    INSERT INTO entry_answers (id, answer)
      SELECT id, ${answerSql} FROM anime WHERE id IN (SELECT id FROM temp.search_fresh);
    INSERT INTO search_indexed (id, hash, synonyms) SELECT id, hash, 0 FROM temp.search_fresh;
    DROP TABLE temp.search_stale;
    DROP TABLE temp.search_fresh;
  `)
}
