// Whether the accounts SQLite file takes writes, for /ready: on the accounts
// store's own connection (no connection of its own), with a short busy timeout
// for the check (a writer holding the lock longer than that counts as not
// writable), and the free space of the file system under DATA_DIR.
import fs from 'node:fs'
import type { AccountsDb } from './database.js'

/**
 * Less free space than this under DATA_DIR counts as full: a checkpoint moves up
 * to 1000 pages (4 MiB) from the WAL into the file at once, and the WAL fills again meanwhile.
 */
export const MIN_FREE_BYTES = 8 << 20

/** How long the check waits for the write lock (ms). */
const PROBE_BUSY_MS = 250

export interface SqliteProbe {
  /** Why the file cannot be written now (its write lock cannot be had, the disk is nearly full), or null. */
  problem (): string | null
  /** One small write, committed: throws what SQLite throws when it cannot. */
  write (): Promise<void>
}

export function createSqliteProbe (db: AccountsDb, dataDir: string): SqliteProbe {
  // Changed pages, so a commit that writes to the WAL: a rolled-back transaction writes nothing.
  const probeWrite = db.transaction(() => {
    db.prepare("INSERT INTO throttle_attempts (key, at) VALUES ('write probe', 0)").run()
    db.prepare("DELETE FROM throttle_attempts WHERE key = 'write probe'").run()
  })
  /** `fn` with the short busy timeout; better-sqlite3 is synchronous, so no other statement runs meanwhile. */
  const briefly = <T>(fn: () => T): T => {
    const usual = db.pragma('busy_timeout', { simple: true }) as number
    db.pragma(`busy_timeout = ${PROBE_BUSY_MS}`)
    try { return fn() } finally { db.pragma(`busy_timeout = ${usual}`) }
  }
  return {
    problem () {
      try {
        // Take the write lock and let go.
        briefly(() => {
          db.exec('BEGIN IMMEDIATE')
          db.exec('ROLLBACK')
        })
      } catch (error) {
        return `the write lock: ${(error as Error).message}`
      }
      const { bavail, bsize } = fs.statfsSync(dataDir)
      const free = bavail * bsize
      return free < MIN_FREE_BYTES ? `${free} bytes free under DATA_DIR (fewer than ${MIN_FREE_BYTES})` : null
    },
    async write () {
      briefly(() => probeWrite.immediate())
    }
  }
}
