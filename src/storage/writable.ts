// Whether the user store takes writes, and what a request sees when it does not.
// A write the store cannot make (the disk is full, the file or database is
// read-only, an I/O error, a lock held too long) answers 503 in the contract's
// shape, naming nothing of the server, instead of a 500; reads carry on. The
// failure is remembered for /ready, which reports the store not writable until a
// write of its own (a probe) goes through again: everything recovers by itself
// once space is freed.
import { StoreUnavailableError } from './errors.js'

/** SQLite result codes of a write the file could not take; SQLITE_CORRUPT and the like stay 500s. */
const SQLITE_WRITE_FAILURES = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|BUSY|LOCKED|NOLFS)/

/** SQLSTATEs of a write PostgreSQL could not make: disk full, read-only transaction (a standby), I/O error. */
const POSTGRES_WRITE_FAILURES = new Set(['53100', '25006', '58030'])

/** Why a SQLite error is a failure to write, or null for other errors. */
export function sqliteWriteFailure (error: unknown): string | null {
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' && SQLITE_WRITE_FAILURES.test(code) ? `${code}: ${(error as Error).message}` : null
}

/** Why a PostgreSQL error is a failure to write, or null for other errors. */
export function postgresWriteFailure (error: unknown): string | null {
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' && POSTGRES_WRITE_FAILURES.has(code) ? `SQLSTATE ${code}: ${(error as Error).message}` : null
}

export interface WriteHealthOptions {
  /** Why an error is a failure to write, or null. */
  classify: (error: unknown) => string | null
  /** A write of its own, run by check() after a failure: when it goes through, the store takes writes again. */
  probe: () => Promise<void>
}

export interface WriteHealth {
  /** The error a request should see: StoreUnavailableError (503) for a failure to write, remembered for check(); other errors as they are. */
  translate (error: unknown): unknown
  /** Why the store is not writable (a write failed, and the probe does not go through yet), or null. */
  check (): Promise<string | null>
}

export function createWriteHealth ({ classify, probe }: WriteHealthOptions): WriteHealth {
  let failure: string | null = null
  return {
    translate (error) {
      if (error instanceof StoreUnavailableError) return error
      const reason = classify(error)
      if (reason === null) return error
      failure = reason
      return new StoreUnavailableError(reason)
    },
    async check () {
      if (failure === null) return null
      try {
        await probe()
        failure = null
      } catch (error) {
        failure = classify(error) ?? failure
      }
      return failure
    }
  }
}

/** `repository` with every method's failure to write translated (into 503s, remembered by `health`). */
export function translatingWriteFailures<T extends object> (repository: T, health: WriteHealth): T {
  const translated: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(repository)) {
    translated[name] = typeof value !== 'function'
      ? value
      : async (...args: unknown[]) => {
        try {
          return await (value as (...a: unknown[]) => unknown).apply(repository, args)
        } catch (error) {
          throw health.translate(error)
        }
      }
  }
  return translated as T
}
