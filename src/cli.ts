#!/usr/bin/env node
// `anime-api`: one command-line tool over the plain modules (catalogue import,
// user administration) and the server. A user's mistake is one line and exit 2.
import { ConfigError, loadConfig } from './config.js'
import { isMain, loadDotEnv, processIo, UsageError, type CliIo } from './cli/io.js'
import { runCatalogueCommand } from './cli/catalogue.js'
import { NotAodError, CorruptAodError } from './catalogue/aod-reader.js'

const help = `Usage: anime-api <command> [options]

Commands:
  serve                      Start the HTTP service (configured by the environment, see .env.example)
  catalogue import <file>    Import an anime-offline-database file atomically
  catalogue info             Show the catalogue being served
  users <command>            Manage accounts (anime-api users --help)

Each command takes --help.`

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
        if (rest.includes('--help')) { io.out('Usage: anime-api serve\n\nStarts the service; HOST, PORT, DATA_DIR, LOG_LEVEL … come from the environment.'); return 0 }
        const { startServer } = await import('./server.js')
        await startServer(loadConfig(io.env))
        return -1 // keeps running
      }
      case 'catalogue':
        return await runCatalogueCommand(rest, io)
      case 'users': {
        const { runUsersCommand } = await import('./cli/users.js')
        return await runUsersCommand(rest, io)
      }
      default:
        throw new UsageError(`unknown command "${command}"; see anime-api --help`)
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError || error instanceof NotAodError || error instanceof CorruptAodError ||
        (error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'EACCES') {
      io.err(`anime-api: ${(error as Error).message}`)
      return error instanceof UsageError ? 2 : 1
    }
    throw error
  }
}

if (isMain(import.meta.url)) {
  loadDotEnv()
  const code = await runCli(process.argv.slice(2))
  if (code >= 0) process.exitCode = code
}
