// `anime-api`: the program. One command line over the plain modules (catalogue
// import, user administration, backups) and the service (`serve`). Run from
// the bundle (dist/anime-api.cjs, scripts/build.ts), the single executable, or
// the sources (`node --import tsx src/cli.ts`); everything else is a library.
import cluster from 'node:cluster'
import { isSea } from 'node:sea'
import { debuglog } from 'node:util'
import pkg from '../package.json' with { type: 'json' }
import { ConfigError, loadConfig } from './config.js'
import { CommandError, describeSystemError, isMain, loadDotEnv, operands, parseCommandLine, prepareDataDir, processIo, UsageError, type CliIo } from './cli/io.js'
import { NotAodError, CorruptAodError } from './catalogue/aod-reader.js'
import { CompressionError, UnsupportedCompressionError, UpdateError } from './catalogue/import-errors.js'
import { IdMapBusyError, IdMapMissingError } from './catalogue/id-store.js'
import { CatalogueDamagedError } from './catalogue/integrity.js'
import { StoreUnavailableError } from './storage/errors.js'
import { CopyRefusedError } from './storage/copy.js'
import { AssetError } from './sea/assets.js'

const debug = debuglog('anime-api')

const help = `Usage: anime-api <command> [options]

Commands:
  serve                      Start the HTTP service (configured by the environment, see .env.example)
  catalogue import <file>    Import an anime-offline-database file atomically
  catalogue update [--url U] Download the latest anime-offline-database release and import it
  catalogue info             Show the catalogue being served
  users <command>            Manage accounts (anime-api users --help)
  db <command>               User store: migrate, copy between SQLite and PostgreSQL (anime-api db --help)
  backup <file>              Copy the accounts database to <file>, safe while the service runs
  help [<command>]           This text, or a command's
  version                    The version (also --version)

Each command takes --help. Exit codes: 0 done, 1 failed (the message says why),
2 the command line is wrong.`

const serveHelp = `Usage: anime-api serve

Starts the HTTP service. It is configured by the environment (or ./.env):
HOST, PORT, DATA_DIR, LOG_LEVEL, DEFAULT_CATALOGUE, WORKERS (processes on the
one port; auto = one per core), CATALOGUE_UPDATE_INTERVAL (e.g. 24h: download
and import the catalogue from CATALOGUE_UPDATE_URL that often), … see
.env.example. SIGHUP makes a running service re-check its catalogue.
SIGTERM stops it gracefully: /ready answers 503 for SHUTDOWN_DRAIN while
requests are still answered, then requests in flight finish; SIGINT (Ctrl-C)
skips the wait.`

interface Command { run: (argv: string[], io: CliIo) => Promise<number>, help: string }

/** The commands besides serve, each loaded when used: a command loads only the modules it needs. */
const commands: Record<string, () => Promise<Command>> = {
  catalogue: async () => { const m = await import('./cli/catalogue.js'); return { run: m.runCatalogueCommand, help: m.catalogueHelp } },
  users: async () => { const m = await import('./cli/users.js'); return { run: m.runUsersCommand, help: m.usersHelp } },
  db: async () => { const m = await import('./cli/db.js'); return { run: m.runDbCommand, help: m.dbHelp } },
  backup: async () => { const m = await import('./cli/backup.js'); return { run: m.runBackupCommand, help: m.backupHelp } }
}

/** Errors whose message is already the one line to print. */
const told = [
  UsageError, CommandError, ConfigError, NotAodError, CorruptAodError, UpdateError, CopyRefusedError, AssetError,
  CompressionError, UnsupportedCompressionError, IdMapMissingError, IdMapBusyError, CatalogueDamagedError
]

/** The one line a failure prints (after "anime-api: "), and its exit code. */
export function describeFailure (error: unknown): { message: string, code: number } {
  if (error instanceof UsageError) return { message: error.message, code: 2 }
  if (told.some((kind) => error instanceof kind)) return { message: (error as Error).message, code: 1 }
  // PostgreSQL (DATABASE_URL) unreachable or too slow: say where.
  if (error instanceof StoreUnavailableError) return { message: `the user store is unavailable: ${error.reason}`, code: 1 }
  const system = describeSystemError(error as NodeJS.ErrnoException)
  if (system !== null) return { message: system, code: 1 }
  const code = String((error as { code?: unknown }).code ?? '')
  if (code.startsWith('SQLITE_')) return { message: `SQLite: ${(error as Error).message} (${code}); check DATA_DIR and its files`, code: 1 }
  return { message: `unexpected error: ${(error as Error).message ?? String(error)}; NODE_DEBUG=anime-api prints its stack trace`, code: 1 }
}

export async function runCli (argv: string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = argv
  try {
    switch (command) {
      case undefined:
        io.err(help)
        return 2
      case '--help':
      case '-h':
      case 'help': {
        const [topic, ...extra] = command === 'help' ? rest : []
        if (topic === undefined) io.out(help)
        else if (topic === 'serve' && extra.length === 0) io.out(serveHelp)
        else if (commands[topic] !== undefined && extra.length === 0) io.out((await commands[topic]()).help)
        else throw new UsageError(`no help on "${rest.join(' ')}"; commands: serve, ${Object.keys(commands).join(', ')}`)
        return 0
      }
      case '--version':
      case '-v':
      case 'version':
        operands(rest, [], 'anime-api version')
        io.out(pkg.version)
        return 0
      case 'serve': {
        const { values, positionals } = parseCommandLine(rest, {}, 'anime-api serve')
        if (values.help === true) { io.out(serveHelp); return 0 }
        if (positionals.length > 0) throw new UsageError(`serve takes no arguments (got "${positionals[0]}"); it is configured by the environment, see anime-api serve --help`)
        const config = loadConfig(io.env)
        prepareDataDir(config.dataDir)
        const { startService } = await import('./cluster.js')
        await startService(config)
        return -1 // keeps running
      }
      default: {
        const load = Object.hasOwn(commands, command) ? commands[command] : undefined
        if (load === undefined) throw new UsageError(`unknown command "${command}"; see anime-api --help`)
        return await (await load()).run(rest, io)
      }
    }
  } catch (error) {
    const { message, code } = describeFailure(error)
    io.err(`anime-api: ${message}`)
    if (error instanceof Error) debug('%s', error.stack)
    return code
  }
}

/** Runs this process's command line. A cluster worker is this program started again to serve (src/cluster.ts). */
export function main (argv: string[] = process.argv.slice(2)): void {
  loadDotEnv()
  // No top-level await: the bundle is CommonJS.
  void runCli(cluster.isWorker ? ['serve'] : argv).then((code) => {
    if (code >= 0) process.exitCode = code
  })
}

// The single executable runs this file as its main script; node, as the script it was given.
if (isSea() || isMain(import.meta.url)) main()
