// The catalogue's SQLite file: opening it and upgrading its schema in place.
// Each migration runs once, in order; PRAGMA user_version records how far a file got.
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'

export type Db = Database.Database

export const CATALOGUE_FILE = 'catalogue.sqlite'

const migrations: string[] = [
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
  `
]

export const CATALOGUE_SCHEMA_VERSION = migrations.length

export function migrate (db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number
  if (current > migrations.length) {
    throw new Error(`the catalogue file has schema version ${current}, newer than this program knows (${migrations.length}); upgrade the program`)
  }
  for (let version = current; version < migrations.length; version++) {
    db.transaction(() => {
      db.exec(migrations[version]!)
      db.pragma(`user_version = ${version + 1}`)
    }).immediate()
  }
}

export function openCatalogueDb (dataDir: string, options: { readonly?: boolean } = {}): Db {
  fs.mkdirSync(dataDir, { recursive: true })
  const db = new Database(path.join(dataDir, CATALOGUE_FILE))
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('busy_timeout = 5000')
  migrate(db)
  if (options.readonly === true) db.pragma('query_only = ON')
  return db
}
