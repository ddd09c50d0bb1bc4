// The discovery tables (migration 2), derived from the served rows. Rebuilt by
// rebuildDerived inside each import's write transaction, so search, tag weights
// and relations switch atomically with the catalogue they describe.
//
// - search_words / search_titles / search_trigrams: contentless FTS5 indexes
//   of title and synonyms (titles alone in search_titles). Only entries whose
//   row changed (anime.hash) are re-indexed, so a routine catalogue update touches a few hundred documents, not 40k.
// - search_terms: the word index's vocabulary (and each word reversed), for
//   typo correction by index range lookups (see search.ts).
// - tag_weights / anime_weights: idf of each tag, and each entry's total, for
//   similar anime.
// - anime_relations: AOD relatedAnime URLs resolved to served ids through
//   source_ids, in both directions.
import type { Db } from './db.js'

/** Characters of a string in reverse order (code points, not UTF-16 units). */
export const reverseText = (text: string): string => [...text].reverse().join('')

export function rebuildDiscovery (db: Db): void {
  db.function('discovery_reverse', { deterministic: true }, (text: unknown) => typeof text === 'string' ? reverseText(text) : text)
  db.exec(`
    DROP TABLE IF EXISTS temp.search_stale;
    CREATE TEMP TABLE search_stale (id INTEGER PRIMARY KEY);
    INSERT INTO temp.search_stale (id)
      SELECT i.id FROM search_indexed i LEFT JOIN anime a ON a.id = i.id AND a.active = 1
      WHERE a.hash IS NOT i.hash;
    DELETE FROM search_words WHERE rowid IN (SELECT id FROM temp.search_stale);
    DELETE FROM search_titles WHERE rowid IN (SELECT id FROM temp.search_stale);
    DELETE FROM search_trigrams WHERE rowid IN (SELECT id FROM temp.search_stale);
    DELETE FROM search_indexed WHERE id IN (SELECT id FROM temp.search_stale);

    DROP TABLE IF EXISTS temp.search_fresh;
    CREATE TEMP TABLE search_fresh (id INTEGER PRIMARY KEY, hash TEXT NOT NULL, title TEXT NOT NULL, synonyms TEXT);
    INSERT INTO temp.search_fresh (id, hash, title, synonyms)
      SELECT a.id, a.hash, a.title, (SELECT group_concat(j.value, char(10)) FROM json_each(a.synonyms) j)
      FROM anime a WHERE a.active = 1 AND a.id NOT IN (SELECT id FROM search_indexed);
    INSERT INTO search_words (rowid, title, synonyms) SELECT id, title, synonyms FROM temp.search_fresh;
    INSERT INTO search_titles (rowid, title) SELECT id, title FROM temp.search_fresh;
    INSERT INTO search_trigrams (rowid, title, synonyms) SELECT id, title, synonyms FROM temp.search_fresh;
    INSERT INTO search_indexed (id, hash) SELECT id, hash FROM temp.search_fresh;
    DROP TABLE temp.search_stale;
    DROP TABLE temp.search_fresh;

    DELETE FROM search_terms;
    INSERT INTO search_terms (term, rev, docs)
      SELECT term, discovery_reverse(term), doc FROM search_words_vocab WHERE doc > 0;

    DELETE FROM tag_weights;
    INSERT INTO tag_weights (name, weight)
      SELECT name, ln((SELECT count(*) FROM anime WHERE active = 1) * 1.0 / count) FROM tags WHERE count > 0;
    DELETE FROM anime_weights;
    INSERT INTO anime_weights (anime_id, weight)
      SELECT t.anime_id, sum(w.weight) FROM anime_tags t JOIN tag_weights w ON w.name = t.tag GROUP BY t.anime_id;

    DELETE FROM anime_relations;
    INSERT OR IGNORE INTO anime_relations (anime_id, related_id)
      SELECT a.id, s.anime_id
      FROM anime a, json_each(a.related) j
      JOIN source_ids s ON s.url = j.value
      JOIN anime b ON b.id = s.anime_id AND b.active = 1
      WHERE a.active = 1 AND s.anime_id <> a.id;
    INSERT OR IGNORE INTO anime_relations (anime_id, related_id)
      SELECT related_id, anime_id FROM anime_relations;
  `)
}
