// The login throttle's attempt log in PostgreSQL, so that every instance counts
// the same attempts: failed logins per username (and attempts per client
// address) are limited across the whole deployment, not per process.
import { storedAttemptKey as stored, type AttemptLog, type Reservation } from '../../accounts/throttle.js'
import type { PgDatabase } from './database.js'

/**
 * Two-key advisory locks live apart from the one-key locks (the migration lock):
 * this first key names the throttle, the second is 32 bits of the attempt key.
 * Two keys sharing those bits only wait for each other; they are still counted apart.
 */
const THROTTLE_LOCK_SPACE = 0x7468726f // 'thro'

export function createPostgresAttemptLog (db: PgDatabase): AttemptLog {
  return {
    async reserve (key, limit, windowMs, now) {
      const hashed = stored(key)
      return db.transaction(async (client): Promise<Reservation> => {
        // Reservations of one key queue here until the one before commits; the count
        // below is a statement of its own, so it sees what that one committed.
        await client.query('SELECT pg_advisory_xact_lock($1::integer, $2::integer)', [THROTTLE_LOCK_SPACE, Number.parseInt(hashed.slice(0, 8), 16) | 0])
        const { rows } = await client.query<{ count: number, oldest: number | null }>(
          'SELECT count(*)::integer AS count, min(at) AS oldest FROM throttle_attempts WHERE key = $1 AND at > $2', [hashed, now - windowMs])
        const { count, oldest } = rows[0]!
        if (count >= limit) return { reserved: false, oldest: oldest ?? now }
        await client.query('INSERT INTO throttle_attempts (key, at) VALUES ($1, $2)', [hashed, now])
        return { reserved: true }
      })
    },
    async release (key, at) {
      // SKIP LOCKED: two releases of equal attempts at once each take a row of their own.
      await db.query(`DELETE FROM throttle_attempts WHERE ctid =
        (SELECT ctid FROM throttle_attempts WHERE key = $1 AND at = $2 LIMIT 1 FOR UPDATE SKIP LOCKED)`, [stored(key), at])
    },
    async prune (windowMs, now) {
      await db.query('DELETE FROM throttle_attempts WHERE at <= $1', [now - windowMs])
    }
  }
}
