// Brute-force throttling of login and register. Attempts are counted in a
// sliding window behind the small AttemptLog interface, kept where users are:
// the accounts SQLite file (src/accounts/attempts.ts), shared by every process
// on it (WORKERS), or PostgreSQL (src/storage/postgres/attempts.ts), shared by
// every instance.
import { createHash } from 'node:crypto'
import { ApiError } from '../errors.js'

export interface AttemptLog {
  /** How many attempts under `key` fall in the window ending at `now`, and when the oldest leaves it. */
  recent (key: string, windowMs: number, now: number): Promise<{ count: number, oldest: number | null }>
  record (key: string, now: number): Promise<void>
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

/** CONTRACT's 429. Worded as Django REST framework's Throttled: "1 second.", "2 seconds." */
export function throttled (waitMs: number): ApiError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000))
  const detail = `Request was throttled. Expected available in ${seconds} ${seconds === 1 ? 'second' : 'seconds'}.`
  return new ApiError(429, { detail }, { 'retry-after': String(seconds) })
}

export interface Throttle {
  /** Counts one login or register attempt from a client address; throws 429 when over the limit. */
  attemptFrom (address: string): Promise<void>
  /** Throws 429 while a username has had too many failed logins. */
  checkUsername (key: string): Promise<void>
  failedLogin (key: string): Promise<void>
  prune (): Promise<void>
}

export function createThrottle (log: AttemptLog, limits: ThrottleLimits): Throttle {
  const refuseIfFull = async (key: string, limit: number, now: number): Promise<void> => {
    const { count, oldest } = await log.recent(key, limits.throttleWindowMs, now)
    if (count >= limit) throw throttled((oldest ?? now) + limits.throttleWindowMs - now)
  }
  return {
    async attemptFrom (address) {
      const now = limits.now()
      await refuseIfFull(`address:${address}`, limits.throttleIpLimit, now)
      await log.record(`address:${address}`, now)
    },
    async checkUsername (key) {
      await refuseIfFull(`username:${key}`, limits.throttleUserLimit, limits.now())
    },
    async failedLogin (key) {
      await log.record(`username:${key}`, limits.now())
    },
    async prune () {
      await log.prune(limits.throttleWindowMs, limits.now())
    }
  }
}
