// The discovery tables (migration 2), derived from the served rows. Rebuilt by
// rebuildDerived inside each import's write transaction, so search, tag weights
// and relations switch atomically with the catalogue they describe.
//
// - search_words / search_titles / search_synonyms / search_trigrams:
//   contentless FTS5 indexes of title and synonyms (titles alone in
//   search_titles, each synonym alone in search_synonyms, with rowid
//   id × SYNONYM_SLOTS + position).
// - anime_facets: the filterable columns of each served entry, compact, so
//   that filters, counts and orderings never read the wide anime rows.
// - anime_related_urls: each entry's AOD relatedAnime URLs, by URL, to find the
//   entries that list a given one as related.
// - entry_answers: each served entry's answer as sent (see answerSql).
// - anime_sites: the (site, id) of each source URL of a known site (sites.ts),
//   the index of id mapping.
//   These are kept per entry version (search_indexed holds anime.hash): only
//   entries whose row changed are re-indexed, so a routine catalogue update
//   touches a few hundred entries, not 40k.
// - search_terms: the word index's alphabetic vocabulary (and each word
//   reversed), for typo correction by index range lookups (see search.ts).
// - tag_weights / anime_weights: idf of each tag, and each entry's total, for
//   similar anime.
// The handle's type from the driver, not from db.ts: db.ts runs these in its migrations.
import type { Database as Db } from 'better-sqlite3'
import { answerSql } from './answers.js'
import { parseSourceUrl, siteIdKey, type SiteId } from './sites.js'

/** Rowids per entry in search_synonyms: an entry's first 1000 synonyms are indexed alone. */
export const SYNONYM_SLOTS = 1000

/** Characters of a string in reverse order (code points, not UTF-16 units). */
export const reverseText = (text: string): string => [...text].reverse().join('')

const ftsTables = ['search_words', 'search_titles', 'search_synonyms', 'search_trigrams']

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
 * The SQL functions the catalogue's statements use: discovery_reverse(text),
 * and source_site(url) / source_site_key(url), a source URL's site name and id
 * key (see sites.ts), NULL for URLs of no known site.
 */
