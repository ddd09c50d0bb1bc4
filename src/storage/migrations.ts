// The one migration runner of the three databases: the accounts SQLite file,
// PostgreSQL and the catalogue's SQLite file. Each numbers its migrations from
// 1 and says how far a database got (SQLite: PRAGMA user_version; PostgreSQL:
// its schema_migrations table); the runner refuses a database newer than the
// program, then applies each missing migration in order, each with its version
// recorded in the same transaction. An engine is an adapter: how to read the
// version, how to apply one migration. SQLite's driver is synchronous and
// PostgreSQL's is not, so the runner takes either: with a synchronous adapter it
// returns at once (opening a SQLite file stays synchronous), with an asynchronous
// one it returns a promise.
import type Database from 'better-sqlite3'

export interface MigrationReport {
  /** The version the database was at. */
  from: number
  /** The version it is at now. */
  to: number
  /** The versions applied, in order. */
  applied: number[]
}

type Maybe<T, Async extends boolean> = Async extends true ? Promise<T> : T

export interface MigrationAdapter<Async extends boolean> {
  /** The database as messages name it: "the accounts file". */
  what: string
  /** How many migrations the program knows: versions 1..known. */
  known: number
  /** The version the database is at (0: none applied). */
  current (): Maybe<number, Async>
  /**
   * Applies migration `version` and records it, in one transaction. `pending`:
   * every version this run applies (a step may do more in the last one).
   */
  apply (version: number, pending: readonly number[]): Maybe<void, Async>
}

/** `value`, or what it resolves to, given to `next`: one path for the synchronous and the asynchronous adapters. */
function then<T, U> (value: T | Promise<T>, next: (value: T) => U | Promise<U>): U | Promise<U> {
  return value instanceof Promise ? value.then(next) : next(value)
}

export function runMigrations (adapter: MigrationAdapter<false>): MigrationReport
export function runMigrations (adapter: MigrationAdapter<true>): Promise<MigrationReport>
export function runMigrations (adapter: MigrationAdapter<boolean>): MigrationReport | Promise<MigrationReport> {
  return then(adapter.current(), (from) => {
    if (from > adapter.known) {
      throw new Error(`${adapter.what} has schema version ${from}, newer than this program knows (${adapter.known}); upgrade the program`)
    }
    const pending = Array.from({ length: adapter.known - from }, (_, i) => from + i + 1)
    const applied: number[] = []
    const step = (i: number): MigrationReport | Promise<MigrationReport> => i === pending.length
      ? { from, to: Math.max(from, adapter.known), applied }
      : then(adapter.apply(pending[i]!, pending), () => {
        applied.push(pending[i]!)
        return step(i + 1)
      })
    return step(0)
  })
}

/**
 * The adapter of a SQLite file (PRAGMA user_version): `up(version, pending)`
 * runs migration `version`, inside an IMMEDIATE transaction that also records it.
 */
export function sqliteMigrations (
  db: Database.Database,
  what: string,
  known: number,
  up: (version: number, pending: readonly number[]) => void
): MigrationAdapter<false> {
  return {
    what,
    known,
    current: () => db.pragma('user_version', { simple: true }) as number,
    apply (version, pending) {
      db.transaction(() => {
        up(version, pending)
        db.pragma(`user_version = ${version}`)
      }).immediate()
    }
  }
}
