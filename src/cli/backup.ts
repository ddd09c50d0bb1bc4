// `anime-api backup <file>`: a consistent copy of the accounts database, taken
// with SQLite's online backup API, so it is safe while the service runs (readers
// and writers carry on; the copy is one point in time).
import fs from 'node:fs'
import path from 'node:path'
import { loadConfig } from '../config.js'
import { ACCOUNTS_FILE, openAccountsDb } from '../storage/sqlite/database.js'
import { createPrivateFile } from '../storage/files.js'
import { CommandError, operands, parseCommandLine, UsageError, type CliIo } from './io.js'

export const backupHelp = `Usage: anime-api backup [--force] <file>

Writes a consistent copy of DATA_DIR/${ACCOUNTS_FILE} (users, their login
tokens and watchlists, and the catalogue's id map) to <file>, safe while the
service runs. The catalogue itself is not included: imported again, it gets
every id back from the map. Refuses to overwrite <file> unless --force.
To restore, stop the service and copy the file back to DATA_DIR/${ACCOUNTS_FILE}.`

const usage = 'anime-api backup [--force] <file>'

export async function runBackupCommand (argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, { force: { type: 'boolean' } }, usage)
  if (values.help === true) {
    io.out(backupHelp)
    return 0
  }
  const [file] = operands(positionals, ['file'], usage)
  const target = path.resolve(file!)
  const config = loadConfig(io.env)
  if (config.databaseUrl !== null) {
    throw new CommandError('DATABASE_URL is set: the accounts are in PostgreSQL; back them up with pg_dump ' +
      '(or anime-api db copy --from "$DATABASE_URL" --to sqlite:<dir>)')
  }
  if (path.resolve(config.dataDir, ACCOUNTS_FILE) === target) throw new UsageError(`the backup file must not be the accounts database itself; usage: ${usage}`)
  if (fs.existsSync(target) && values.force !== true) throw new CommandError(`${target} exists; pass --force to overwrite it`)
  if (!fs.existsSync(path.dirname(target))) throw new CommandError(`the directory ${path.dirname(target)} does not exist; create it first`)
  if (!fs.existsSync(path.join(config.dataDir, ACCOUNTS_FILE))) throw new CommandError(`there is no ${ACCOUNTS_FILE} in ${config.dataDir} yet: nothing to back up (is DATA_DIR the service's?)`)

  // Into a temporary file first, renamed when complete: never a half-written backup.
  // Made 0600 before SQLite writes to it: a backup holds the password hashes too.
  const partial = `${target}.partial-${process.pid}`
  const db = openAccountsDb(config.dataDir)
  try {
    fs.rmSync(partial, { force: true })
    createPrivateFile(partial)
    await db.backup(partial, {
      progress: ({ totalPages, remainingPages }) => {
        io.progress(`backing up: ${totalPages - remainingPages} of ${totalPages} pages`)
        return 256
      }
    })
    const users = db.prepare('SELECT count(*) FROM users').pluck().get() as number
    fs.renameSync(partial, target)
    io.progress('')
    io.out(`backed up ${users} users to ${target} (${fs.statSync(target).size} bytes)`)
    return 0
  } catch (error) {
    fs.rmSync(partial, { force: true })
    throw error
  } finally {
    db.close()
  }
}
