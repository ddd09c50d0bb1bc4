#!/usr/bin/env node
// `anime-api`: one command-line tool over the plain modules (catalogue import,
// user administration) and the server. A user's mistake is one line and exit 2.
import { ConfigError, loadConfig } from './config.js'
import { isMain, loadDotEnv, processIo, UsageError, type CliIo } from './cli/io.js'
import { runCatalogueCommand } from './cli/catalogue.js'
import { NotAodError, CorruptAodError } from './catalogue/aod-reader.js'
import { UpdateError } from './catalogue/update.js'
import { CompressionError, UnsupportedCompressionError } from './catalogue/compression.js'
import { IdMapBusyError, IdMapMissingError } from './catalogue/id-store.js'
import { CatalogueDamagedError } from './catalogue/integrity.js'
import { StoreUnavailableError } from './storage/errors.js'

const help = `Usage: anime-api <command> [options]

Commands:
  serve                      Start the HTTP service (configured by the environment, see .env.example)
  catalogue import <file>    Import an anime-offline-database file atomically
  catalogue update [--url U] Download the latest anime-offline-database release and import it
  catalogue info             Show the catalogue being served
  users <command>            Manage accounts (anime-api users --help)
  db <command>               User store: migrate, copy between SQLite and PostgreSQL (anime-api db --help)
  backup <file>              Copy the accounts database to <file>, safe while the service runs

Each command takes --help.`

const serveHelp = `Usage: anime-api serve

Starts the HTTP service. It is configured by the environment (or ./.env):
HOST, PORT, DATA_DIR, LOG_LEVEL, DEFAULT_CATALOGUE, WORKERS (processes on the
one port; auto = one per core), CATALOGUE_UPDATE_INTERVAL (e.g. 24h: download
and import the catalogue from CATALOGUE_UPDATE_URL that often), … see
.env.example. SIGHUP makes a running service re-check its catalogue;
SIGTERM stops it gracefully.`

/** System errors that come from what the user asked for (a path, a port), told in one line. */
const userErrorCodes = new Set(['ENOENT', 'EACCES', 'EISDIR', 'ENOTDIR', 'EADDRINUSE', 'EADDRNOTAVAIL'])

export async function runCli (argv: string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = argv
  try {
    switch (command) {
      case undefined:
      case '--help':
      case '-h':
        io.out(help)
        return command === undefined ? 2 : 0
      case 'serve': {
        if (rest.includes('--help')) { io.out(serveHelp); return 0 }
        if (rest.length > 0) throw new UsageError(`serve takes no arguments (got "${rest[0]}"); it is configured by the environment, see anime-api serve --help`)
        const { startService } = await import('./cluster.js')
        await startService(loadConfig(io.env))
        return -1 // keeps running
      }
      case 'catalogue':
        return await runCatalogueCommand(rest, io)
      case 'users': {
        const { runUsersCommand } = await import('./cli/users.js')
        return await runUsersCommand(rest, io)
      }
      case 'db': {
        const { runDbCommand } = await import('./cli/db.js')
        return await runDbCommand(rest, io)
      }
      case 'backup': {
        const { runBackupCommand } = await import('./cli/backup.js')
        return await runBackupCommand(rest, io)
      }
      default:
        throw new UsageError(`unknown command "${command}"; see anime-api --help`)
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError || error instanceof NotAodError || error instanceof CorruptAodError || error instanceof UpdateError ||
        error instanceof CompressionError || error instanceof UnsupportedCompressionError || error instanceof IdMapMissingError || error instanceof IdMapBusyError ||
        error instanceof CatalogueDamagedError ||
        userErrorCodes.has((error as NodeJS.ErrnoException).code ?? '')) {
      io.err(`anime-api: ${(error as Error).message}`)
      return error instanceof UsageError ? 2 : 1
    }
    if (error instanceof StoreUnavailableError) {
      // PostgreSQL (DATABASE_URL) unreachable or too slow: say where, not a stack trace.
      io.err(`anime-api: the user store is unavailable: ${error.reason}`)
      return 1
    }
    throw error
  }
}

/** Runs the command line of this process (no top-level await: the single executable is CommonJS). */
export function main (argv: string[] = process.argv.slice(2)): void {
  loadDotEnv()
  runCli(argv).then((code) => {
    if (code >= 0) process.exitCode = code
  }, (error: unknown) => {
    console.error(error)
    process.exitCode = 1
  })
}

if (isMain(import.meta.url)) main()
