// Whether the accounts SQLite file takes writes, for /ready: on a connection of
// its own with a short busy timeout (a writer holding the lock longer than that
// counts as not writable), and the free space of the file system under DATA_DIR.
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { ACCOUNTS_FILE } from '../accounts/db.js'

/**
 * Less free space than this under DATA_DIR counts as full: a checkpoint moves up
 * to 1000 pages (4 MiB) from the WAL into the file at once, and the WAL fills again meanwhile.
 */
export const MIN_FREE_BYTES = 8 << 20

export interface SqliteProbe {
  /** Why the file cannot be written now (its write lock cannot be had, the disk is nearly full), or null. */
  problem (): string | null
  /** One small write, committed: throws what SQLite throws when it cannot. */
  write (): Promise<void>
  close (): void
}

export function createSqliteProbe (dataDir: string): SqliteProbe {
  let db: Database.Database | null = null
  const open = (): Database.Database => (db ??= new Database(path.join(dataDir, ACCOUNTS_FILE), { fileMustExist: true, timeout: 250 }))
  return {
    problem () {
      try {
        // Take the write lock and let go.
        open().exec('BEGIN IMMEDIATE')
        db!.exec('ROLLBACK')
      } catch (error) {
        return `the write lock: ${(error as Error).message}`
      }
      const { bavail, bsize } = fs.statfsSync(dataDir)
      const free = bavail * bsize
      return free < MIN_FREE_BYTES ? `${free} bytes free under DATA_DIR (fewer than ${MIN_FREE_BYTES})` : null
    },
    async write () {
      // Changed pages, so a commit that writes to the WAL: a rolled-back transaction writes nothing.
      open().exec(`BEGIN IMMEDIATE;
        INSERT INTO throttle_attempts (key, at) VALUES ('write probe', 0);
        DELETE FROM throttle_attempts WHERE key = 'write probe';
        COMMIT`)
    },
    close () {
      db?.close()
    }
  }
}
