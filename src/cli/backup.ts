// `anime-api backup <file>`: a consistent copy of the accounts database, taken
// with SQLite's online backup API, so it is safe while the service runs (readers
// and writers carry on; the copy is one point in time).
import fs from 'node:fs'
import path from 'node:path'
import { loadConfig } from '../config.js'
import { ACCOUNTS_FILE, openAccountsDb } from '../accounts/db.js'
import { UsageError, type CliIo } from './io.js'

export const backupHelp = `Usage: anime-api backup [--force] <file>

Writes a consistent copy of DATA_DIR/${ACCOUNTS_FILE} (users, their login
tokens and watchlists, and the catalogue's id map) to <file>, safe while the
service runs. The catalogue itself is not included: imported again, it gets
every id back from the map. Refuses to overwrite <file> unless --force.
To restore, stop the service and copy the file back to DATA_DIR/${ACCOUNTS_FILE}.`

export async function runBackupCommand (argv: string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(backupHelp)
    return 0
  }
  const force = argv.includes('--force')
  const files = argv.filter((arg) => arg !== '--force')
  if (files.length !== 1 || files[0]!.startsWith('-')) throw new UsageError('usage: anime-api backup [--force] <file>')
  const target = path.resolve(files[0]!)
  const config = loadConfig(io.env)
  if (config.databaseUrl !== null) {
    throw new UsageError('DATABASE_URL is set: the accounts are in PostgreSQL; back them up with pg_dump ' +
      '(or anime-api db copy --from "$DATABASE_URL" --to sqlite:<dir>)')
  }
  if (path.resolve(config.dataDir, ACCOUNTS_FILE) === target) throw new UsageError('the backup file must not be the accounts database itself')
  if (fs.existsSync(target) && !force) throw new UsageError(`${target} exists; pass --force to overwrite it`)
  if (!fs.existsSync(path.dirname(target))) throw new UsageError(`the directory ${path.dirname(target)} does not exist`)
  if (!fs.existsSync(path.join(config.dataDir, ACCOUNTS_FILE))) throw new UsageError(`there is no ${ACCOUNTS_FILE} in ${config.dataDir} yet`)

  // Into a temporary file first, renamed when complete: never a half-written backup.
  const partial = `${target}.partial-${process.pid}`
  const db = openAccountsDb(config.dataDir)
  try {
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
