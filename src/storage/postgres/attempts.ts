// The login throttle's attempt log in PostgreSQL, so that every instance counts
// the same attempts: failed logins per username (and attempts per client
// address) are limited across the whole deployment, not per process.
import { storedAttemptKey as stored, type AttemptLog } from '../../accounts/throttle.js'
import type { PgDatabase } from './database.js'

export function createPostgresAttemptLog (db: PgDatabase): AttemptLog {
  return {
    async recent (key, windowMs, now) {
      const { rows } = await db.query<{ count: number, oldest: number | null }>(
        'SELECT count(*) AS count, min(at) AS oldest FROM throttle_attempts WHERE key = $1 AND at > $2', [stored(key), now - windowMs])
      return { count: rows[0]!.count, oldest: rows[0]!.oldest }
    },
    async record (key, now) {
      await db.query('INSERT INTO throttle_attempts (key, at) VALUES ($1, $2)', [stored(key), now])
    },
    async prune (windowMs, now) {
      await db.query('DELETE FROM throttle_attempts WHERE at <= $1', [now - windowMs])
    }
  }
}