export function registerCatalogueFunctions (db: Db): void {
  db.function('discovery_reverse', { deterministic: true }, (text: unknown) => typeof text === 'string' ? reverseText(text) : text)
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
    // Most entries changed: emptying the indexes and indexing every entry again
    // is far cheaper than deleting them one by one (same contents either way).
    db.exec(`
      ${ftsTables.map((t) => `INSERT INTO ${t} (${t}) VALUES ('delete-all');`).join('\n')}
      DELETE FROM anime_related_urls;
      DELETE FROM anime_sites;
      DELETE FROM anime_facets;
      DELETE FROM entry_answers;
      DELETE FROM search_indexed;
    `)
  } else if (stale > 0) {
    db.exec(`
      DELETE FROM search_words WHERE rowid IN (SELECT id FROM temp.search_stale);
      DELETE FROM search_titles WHERE rowid IN (SELECT id FROM temp.search_stale);
      DELETE FROM search_synonyms WHERE rowid IN (
        WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n < ${SYNONYM_SLOTS - 1})
        SELECT i.id * ${SYNONYM_SLOTS} + k.n FROM temp.search_stale s JOIN search_indexed i ON i.id = s.id JOIN k ON k.n < i.synonyms);
      DELETE FROM search_trigrams WHERE rowid IN (SELECT id FROM temp.search_stale);
      DELETE FROM anime_related_urls WHERE anime_id IN (SELECT id FROM temp.search_stale);
      DELETE FROM anime_sites WHERE anime_id IN (SELECT id FROM temp.search_stale);
      DELETE FROM anime_facets WHERE id IN (SELECT id FROM temp.search_stale);
      DELETE FROM entry_answers WHERE id IN (SELECT id FROM temp.search_stale);
      DELETE FROM search_indexed WHERE id IN (SELECT id FROM temp.search_stale);
    `)
  }
  db.exec(`
    DROP TABLE IF EXISTS temp.search_fresh;
    CREATE TEMP TABLE search_fresh (id INTEGER PRIMARY KEY, hash TEXT NOT NULL, title TEXT NOT NULL, synonyms TEXT);
    INSERT INTO temp.search_fresh (id, hash, title, synonyms)
      SELECT a.id, a.hash, a.title, (SELECT group_concat(j.value, char(10)) FROM json_each(a.synonyms) j)
      FROM anime a WHERE a.active = 1 AND a.id NOT IN (SELECT id FROM search_indexed);
  `)
  const fresh = db.prepare('SELECT count(*) FROM temp.search_fresh').pluck().get() as number
  const remaining = db.prepare('SELECT count(*) FROM search_indexed').pluck().get() as number
  // Many new rows: fill anime_related_urls (rows in id order, OR IGNORE instead
  // of a DISTINCT sort), anime_facets and anime_sites without their secondary
  // indexes, and index them once after.
  const bulk = fresh > 1000 && fresh >= remaining
  const indexes = bulk ? secondaryIndexes(db, 'anime_related_urls', 'anime_facets', 'anime_sites') : { drop: '', create: '' }
  // In bulk, the FTS5 indexes merge their segments 16 at a time instead of 4
  // (automerge): about a sixth less CPU for the same searches afterwards; the
  // default (4) is set back once they are filled.
  const automerge = (n: number) => ftsTables.map((t) => `INSERT INTO ${t} (${t}, rank) VALUES ('automerge', ${n});`).join('\n')
  db.exec(`
    ${bulk ? automerge(16) : ''}
    INSERT INTO search_words (rowid, title, synonyms) SELECT id, title, synonyms FROM temp.search_fresh;
    INSERT INTO search_titles (rowid, title) SELECT id, title FROM temp.search_fresh;
    INSERT INTO search_synonyms (rowid, synonym)
      SELECT f.id * ${SYNONYM_SLOTS} + j.key, j.value FROM temp.search_fresh f JOIN anime a ON a.id = f.id, json_each(a.synonyms) j
      WHERE j.key < ${SYNONYM_SLOTS};
    INSERT INTO search_trigrams (rowid, title, synonyms) SELECT id, title, synonyms FROM temp.search_fresh;
    ${bulk ? automerge(4) : ''}
    ${indexes.drop}
    INSERT OR IGNORE INTO anime_related_urls (url, anime_id)
      SELECT j.value, a.id FROM temp.search_fresh f JOIN anime a ON a.id = f.id, json_each(a.related) j;
    INSERT INTO anime_facets (id, anime_type, status, year, season, num_episodes, score, title)
      SELECT a.id, a.anime_type, a.status, a.year, a.season, a.num_episodes, a.score, a.title FROM temp.search_fresh f JOIN anime a ON a.id = f.id;
    ${animeSitesInsert('SELECT id FROM temp.search_fresh')}
    ${indexes.create}
    INSERT INTO entry_answers (id, answer)
      SELECT id, ${answerSql} FROM anime WHERE id IN (SELECT id FROM temp.search_fresh);
    INSERT INTO search_indexed (id, hash, synonyms)
      SELECT f.id, f.hash, min(json_array_length(a.synonyms), ${SYNONYM_SLOTS}) FROM temp.search_fresh f JOIN anime a ON a.id = f.id;
    DROP TABLE temp.search_stale;
    DROP TABLE temp.search_fresh;

    -- Words of Latin, Greek or Cyrillic script (first character below U+0530), the ones typo correction handles.
    DELETE FROM search_terms WHERE term NOT IN (SELECT term FROM search_words_vocab);
    INSERT INTO search_terms (term, rev)
      SELECT term, discovery_reverse(term) FROM search_words_vocab
      WHERE unicode(term) < 1328 AND term NOT IN (SELECT term FROM search_terms);

    DELETE FROM tag_weights;
    INSERT INTO tag_weights (name, weight)
      SELECT name, ln((SELECT count(*) FROM anime WHERE active = 1) * 1.0 / count) FROM tags WHERE count > 0;
    DELETE FROM anime_weights;
    INSERT INTO anime_weights (anime_id, weight)
      SELECT t.anime_id, sum(w.weight) FROM anime_tags t JOIN tag_weights w ON w.name = t.tag GROUP BY t.anime_id;

  `)
}
