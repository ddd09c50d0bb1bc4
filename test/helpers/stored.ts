// Reads the rows the user store holds, whichever backend the app runs on: the
// SQLite file accounts.sqlite under DATA_DIR, or the PostgreSQL database that
// test/helpers/app.ts made for that DATA_DIR (when TEST_DATABASE_URL is set).
// Synchronous, like better-sqlite3, so tests read it inline. `?` placeholders;
// booleans come back as 1/0 and BIGINTs as numbers, as from SQLite.
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import Database from 'better-sqlite3'
import { databaseFor } from './app.js'

const pgReader = `
const pg = require('pg')
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'))
const types = { getTypeParser: (oid, format) => oid === 20 ? Number : pg.types.getTypeParser(oid, format) }
const client = new pg.Client({ connectionString: input.url, types })
client.connect()
  .then(() => client.query(input.sql, input.params))
  .then((result) => {
    const rows = result.rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'boolean' ? (v ? 1 : 0) : v])))
    process.stdout.write(JSON.stringify(rows))
    return client.end()
  })
  .catch((error) => { process.stderr.write(String(error.stack)); process.exit(1) })
`

export function storedRows<T = Record<string, unknown>> (dataDir: string, sql: string, ...params: unknown[]): T[] {
  const url = databaseFor(dataDir)
  if (url === undefined) {
    const db = new Database(path.join(dataDir, 'accounts.sqlite'), { readonly: true })
    try {
      return db.prepare(sql).all(...params) as T[]
    } finally {
      db.close()
    }
  }
  let n = 0
  const text = sql.replace(/\?/g, () => `$${++n}`)
  const output = execFileSync(process.execPath, ['-e', pgReader], {
    input: JSON.stringify({ url, sql: text, params }),
    encoding: 'utf8',
    cwd: path.resolve(import.meta.dirname, '../..')
  })
  return JSON.parse(output) as T[]
}
