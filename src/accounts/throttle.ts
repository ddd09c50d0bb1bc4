// Brute-force throttling of login and register. Attempts are counted in a
// sliding window behind the small AttemptLog interface, kept where users are:
// the accounts SQLite file (src/storage/sqlite/attempts.ts), shared by every process
// on it (WORKERS), or PostgreSQL (src/storage/postgres/attempts.ts), shared by
// every instance.
import { createHash } from 'node:crypto'
import { ThrottledError } from './errors.js'

export type Reservation = { reserved: true } | { reserved: false, oldest: number }

export interface AttemptLog {
  /**
   * In one atomic step, whatever the concurrency (every process and instance on
   * the store): when fewer than `limit` attempts under `key` fall in the window
   * ending at `now`, records one at `now`; otherwise says when the oldest of
   * them leaves the window.
   */
  reserve (key: string, limit: number, windowMs: number, now: number): Promise<Reservation>
  /** Forgets one attempt recorded under `key` at `at`: a reservation that did not count after all. */
  release (key: string, at: number): Promise<void>
  /** Forgets attempts older than the window. */
  prune (windowMs: number, now: number): Promise<void>
}

/** A key as the logs store it: SHA-256, bounded in size (a username may be very long) and no usernames at rest. */
export const storedAttemptKey = (key: string): string => createHash('sha256').update(key).digest('hex')

export interface ThrottleLimits {
  throttleIpLimit: number
  throttleUserLimit: number
  throttleWindowMs: number
  now: () => number
}

/** A reserved failed login: kept, it counts; released, it does not. */
export interface LoginAttempt {
  /** The password was right, or was never checked (the request went away first): this attempt does not count. */
  release (): Promise<void>
}

export interface Throttle {
  /** Counts one login or register attempt from a client address; throws ThrottledError when over the limit. */
  attemptFrom (address: string): Promise<void>
  /**
   * Reserves one of a username's failed logins before its password is checked,
   * so that guesses in flight together cannot pass the limit; throws ThrottledError when
   * none is left. The caller releases it unless the password turned out wrong.
   */
  reserveLogin (key: string): Promise<LoginAttempt>
  prune (): Promise<void>
}

export function createThrottle (log: AttemptLog, limits: ThrottleLimits): Throttle {
  const reserve = async (key: string, limit: number): Promise<number> => {
    const now = limits.now()
    const outcome = await log.reserve(key, limit, limits.throttleWindowMs, now)
    if (!outcome.reserved) throw new ThrottledError(outcome.oldest + limits.throttleWindowMs - now)
    return now
  }
  return {
    async attemptFrom (address) {
      await reserve(`address:${address}`, limits.throttleIpLimit)
    },
    async reserveLogin (key) {
      const stored = `username:${key}`
      const at = await reserve(stored, limits.throttleUserLimit)
      let released = false
      return {
        async release () {
          if (released) return
          released = true
          await log.release(stored, at)
        }
      }
    },
    async prune () {
      await log.prune(limits.throttleWindowMs, limits.now())
    }
  }
}
