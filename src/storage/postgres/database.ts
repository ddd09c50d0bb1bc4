// One connection pool to PostgreSQL, shared by the accounts, throttle and
// watchlist repositories of an instance. Every statement is parameterised;
// every wait is bounded: a connection is given up after the timeout, and a
// statement too (statement_timeout on the server, query_timeout in the client),
// so that no request hangs when the server is down or stuck. Such failures
// become StoreUnavailableError (503); the pool reconnects by itself later.
import pg from 'pg'
import { StoreUnavailableError, type StoreHealth } from '../errors.js'
import { createWriteHealth, postgresWriteFailure } from '../writable.js'
import { migratePostgres, type MigrationReport } from './migrations.js'

export interface PostgresOptions {
  url: string
  /** Most connections held at once. */
  poolSize: number
  /** Longest wait for a connection or a statement, in milliseconds. */
  timeoutMs: number
  /** Told about connection errors of idle clients (the pool drops them). */
  onIdleError?: (error: Error) => void
}

/** What a statement runs on: the pool, or a transaction's client. */
export interface Queryable {
  query<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>
}

export interface PgDatabase extends Queryable {
  readonly pool: pg.Pool
  /** Runs `fn` in one transaction (BEGIN … COMMIT, ROLLBACK on error). */
  transaction<T>(fn: (client: Queryable) => Promise<T>): Promise<T>
  /** Applies the migrations once (under the advisory lock); tried again after a failure. */
  ready(): Promise<void>
  /** Applies the migrations now and says what it did (`anime-api db migrate`). */
  migrate(): Promise<MigrationReport>
  health(): Promise<StoreHealth>
  close(): Promise<void>
}

// BIGINT (int8) columns hold milliseconds and ids, all well inside 2^53: numbers, not strings.
const INT8_OID = 20
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser
}

/**
 * SQLSTATE classes that mean the server is unreachable, refusing, overloaded or
 * out of disk (53), or failing at the system level (58), not that the statement is wrong.
 */
const unavailableClasses = ['08', '28', '3D', '53', '57', '58']
/** A write refused by a read-only server (a standby after a failover). */
const READ_ONLY_TRANSACTION = '25006'

/** True for failures of the connection (or a timeout), as opposed to a statement's own error. */
export function isUnavailable (error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return unavailableClasses.includes(code.slice(0, 2)) || code === READ_ONLY_TRANSACTION
  if (typeof code === 'string' && code.startsWith('E')) return true // ECONNREFUSED, ECONNRESET, ENOTFOUND, ETIMEDOUT …
  const message = (error as Error)?.message ?? ''
  return /timeout|terminated|not queryable|connection|ended|closed/i.test(message)
}

