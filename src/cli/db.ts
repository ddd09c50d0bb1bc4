// `anime-api db …`: the user store's schema and moving between backends.
//   db migrate   brings the store DATABASE_URL (or DATA_DIR) names up to date
//   db copy      copies accounts, tokens and watchlists from one store into another
import { loadConfig } from '../config.js'
import { ACCOUNTS_SCHEMA_VERSION, openAccountsDb } from '../storage/sqlite/database.js'
import { openPostgres, describeUrl, type PgDatabase } from '../storage/postgres/database.js'
import { POSTGRES_SCHEMA_VERSION } from '../storage/postgres/migrations.js'
import {
  CopyRefusedError, openSqliteSource, parseLocation, readPostgres, readSqlite, reportOf, writePostgres, writeSqlite,
  type Snapshot, type StoreLocation
} from '../storage/copy.js'
import { operands, parseCommandLine, prepareDataDir, UsageError, type CliIo } from './io.js'

export const dbHelp = `Usage: anime-api db <command>

Commands:
  migrate                 Apply the schema migrations the user store lacks: the
                          PostgreSQL database of DATABASE_URL (under an advisory
                          lock: safe while instances start), else the SQLite
                          accounts file under DATA_DIR. Instances also do this at start.
  copy --from <store> --to <store> [--force]
                          Copy every account (password hashes as they are), token,
                          watchlist and entry from one store into another in one
                          transaction. A store is sqlite:<DATA_DIR> or a postgres://
                          URL. A target holding accounts or watchlists is refused;
                          --force replaces them. Stop the instances writing to the
                          source first. Example, moving to PostgreSQL:
                            anime-api db copy --from sqlite:./var --to "$DATABASE_URL"`

const usage: Record<string, string> = {
  migrate: 'anime-api db migrate',
  copy: 'anime-api db copy --from <sqlite:DATA_DIR | postgres://…> --to <sqlite:DATA_DIR | postgres://…> [--force]'
}

const postgresFor = (url: string, io: CliIo): PgDatabase => {
  const config = loadConfig({ ...io.env, DATABASE_URL: url })
  return openPostgres({ url, poolSize: 2, timeoutMs: config.databaseTimeoutMs })
}

const describe = (location: StoreLocation): string =>
  location.kind === 'sqlite' ? `sqlite:${location.dataDir}` : `postgres://${describeUrl(location.url)}`

async function read (location: StoreLocation, io: CliIo): Promise<Snapshot> {
  if (location.kind === 'sqlite') {
    const db = openSqliteSource(location.dataDir)
    try { return readSqlite(db) } finally { db.close() }
  }
  const db = postgresFor(location.url, io)
  try { return await readPostgres(db) } finally { await db.close() }
}

async function write (location: StoreLocation, snapshot: Snapshot, force: boolean, io: CliIo): Promise<void> {
  if (location.kind === 'sqlite') {
    const db = openAccountsDb(location.dataDir)
    try { writeSqlite(db, snapshot, force) } finally { db.close() }
    return
  }
  const db = postgresFor(location.url, io)
  try { await writePostgres(db, snapshot, force) } finally { await db.close() }
}

export async function runDbCommand (argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h') {
    if (command === undefined) io.err(dbHelp)
    else io.out(dbHelp)
    return command === undefined ? 2 : 0
  }
  if (!Object.hasOwn(usage, command)) throw new UsageError(`unknown db command "${command}"; see anime-api db --help`)
  const { values, positionals } = parseCommandLine(rest, { from: { type: 'string' }, to: { type: 'string' }, force: { type: 'boolean' } }, usage[command]!)
  if (values.help === true) {
    io.out(dbHelp)
    return 0
  }
  operands(positionals, [], usage[command]!)
  if (command === 'migrate' && Object.keys(values).length > 0) throw new UsageError(`db migrate takes no options; it migrates the store of DATABASE_URL, or DATA_DIR; usage: ${usage.migrate}`)
  switch (command) {
    case 'migrate': {
      const config = loadConfig(io.env)
      if (config.databaseUrl === null) {
        prepareDataDir(config.dataDir)
        openAccountsDb(config.dataDir).close()
        io.out(`SQLite accounts file in ${config.dataDir}: schema version ${ACCOUNTS_SCHEMA_VERSION}`)
        return 0
      }
      const db = openPostgres({ url: config.databaseUrl, poolSize: 1, timeoutMs: config.databaseTimeoutMs })
      try {
        const report = await db.migrate()
        io.out(report.applied.length === 0
          ? `PostgreSQL at ${describeUrl(config.databaseUrl)}: up to date (schema version ${report.to})`
          : `PostgreSQL at ${describeUrl(config.databaseUrl)}: applied migration${report.applied.length === 1 ? '' : 's'} ${report.applied.join(', ')} (schema version ${report.from} → ${POSTGRES_SCHEMA_VERSION})`)
        return 0
      } finally {
        await db.close()
      }
    }
    default: { // copy
      const { from: fromText, to: toText, force } = values
      if (fromText === undefined || toText === undefined) throw new UsageError(`${fromText === undefined ? '--from' : '--to'} is missing; usage: ${usage.copy}`)
      const location = (option: string, text: string): StoreLocation => {
        try {
          return parseLocation(text)
        } catch (error) {
          throw error instanceof CopyRefusedError ? new UsageError(`${option}: ${error.message}; usage: ${usage.copy}`) : error
        }
      }
      const from = location('--from', fromText)
      const to = location('--to', toText)
      if (describe(from) === describe(to)) throw new UsageError('--from and --to name the same store')
      const snapshot = await read(from, io)
      await write(to, snapshot, force === true, io)
      const report = reportOf(snapshot)
      io.out(`copied ${report.users} users, ${report.tokens} tokens, ${report.watchlists} watchlists and ${report.entries} watchlist entries ` +
        `from ${describe(from)} to ${describe(to)}`)
      return 0
    }
  }
}
