// The catalogue's SQLite file: opening it and upgrading its schema in place.
// Each migration runs once, in order, by the one runner of the service's
// databases (src/storage/migrations.ts); PRAGMA user_version records how far a file got.
import path from 'node:path'
import Database from 'better-sqlite3'
import { preparePrivateDatabase } from '../storage/files.js'
import { runMigrations, sqliteMigrations } from '../storage/migrations.js'
import { rebuildDerived } from './derived.js'
import { animeSitesInsert, registerCatalogueFunctions } from './discovery-index.js'
import { answerSql } from './answers.js'

export type Db = Database.Database

export const CATALOGUE_FILE = 'catalogue.sqlite'

/** A migration's SQL; `rebuildsDerived` ones also fill their derived tables from the rows already there. */
type Migration = string | { sql: string, rebuildsDerived: true }

const migrations: Migration[] = [
  // 1: the catalogue, the id registry and its metadata
  `
  CREATE TABLE anime (
    id INTEGER PRIMARY KEY,
    active INTEGER NOT NULL DEFAULT 1,
    pos INTEGER,
    hash TEXT NOT NULL,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    anime_type TEXT NOT NULL,
    num_episodes INTEGER NOT NULL,
    status TEXT NOT NULL,
    year INTEGER,
    season TEXT,
    picture TEXT NOT NULL,
    thumbnail TEXT NOT NULL,
    duration INTEGER,
    score REAL,
    score_mean REAL,
    score_median REAL,
    tags TEXT NOT NULL,
    sources TEXT NOT NULL,
    synonyms TEXT NOT NULL,
    studios TEXT NOT NULL,
    producers TEXT NOT NULL,
    related TEXT NOT NULL
  );
  -- dense 1..N over the served entries: a uniform random pick is one index lookup
  CREATE UNIQUE INDEX anime_pos ON anime(pos);
  -- every source URL ever seen, with the id it was given: ids survive updates
  CREATE TABLE source_ids (
    url TEXT PRIMARY KEY,
    anime_id INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX source_ids_anime ON source_ids(anime_id);
  -- derived from anime.tags by every import (see derived.ts)
  CREATE TABLE anime_tags (
    tag TEXT NOT NULL,
    anime_id INTEGER NOT NULL,
    PRIMARY KEY (tag, anime_id)
  ) WITHOUT ROWID;
  CREATE INDEX anime_tags_anime ON anime_tags(anime_id);
  CREATE TABLE tags (
    name TEXT PRIMARY KEY,
    count INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) WITHOUT ROWID;
  `,
  // 2: discovery: full-text search, tag weights, resolved relations and filter indexes (see derived.ts)
  {
    rebuildsDerived: true,
    sql: `
    -- word index: case- and diacritics-insensitive words, prefix indexes for typing
    CREATE VIRTUAL TABLE search_words USING fts5(
      title, synonyms, content='', contentless_delete=1,
      tokenize='unicode61 remove_diacritics 2', prefix='1 2 3'
    );
    -- the same for titles alone: bm25 there ranks by the title, not by how many synonyms an entry has
    CREATE VIRTUAL TABLE search_titles USING fts5(
      title, content='', contentless_delete=1,
      tokenize='unicode61 remove_diacritics 2', prefix='1 2 3'
    );
    -- each synonym alone (rowid = anime id × 1000 + its position): the shortest matching synonym ranks first
    CREATE VIRTUAL TABLE search_synonyms USING fts5(
      synonym, content='', contentless_delete=1,
      tokenize='unicode61 remove_diacritics 2', prefix='1 2 3'
    );
    -- trigram index: substrings (scripts without spaces between words)
    CREATE VIRTUAL TABLE search_trigrams USING fts5(
      title, synonyms, content='', contentless_delete=1,
      tokenize='trigram remove_diacritics 1'
    );
    -- which version (anime.hash) of each entry the indexes hold, and how many synonym rows
    CREATE TABLE search_indexed (
      id INTEGER PRIMARY KEY,
      hash TEXT NOT NULL,
      synonyms INTEGER NOT NULL
    );
    CREATE VIRTUAL TABLE search_words_vocab USING fts5vocab(search_words, 'row');
    -- the indexed alphabetic words (and reversed, for suffix lookups): typo correction
    CREATE TABLE search_terms (
      term TEXT PRIMARY KEY,
      rev TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX search_terms_rev ON search_terms(rev);
    -- idf of each tag: ln(served entries / entries with the tag)
    CREATE TABLE tag_weights (
      name TEXT PRIMARY KEY,
      weight REAL NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX tags_nocase ON tags(name COLLATE NOCASE);
    CREATE INDEX tags_count ON tags(count DESC, name);
    -- sum of the tag weights of each entry
    CREATE TABLE anime_weights (
      anime_id INTEGER PRIMARY KEY,
      weight REAL NOT NULL
    );
    -- AOD relatedAnime URLs by URL: who lists an entry as related (kept with search_indexed)
    CREATE TABLE anime_related_urls (
      url TEXT NOT NULL,
      anime_id INTEGER NOT NULL,
      PRIMARY KEY (url, anime_id)
    ) WITHOUT ROWID;
    CREATE INDEX anime_related_urls_anime ON anime_related_urls(anime_id);
    -- the filterable columns of the served entries, compact: filters, counts and
    -- orderings never read the wide anime rows (kept with search_indexed)
    CREATE TABLE anime_facets (
      id INTEGER PRIMARY KEY,
      anime_type TEXT NOT NULL,
      status TEXT NOT NULL,
      year INTEGER,
      num_episodes INTEGER NOT NULL,
      score REAL,
      title TEXT NOT NULL
    );
    CREATE INDEX anime_facets_type ON anime_facets(anime_type);
    CREATE INDEX anime_facets_status ON anime_facets(status);
    CREATE INDEX anime_facets_title ON anime_facets(title COLLATE NOCASE);
    CREATE INDEX anime_facets_year ON anime_facets(year);
    CREATE INDEX anime_facets_episodes ON anime_facets(num_episodes);
    CREATE INDEX anime_facets_score ON anime_facets(score);
    `
  },
  // 3: each served entry's answer as sent (see answerSql), kept with search_indexed:
  // GET /anime/entry/:id and /anime/random read one small row instead of building it
  `
  CREATE TABLE entry_answers (
    id INTEGER PRIMARY KEY,
    answer TEXT NOT NULL
  );
  -- the entries the indexes hold (a file coming from version 1 has none yet: the rebuild after the last migration fills both)
  INSERT INTO entry_answers (id, answer) SELECT id, ${answerSql} FROM anime WHERE id IN (SELECT id FROM search_indexed);
  `,
  // 4: the season among the facets (season filter, /anime/seasons), and each served
  // entry's site ids (id mapping), kept with search_indexed like the other discovery tables
  `
  ALTER TABLE anime_facets ADD COLUMN season TEXT;
  UPDATE anime_facets SET season = (SELECT a.season FROM anime a WHERE a.id = anime_facets.id);
  DROP INDEX anime_facets_year;
  CREATE INDEX anime_facets_year_season ON anime_facets(year, season);
  -- (site, id as the lookup key of sites.ts) of every source URL of a known site
  CREATE TABLE anime_sites (
    site TEXT NOT NULL,
    site_id TEXT NOT NULL,
    anime_id INTEGER NOT NULL,
    PRIMARY KEY (site, site_id, anime_id)
  ) WITHOUT ROWID;
  CREATE INDEX anime_sites_anime ON anime_sites(anime_id);
  ${animeSitesInsert('SELECT id FROM search_indexed')}
  `,
  // 5: studios and producers by name with ids that stay theirs across imports (never
  // reused), and which entries each made
  {
    rebuildsDerived: true,
    sql: `
    CREATE TABLE companies (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE
    );
    -- derived from anime.studios and anime.producers by every import (see derived.ts)
    CREATE TABLE anime_companies (
      company_id INTEGER NOT NULL,
      anime_id INTEGER NOT NULL,
      PRIMARY KEY (company_id, anime_id)
    ) WITHOUT ROWID;
    CREATE INDEX anime_companies_anime ON anime_companies(anime_id);
    `
  },
  // 6: a URL its site lists as deleted (AOD's dead-entry lists) no longer claims its id (see id-store.ts)
  `
  ALTER TABLE source_ids ADD COLUMN dead INTEGER NOT NULL DEFAULT 0;
  `,
  // 7: search, filters, tag counts, similar and recommendations answer from an
  // index in memory (src/catalogue/engine), built from the rows above: the FTS5
  // indexes, the facets, tag weights, resolved relations and tag postings they
  // read go (about half the file). The file is compacted after (see migrate).
  `
  DROP TABLE search_words_vocab;
  DROP TABLE search_words;
  DROP TABLE search_titles;
  DROP TABLE search_synonyms;
  DROP TABLE search_trigrams;
  DROP TABLE search_terms;
  DROP TABLE tag_weights;
  DROP TABLE anime_weights;
  DROP TABLE anime_related_urls;
  DROP TABLE anime_facets;
  DROP TABLE anime_tags;
  DROP TABLE tags;
  `
]