/** Where the URL points, without its password, for messages and logs. */
export function describeUrl (url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`
  } catch {
    return 'the configured server'
  }
}

/** Longest a migration statement may run (or wait for the migration lock). */
const MIGRATION_TIMEOUT_MS = 10 * 60 * 1000

const unavailable = (error: unknown, where: string): StoreUnavailableError =>
  error instanceof StoreUnavailableError ? error : new StoreUnavailableError(`PostgreSQL at ${where}: ${(error as Error).message || String(error)}`)

export function openPostgres (options: PostgresOptions): PgDatabase {
  const where = describeUrl(options.url)
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    connectionTimeoutMillis: options.timeoutMs,
    query_timeout: options.timeoutMs,
    statement_timeout: options.timeoutMs,
    // a transaction left open by a stuck client is ended by the server
    idle_in_transaction_session_timeout: Math.max(options.timeoutMs * 2, 10_000),
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: 'anime-api',
    types
  })
  // An idle client whose server went away: the pool drops it; without a listener the process would crash.
  pool.on('error', (error) => { options.onIdleError?.(error) })

  // Writes the server cannot make (a full disk, a read-only server): 503s, and /ready says so until a probe goes through.
  const writes = createWriteHealth({ classify: postgresWriteFailure, probe: () => probeWrite() })

  const run = async <R extends pg.QueryResultRow>(on: Queryable, text: string, values?: unknown[]): Promise<pg.QueryResult<R>> => {
    try {
      return await on.query<R>(text, values)
    } catch (error) {
      const translated = writes.translate(error)
      if (translated !== error) throw translated
      throw isUnavailable(error) ? unavailable(error, where) : error
    }
  }

  const connect = async (): Promise<pg.PoolClient> => {
    try {
      return await pool.connect()
    } catch (error) {
      throw unavailable(error, where)
    }
  }

  /** Migrations whose connection is not made yet: a request that times out meanwhile says so, not that they run. */
  let connecting = 0
  // Migrations on a connection of their own, without the request timeout: building an index on a
  // large table, or waiting for another instance's migrations (the advisory lock), may take longer.
  const migrate = async (): Promise<MigrationReport> => {
    const client = new pg.Client({
      connectionString: options.url,
      connectionTimeoutMillis: options.timeoutMs,
      statement_timeout: MIGRATION_TIMEOUT_MS,
      query_timeout: MIGRATION_TIMEOUT_MS,
      application_name: 'anime-api migrations',
      types
    })
    client.on('error', () => { /* reported by the query that fails */ })
    connecting++
    try {
      await client.connect().finally(() => { connecting-- })
      return await migratePostgres(client)
    } catch (error) {
      throw isUnavailable(error) ? unavailable(error, where) : error
    } finally {
      await client.end().catch(() => {})
    }
  }

  let schema: Promise<void> | null = null
  const ready = (): Promise<void> => {
    schema ??= migrate().then(() => {}, (error: unknown) => { schema = null; throw error })
    return schema
  }
  /** For requests: the schema, or 503 after the timeout (another instance may still be migrating). */
  const readyInTime = (): Promise<void> => {
    const pending = ready()
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new StoreUnavailableError(`PostgreSQL at ${where}: ${connecting > 0
        ? `connection timeout: no answer within ${options.timeoutMs} ms`
        : 'schema migrations still running'}`)), options.timeoutMs)
    })
    return Promise.race([pending, late]).finally(() => clearTimeout(timer))
  }

  const transaction = async <T>(fn: (client: Queryable) => Promise<T>): Promise<T> => {
    await readyInTime()
    const client = await connect()
    const inTransaction: Queryable = { query: (text, values) => run(client, text, values) }
    let broken: Error | undefined
    try {
      await inTransaction.query('BEGIN')
      const result = await fn(inTransaction)
      await inTransaction.query('COMMIT')
      return result
    } catch (error) {
      if (isUnavailable(error)) broken = error as Error
      else await client.query('ROLLBACK').catch((rollbackError: Error) => { broken = rollbackError })
      throw error
    } finally {
      // A client whose connection failed is destroyed, not returned to the pool.
      client.release(broken)
    }
  }

  // After a failed write: a table of this session's own, one row in it (the server
  // extends a file on disk for it, in the database's tablespace), gone at commit.
  const probeWrite = () => transaction(async (client) => {
    await client.query('CREATE TEMP TABLE anime_api_write_probe (filler text) ON COMMIT DROP')
    await client.query("INSERT INTO anime_api_write_probe VALUES ('probe')")
  })

  return {
    pool,
    ready,
    migrate,
    async query<R extends pg.QueryResultRow> (text: string, values?: unknown[]) {
      await readyInTime()
      return run<R>(pool, text, values)
    },
    transaction,
    async health () {
      try {
        await readyInTime()
        await run(pool, 'SELECT 1')
        const problem = await writes.check()
        return problem === null ? { ok: true, backend: 'postgres' } : { ok: false, backend: 'postgres', detail: `PostgreSQL at ${where}: ${problem}` }
      } catch (error) {
        const reason = error instanceof StoreUnavailableError ? error.reason : `PostgreSQL at ${where}: ${(error as Error).message}`
        return { ok: false, backend: 'postgres', detail: reason }
      }
    },
    async close () {
      await pool.end()
    }
  }
}
