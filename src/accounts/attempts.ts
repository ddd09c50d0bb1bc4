// The login throttle's attempt log in the accounts SQLite file, so that every
// process serving it (WORKERS) counts the same attempts, and a restart does not
// forget them. On a connection of its own without fsync at commit: counters a
// power cut may lose (at most one more window for an attacker), where the
// accounts' own connection syncs every commit.
import type { AccountsDb } from './db.js'
import { storedAttemptKey, type AttemptLog } from './throttle.js'

export function createSqliteAttemptLog (db: AccountsDb): AttemptLog {
  db.pragma('synchronous = OFF')
  const recent = db.prepare('SELECT count(*) AS count, min(at) AS oldest FROM throttle_attempts WHERE key = ? AND at > ?')
  const record = db.prepare('INSERT INTO throttle_attempts (key, at) VALUES (?, ?)')
  const prune = db.prepare('DELETE FROM throttle_attempts WHERE at <= ?')
  return {
    async recent (key, windowMs, now) {
      return recent.get(storedAttemptKey(key), now - windowMs) as { count: number, oldest: number | null }
    },
    async record (key, now) {
      record.run(storedAttemptKey(key), now)
    },
    async prune (windowMs, now) {
      prune.run(now - windowMs)
    }
  }
}
