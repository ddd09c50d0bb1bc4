// `anime-api db copy`: every account (password hashes as they are), token,
// watchlist and watchlist entry from one user store into another, SQLite to
// PostgreSQL or back, written in one transaction. A target that holds any of
// them is refused unless `force` (then its users, and with them everything
// that hangs on them, are replaced). Ids are kept, and the id counters move on
// at least as far as the source's, so an id is never given twice.
// The catalogue's id map goes with them (its highest id too), so that the ids
// the watchlists hold keep naming the same anime in the target.
// Throttle counters are not copied: they forget themselves within a window.
import fs from 'node:fs'
import path from 'node:path'
import { ACCOUNTS_FILE, openAccountsDb, type AccountsDb } from './sqlite/database.js'
import type { PgDatabase, Queryable } from './postgres/database.js'

type ColumnType = 'bigint' | 'integer' | 'text' | 'boolean'

interface Table {
  name: string
  columns: Array<[name: string, type: ColumnType]>
  order: string
  /** Not user data: a target's rows are replaced without --force (the copied watchlists need the source's). */
  replaced?: true
}

/** Parents before children. */
export const copiedTables: Table[] = [
  {
    name: 'users',
    columns: [['id', 'bigint'], ['username', 'text'], ['username_key', 'text'], ['email', 'text'], ['email_key', 'text'],
      ['password', 'text'], ['is_active', 'boolean'], ['date_joined', 'bigint'], ['last_login', 'bigint']],
    order: 'id'
  },
  {
    name: 'tokens',
    columns: [['digest', 'text'], ['token_key', 'text'], ['user_id', 'bigint'], ['created', 'bigint'], ['expiry', 'bigint']],
    order: 'digest'
  },
  {
    name: 'watchlists',
    columns: [['id', 'bigint'], ['user_id', 'bigint'], ['name', 'text'], ['name_key', 'text'], ['public', 'boolean'],
      ['created', 'bigint'], ['updated', 'bigint']],
    order: 'id'
  },
  {
    name: 'watchlist_entries',
    columns: [['watchlist_id', 'bigint'], ['anime_id', 'bigint'], ['status', 'text'], ['rating', 'integer'],
      ['episodes_watched', 'integer'], ['note', 'text'], ['added', 'bigint'], ['updated', 'bigint']],
    order: 'watchlist_id, anime_id'
  },
  {
    name: 'catalogue_ids',
    columns: [['url', 'text'], ['anime_id', 'bigint'], ['dead', 'boolean']],
    order: 'url',
    replaced: true
  }
]

/** The counter of the catalogue id map: its highest id ever handed out (src/catalogue/id-store.ts). */
const CATALOGUE_MAX_ID = 'catalogue_ids'

/** Tables whose ids come from a counter that never goes back. */
const counted = ['users', 'watchlists'] as const

type Row = Record<string, unknown>

/** Everything copied, rows as plain values (booleans as booleans), and the id counters. */
export interface Snapshot {
  tables: Record<string, Row[]>
  /** The last id handed out per counted table (0: none yet). */
  counters: Record<string, number>
}

export type StoreLocation = { kind: 'sqlite', dataDir: string } | { kind: 'postgres', url: string }

export class CopyRefusedError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'CopyRefusedError'
  }
}

