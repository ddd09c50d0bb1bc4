// Catalogue files as older schema versions left them, for upgrade tests.
import type Database from 'better-sqlite3'

/**
 * Puts back what catalogue migration 7 dropped (the FTS5 indexes, facets, tag
 * weights, relations and tag postings, empty: migration 7 drops them again
 * whatever they hold): a file of version 6.
 */
export function undoMigration7 (raw: Database.Database): void {
  raw.exec(`
    CREATE VIRTUAL TABLE search_words USING fts5(title, synonyms, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2', prefix='1 2 3');
    CREATE VIRTUAL TABLE search_titles USING fts5(title, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2', prefix='1 2 3');
    CREATE VIRTUAL TABLE search_synonyms USING fts5(synonym, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2', prefix='1 2 3');
    CREATE VIRTUAL TABLE search_trigrams USING fts5(title, synonyms, content='', contentless_delete=1, tokenize='trigram remove_diacritics 1');
    CREATE VIRTUAL TABLE search_words_vocab USING fts5vocab(search_words, 'row');
    CREATE TABLE search_terms (term TEXT PRIMARY KEY, rev TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE tag_weights (name TEXT PRIMARY KEY, weight REAL NOT NULL) WITHOUT ROWID;
    CREATE TABLE anime_weights (anime_id INTEGER PRIMARY KEY, weight REAL NOT NULL);
    CREATE TABLE anime_related_urls (url TEXT NOT NULL, anime_id INTEGER NOT NULL, PRIMARY KEY (url, anime_id)) WITHOUT ROWID;
    CREATE TABLE anime_facets (id INTEGER PRIMARY KEY, anime_type TEXT NOT NULL, status TEXT NOT NULL, year INTEGER,
      num_episodes INTEGER NOT NULL, score REAL, title TEXT NOT NULL, season TEXT);
    CREATE INDEX anime_facets_year_season ON anime_facets(year, season);
    CREATE TABLE anime_tags (tag TEXT NOT NULL, anime_id INTEGER NOT NULL, PRIMARY KEY (tag, anime_id)) WITHOUT ROWID;
    CREATE TABLE tags (name TEXT PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID;
  `)
  raw.pragma('user_version = 6')
}

/** Undoes catalogue migrations 7 and 6 (which added source_ids.dead): a file of version 5. */
export function undoMigration6 (raw: Database.Database): void {
  undoMigration7(raw)
  raw.exec('ALTER TABLE source_ids DROP COLUMN dead')
  raw.pragma('user_version = 5')
}

/** Undoes catalogue migrations 7 to 5 (5 added the company registry): a file of version 4. */
export function undoMigration5 (raw: Database.Database): void {
  undoMigration6(raw)
  raw.exec('DROP TABLE anime_companies; DROP TABLE companies;')
  raw.pragma('user_version = 4')
}

/** Undoes catalogue migrations 7 to 4 (4 added anime_sites and the season among the facets): a file of version 3. */
export function undoMigration4 (raw: Database.Database): void {
  undoMigration5(raw)
  raw.exec(`
    DROP TABLE anime_sites;
    DROP INDEX anime_facets_year_season;
    ALTER TABLE anime_facets DROP COLUMN season;
    CREATE INDEX anime_facets_year ON anime_facets(year);
  `)
  raw.pragma('user_version = 3')
}
