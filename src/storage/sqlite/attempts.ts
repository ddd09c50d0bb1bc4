// The login throttle's attempt log in the accounts SQLite file, so that every
// process serving it (WORKERS) counts the same attempts, and a restart does not
// forget them. On a connection of its own without fsync at commit: counters a
// power cut may lose (at most one more window for an attacker), where the
// accounts' own connection syncs every commit.
import type { AccountsDb } from './database.js'
import { storedAttemptKey, type AttemptLog, type Reservation } from '../../accounts/throttle.js'

export function createSqliteAttemptLog (db: AccountsDb): AttemptLog {
  db.pragma('synchronous = OFF')
  const recent = db.prepare('SELECT count(*) AS count, min(at) AS oldest FROM throttle_attempts WHERE key = ? AND at > ?')
  const record = db.prepare('INSERT INTO throttle_attempts (key, at) VALUES (?, ?)')
  const forgetOne = db.prepare('DELETE FROM throttle_attempts WHERE rowid = (SELECT rowid FROM throttle_attempts WHERE key = ? AND at = ? LIMIT 1)')
  const prune = db.prepare('DELETE FROM throttle_attempts WHERE at <= ?')
  // The count and the insert in one IMMEDIATE transaction: the file's write lock
  // is taken first, so no other process counts between them.
  const reserve = db.transaction((key: string, limit: number, windowMs: number, now: number): Reservation => {
    const { count, oldest } = recent.get(key, now - windowMs) as { count: number, oldest: number | null }
    if (count >= limit) return { reserved: false, oldest: oldest ?? now }
    record.run(key, now)
    return { reserved: true }
  })
  return {
    async reserve (key, limit, windowMs, now) {
      return reserve.immediate(storedAttemptKey(key), limit, windowMs, now)
    },
    async release (key, at) {
      forgetOne.run(storedAttemptKey(key), at)
    },
    async prune (windowMs, now) {
      prune.run(now - windowMs)
    }
  }
}