/** The migration after which the file is compacted (VACUUM): it dropped most of a file's pages. */
const COMPACTING_MIGRATION = 7

export const CATALOGUE_SCHEMA_VERSION = migrations.length

export function migrate (db: Db): void {
  registerCatalogueFunctions(db)
  const { from } = runMigrations(sqliteMigrations(db, 'the catalogue file', migrations.length, (version, pending) => {
    const migration = migrations[version - 1]!
    db.exec(typeof migration === 'string' ? migration : migration.sql)
    // Derived tables are filled once, in the last migration's transaction, when
    // the schema is complete: a file is never left migrated but not indexed.
    const rebuild = pending.some((v) => { const m = migrations[v - 1]!; return typeof m !== 'string' && m.rebuildsDerived })
    if (rebuild && version === migrations.length) rebuildDerived(db)
  }))
  // A file that had the dropped tables shrinks to what it holds now (once, at the upgrade).
  if (from > 1 && from < COMPACTING_MIGRATION && migrations.length >= COMPACTING_MIGRATION) db.exec('VACUUM')
}

export function openCatalogueDb (dataDir: string, options: { readonly?: boolean } = {}): Db {
  const file = path.join(dataDir, CATALOGUE_FILE)
  preparePrivateDatabase(file) // 0600 like everything under DATA_DIR (src/storage/files.ts)
  const db = new Database(file)
  // A new file gets 16 KiB pages instead of 4: an import writes a quarter as many
  // pages through the WAL and the checkpoint (a 40k-entry import 0.4-0.6 s
  // faster), lookups and searches measured the same. A no-op on an existing file.
  db.pragma('page_size = 16384')
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('busy_timeout = 5000')
  migrate(db)
  if (options.readonly === true) db.pragma('query_only = ON')
  return db
}

/** A value of the catalogue's `meta` table ('' when it has none). */
export function getMeta (db: Db, key: string): string {
  return (db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key) as string | undefined) ?? ''
}

export function setMeta (db: Db, key: string, value: string): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value)
}
