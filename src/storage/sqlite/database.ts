// The accounts' SQLite file, apart from the catalogue so that a catalogue update
// never touches user data. Migrations run once each, in order, by the one
// runner (src/storage/migrations.ts); PRAGMA user_version records how far a file got.
import path from 'node:path'
import Database from 'better-sqlite3'
import { preparePrivateDatabase } from '../files.js'
import { runMigrations, sqliteMigrations, type MigrationReport } from '../migrations.js'

export type AccountsDb = Database.Database

export const ACCOUNTS_FILE = 'accounts.sqlite'

/** Version n is migration n - 1 of this list; never edit one that has shipped, add another. */
export const accountsMigrations: readonly string[] = [
  // 1: users and their login tokens
  `
  CREATE TABLE users (
    -- AUTOINCREMENT: an id is never given again after its user is deleted
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL,
    -- NFKC + case-folded username: uniqueness without regard to case
    username_key TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    -- lower-cased email; NULL when empty or when an imported account shares it
    -- with an earlier one (the old service allowed duplicates)
    email_key TEXT UNIQUE,
    password TEXT NOT NULL,
    is_active INTEGER NOT NULL DEFAULT 1,
    date_joined INTEGER NOT NULL,
    last_login INTEGER
  );
  CREATE TABLE tokens (
    -- SHA-512 of the token (hex); the token itself is never stored
    digest TEXT PRIMARY KEY,
    -- the token's first 8 characters, to find candidates without the digest
    token_key TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created INTEGER NOT NULL,
    -- milliseconds since the epoch; NULL: never expires
    expiry INTEGER
  ) WITHOUT ROWID;
  CREATE INDEX tokens_key ON tokens(token_key);
  CREATE INDEX tokens_user ON tokens(user_id);
  CREATE INDEX tokens_expiry ON tokens(expiry) WHERE expiry IS NOT NULL;
  `,
  // 2: watchlists and their entries (src/storage/sqlite/watchlists.ts); deleted with their user
  `
  CREATE TABLE watchlists (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    -- NFKC + case-folded name: unique per user without regard to case
    name_key TEXT NOT NULL,
    public INTEGER NOT NULL DEFAULT 0,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    UNIQUE (user_id, name_key)
  );
  CREATE TABLE watchlist_entries (
    watchlist_id INTEGER NOT NULL REFERENCES watchlists(id) ON DELETE CASCADE,
    -- a catalogue id (catalogue.sqlite); kept when the anime leaves the catalogue
    anime_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    rating INTEGER,
    episodes_watched INTEGER NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '',
    added INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    PRIMARY KEY (watchlist_id, anime_id)
  ) WITHOUT ROWID;
  CREATE INDEX watchlist_entries_added ON watchlist_entries(watchlist_id, added, anime_id);
  CREATE INDEX watchlist_entries_rating ON watchlist_entries(watchlist_id, rating, anime_id);
  `,
  // 3: the login throttle's attempts (src/storage/sqlite/attempts.ts), shared by every
  // process on this file (WORKERS); keys are SHA-256, no usernames stored
  `
  CREATE TABLE throttle_attempts (
    key TEXT NOT NULL,
    at INTEGER NOT NULL
  );
  CREATE INDEX throttle_attempts_key_at ON throttle_attempts(key, at);
  CREATE INDEX throttle_attempts_at ON throttle_attempts(at);
  `,
  // 4: the catalogue's id map (src/catalogue/id-store.ts): every source URL ever
  // seen with its catalogue id, kept here with the watchlists that hold those
  // ids, so that it survives the loss of catalogue.sqlite
  `
  CREATE TABLE catalogue_ids (
    url TEXT PRIMARY KEY,
    anime_id INTEGER NOT NULL,
    -- 1: the URL's site lists it as deleted; it no longer claims its id
    dead INTEGER NOT NULL DEFAULT 0
  ) WITHOUT ROWID;
  CREATE TABLE catalogue_id_state (
    only INTEGER PRIMARY KEY CHECK (only = 1),
    -- bumped by every save; imports compare it to save only over what they read
    revision INTEGER NOT NULL,
    -- the highest catalogue id ever handed out: ids are never given twice
    max_id INTEGER NOT NULL
  );
  INSERT INTO catalogue_id_state (only, revision, max_id) VALUES (1, 0, 0);
  `
]

export const ACCOUNTS_SCHEMA_VERSION = accountsMigrations.length

export function migrateAccounts (db: AccountsDb): MigrationReport {
  return runMigrations(sqliteMigrations(db, 'the accounts file', accountsMigrations.length, (version) => { db.exec(accountsMigrations[version - 1]!) }))
}

export function openAccountsDb (dataDir: string): AccountsDb {
  const file = path.join(dataDir, ACCOUNTS_FILE)
  preparePrivateDatabase(file) // password hashes and token digests: 0600, as are its -wal and -shm
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  // FULL, not NORMAL: with WAL, NORMAL survives a killed process but may lose the
  // last commits on power loss. A 200 from register or login promises the account
  // and token exist; a few fsyncs per login are cheap next to the password hash.
  db.pragma('synchronous = FULL')
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 5000')
  migrateAccounts(db)
  return db
}