/** `sqlite:<DATA_DIR>` or a postgres:// URL. */
export function parseLocation (text: string): StoreLocation {
  if (/^postgres(ql)?:\/\//i.test(text)) return { kind: 'postgres', url: text }
  if (text.startsWith('sqlite:')) {
    const dir = text.slice('sqlite:'.length)
    if (dir === '') throw new CopyRefusedError('sqlite: needs a DATA_DIR, as in sqlite:./var')
    return { kind: 'sqlite', dataDir: path.resolve(dir) }
  }
  throw new CopyRefusedError(`"${text}" is neither sqlite:<DATA_DIR> nor a postgres:// URL`)
}

const fromSqliteValue = (type: ColumnType, value: unknown): unknown => type === 'boolean' ? value === 1 : value
const toSqliteValue = (type: ColumnType, value: unknown): unknown => type === 'boolean' ? (value === true ? 1 : 0) : value

// ---- SQLite

export function openSqliteSource (dataDir: string): AccountsDb {
  if (!fs.existsSync(path.join(dataDir, ACCOUNTS_FILE))) throw new CopyRefusedError(`no ${ACCOUNTS_FILE} in ${dataDir}`)
  return openAccountsDb(dataDir)
}

export function readSqlite (db: AccountsDb): Snapshot {
  return db.transaction((): Snapshot => {
    const tables: Record<string, Row[]> = {}
    for (const table of copiedTables) {
      const rows = db.prepare(`SELECT ${table.columns.map(([c]) => c).join(', ')} FROM ${table.name} ORDER BY ${table.order}`).all() as Row[]
      tables[table.name] = rows.map((row) => Object.fromEntries(table.columns.map(([c, type]) => [c, fromSqliteValue(type, row[c])])))
    }
    const counters: Record<string, number> = {}
    for (const name of counted) {
      counters[name] = (db.prepare('SELECT seq FROM sqlite_sequence WHERE name = ?').pluck().get(name) as number | undefined) ?? 0
    }
    counters[CATALOGUE_MAX_ID] = db.prepare('SELECT max_id FROM catalogue_id_state').pluck().get() as number
    return { tables, counters }
  })()
}

function sqliteHoldsData (db: AccountsDb): boolean {
  return copiedTables.some((table) => table.replaced !== true && db.prepare(`SELECT 1 FROM ${table.name} LIMIT 1`).get() !== undefined)
}

export function writeSqlite (db: AccountsDb, snapshot: Snapshot, force: boolean): void {
  db.transaction(() => {
    if (sqliteHoldsData(db)) {
      if (!force) throw new CopyRefusedError('the target already holds accounts or watchlists; add --force to replace them')
      for (const table of [...copiedTables].reverse()) db.prepare(`DELETE FROM ${table.name}`).run()
    }
    for (const table of copiedTables) if (table.replaced === true) db.prepare(`DELETE FROM ${table.name}`).run()
    for (const table of copiedTables) {
      const insert = db.prepare(`INSERT INTO ${table.name} (${table.columns.map(([c]) => c).join(', ')}) VALUES (${table.columns.map(() => '?').join(', ')})`)
      for (const row of snapshot.tables[table.name] ?? []) insert.run(...table.columns.map(([c, type]) => toSqliteValue(type, row[c])))
    }
    for (const name of counted) {
      const current = (db.prepare('SELECT seq FROM sqlite_sequence WHERE name = ?').pluck().get(name) as number | undefined) ?? 0
      const wanted = Math.max(current, snapshot.counters[name] ?? 0)
      if (wanted === 0) continue
      db.prepare('DELETE FROM sqlite_sequence WHERE name = ?').run(name)
      db.prepare('INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)').run(name, wanted)
    }
    // A new revision: catalogue files synced with the old map read this one in full.
    db.prepare('UPDATE catalogue_id_state SET revision = revision + 1, max_id = max(max_id, ?)').run(snapshot.counters[CATALOGUE_MAX_ID] ?? 0)
  }).immediate()
}

// ---- PostgreSQL

const sequenceOf = (table: string) => `${table}_id_seq`

async function postgresCounter (client: Queryable, table: string): Promise<number> {
  const { rows } = await client.query<{ last_value: number, is_called: boolean }>(`SELECT last_value, is_called FROM ${sequenceOf(table)}`)
  const row = rows[0]!
  return row.is_called ? row.last_value : 0
}

export async function readPostgres (db: PgDatabase): Promise<Snapshot> {
  return db.transaction(async (client) => {
    // One consistent view of all tables.
    await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY')
    const tables: Record<string, Row[]> = {}
    for (const table of copiedTables) {
      const { rows } = await client.query<Row>(`SELECT ${table.columns.map(([c]) => c).join(', ')} FROM ${table.name} ORDER BY ${table.order}`)
      tables[table.name] = rows
    }
    const counters: Record<string, number> = {}
    for (const name of counted) counters[name] = await postgresCounter(client, name)
    counters[CATALOGUE_MAX_ID] = (await client.query<{ max_id: number }>('SELECT max_id FROM catalogue_id_state')).rows[0]!.max_id
    return { tables, counters }
  })
}

const BATCH = 1000

export async function writePostgres (db: PgDatabase, snapshot: Snapshot, force: boolean): Promise<void> {
  await db.transaction(async (client) => {
    // No instance writes in between; readers wait until the copy is committed.
    await client.query(`LOCK TABLE ${copiedTables.map((t) => t.name).join(', ')} IN ACCESS EXCLUSIVE MODE`)
    let holds = false
    for (const table of copiedTables) {
      if (table.replaced !== true && ((await client.query(`SELECT 1 FROM ${table.name} LIMIT 1`)).rowCount ?? 0) > 0) holds = true
    }
    if (holds) {
      if (!force) throw new CopyRefusedError('the target already holds accounts or watchlists; add --force to replace them')
      await client.query(`TRUNCATE ${copiedTables.map((t) => t.name).join(', ')}`)
    } else {
      await client.query(`TRUNCATE ${copiedTables.filter((t) => t.replaced === true).map((t) => t.name).join(', ')}`)
    }
    for (const table of copiedTables) {
      const rows = snapshot.tables[table.name] ?? []
      const names = table.columns.map(([c]) => c)
      const unnest = table.columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')
      for (let start = 0; start < rows.length; start += BATCH) {
        const batch = rows.slice(start, start + BATCH)
        await client.query(`INSERT INTO ${table.name} (${names.join(', ')}) SELECT * FROM unnest(${unnest})`,
          names.map((c) => batch.map((row) => row[c] ?? null)))
      }
    }
    for (const name of counted) {
      const { rows } = await client.query<{ max: number | null }>(`SELECT max(id) AS max FROM ${name}`)
      const wanted = Math.max(await postgresCounter(client, name), snapshot.counters[name] ?? 0, rows[0]!.max ?? 0)
      if (wanted > 0) await client.query('SELECT setval($1::regclass, $2::bigint, true)', [sequenceOf(name), wanted])
    }
    // A new revision: catalogue files synced with the old map read this one in full.
    await client.query('UPDATE catalogue_id_state SET revision = revision + 1, max_id = GREATEST(max_id, $1)', [snapshot.counters[CATALOGUE_MAX_ID] ?? 0])
  })
}

export interface CopyReport { users: number, tokens: number, watchlists: number, entries: number }

export const reportOf = (snapshot: Snapshot): CopyReport => ({
  users: snapshot.tables.users?.length ?? 0,
  tokens: snapshot.tables.tokens?.length ?? 0,
  watchlists: snapshot.tables.watchlists?.length ?? 0,
  entries: snapshot.tables.watchlist_entries?.length ?? 0
})
