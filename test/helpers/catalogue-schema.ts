// Catalogue files as older schema versions left them, for upgrade tests.
import type Database from 'better-sqlite3'

/** Takes out what catalogue migration 6 added (source_ids.dead): a file of version 5. */
export function undoMigration6 (raw: Database.Database): void {
  raw.exec('ALTER TABLE source_ids DROP COLUMN dead')
  raw.pragma('user_version = 5')
}

/** Takes out what catalogue migrations 6 and 5 added (the company registry): a file of version 4. */
export function undoMigration5 (raw: Database.Database): void {
  undoMigration6(raw)
  raw.exec('DROP TABLE anime_companies; DROP TABLE companies;')
  raw.pragma('user_version = 4')
}

/** Takes out what catalogue migrations 5 and 4 added (anime_sites, the season among the facets): a file of version 3. */
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
