// Imports an anime-offline-database file into the catalogue, all or nothing.
//
// 1. The file streams through the AOD reader; each record is normalised and
//    staged in a TEMP table (bounded memory, no lock on the served catalogue).
// 2. One write transaction then assigns ids, writes the rows, retires entries
//    that vanished and rebuilds the derived tables. Readers keep their snapshot
//    of the old catalogue (WAL) until COMMIT, then see the new one at once; a
//    crash or an error before COMMIT leaves the old catalogue as it was.
//
// Id rules (CONTRACT): an entry keeps its id while any of its source URLs survives;
// ids are never reused. Every URL ever seen stays in `source_ids` with its id.
import fs from 'node:fs'
import { readAod, parseText, type AodFormat, CorruptAodError, NotAodError } from './aod-reader.js'
import { openCatalogueDb, type Db } from './db.js'
import { rebuildDerived } from './derived.js'
import { startWorker, workerScript } from '../worker-threads.js'
import { RecordCounts, ROW, ROW_WIDTH, SKIP, rowColumns, stagingRow, type FromWorker, type ToWorker } from './staging.js'

export interface ImportProgress {
  bytes: number
  totalBytes: number | null
  records: number
}

export interface ImportOptions {
  /** Where the file came from (a path or URL), recorded in the catalogue's metadata. */
  source?: string
  totalBytes?: number
  onProgress?: (progress: ImportProgress) => void
  now?: () => number
  /**
   * Parse in a worker thread, on a second core, while this thread writes the rows
   * (same rows, same errors). Default: when the input is 1 MiB or more, or of
   * unknown size; never where the worker's script is missing (see parsingWorkerScript).
   */
  parseInWorker?: boolean
}

export interface ImportReport {
  format: AodFormat
  added: number
  updated: number
  kept: number
  skipped: number
  removed: number
  /** Entries served after the import. */
  total: number
  /** The first skipped records, with why (at most 50). */
  skippedRecords: Array<{ index: number, reason: string }>
  /** The file's own `lastUpdate`, where it has one. */
  lastUpdate: string | null
  version: number
}

function stageTables (db: Db): void {
  db.exec(`
    DROP TABLE IF EXISTS temp.staging;
    DROP TABLE IF EXISTS temp.staging_sources;
    DROP TABLE IF EXISTS temp.assignment;
    CREATE TEMP TABLE staging (
      seq INTEGER PRIMARY KEY, hash TEXT NOT NULL,
      ${rowColumns.map((c) => `${c} ${c === 'title' || c === 'source' ? 'TEXT NOT NULL' : ''}`).join(', ')}
    );
    CREATE TEMP TABLE staging_sources (url TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TEMP TABLE assignment (seq INTEGER PRIMARY KEY, id INTEGER NOT NULL UNIQUE, pos INTEGER NOT NULL);
  `)
}

/** What staging read: the file's form and metadata, and how much of the input. */
interface Staged {
  format: AodFormat
  meta: Record<string, unknown>
  /** Input length read (bytes, or characters of string chunks). */
  bytes: number
}

/** Stages one record: counts it, and writes its row or counts it skipped. */
type StageRecord = (record: unknown) => void
/** Stages the finished row at rows[at], rows[at + 1] … (ROW_WIDTH values); counts it. */
type StageRow = (rows: unknown[], at: number) => void
/** Input read so far; called after each chunk. */
type Progress = (bytes: number) => void

/** Parses `input` in this thread. */
async function stageHere (input: AsyncIterable<Buffer | string>, stageRecord: StageRecord, progress: Progress): Promise<Staged> {
  let bytes = 0
  const counted = async function * (): AsyncGenerator<Buffer | string> {
    for await (const chunk of input) {
      bytes += chunk.length
      yield chunk
      progress(bytes)
    }
  }
  const read = await readAod(counted(), stageRecord)
  return { ...read, bytes }
}

/** Input sent to the worker but not yet parsed, at most: bounded memory however fast the input comes. */
const WORKER_WINDOW = 8 << 20

/**
 * The parsing worker's script beside this module (staging-worker.js, or .ts when
 * run from source); null where it is not on disk (the single executable).
 */
export function parsingWorkerScript (): URL | null {
  return workerScript(import.meta.url, 'staging-worker')
}

/** An error the worker reported, as the same class with the same message. */
function workerError (report: Extract<FromWorker, { failed: string }>): Error {
  const error = report.failed === 'not-aod' ? new NotAodError('') : report.failed === 'corrupt-aod' ? new CorruptAodError('') : new Error('')
  error.message = report.message
  if (report.stack !== undefined) error.stack = report.stack
  return error
}

/** The worker never ran (its script did not load): nothing was parsed. */
class WorkerUnavailable extends Error {}

/**
 * Parses `input` with a worker thread (staging-worker.ts): this thread reads the
 * input, sends it over, and stages the records the worker sends back in file
 * order, finishing the ones it left as text. Same rows and same errors as
 * stageHere: the worker stops where the input failed, and the first problem in
 * file order is the one thrown. A worker that cannot start leaves the parsing to stageHere.
 */
async function stageInWorker (
  script: URL, input: AsyncIterable<Buffer | string>, stageRecord: StageRecord, stageRow: StageRow, skip: (reason: string) => void, progress: Progress
): Promise<Staged> {
  const pieces = input[Symbol.asyncIterator]()
  let exhausted = false
  const nextPiece = async (): Promise<Buffer | string | undefined> => {
    const next = await pieces.next()
    if (next.done === true) exhausted = true
    return next.done === true ? undefined : next.value
  }
  const worker = startWorker(script)
  // Input read before the worker's first message (it runs): kept, to parse here if it never does.
  let early: Array<Buffer | string> | null = []
  const ends: number[] = [] // input length read after each chunk sent
  let sent = 0
  let parsed = 0 // input length the worker has parsed
  let inputError: unknown
  let settled = false
  let wake: (() => void) | null = null
  const finished = new Promise<Staged>((resolve, reject) => {
    const fail = (error: unknown): void => {
      settled = true
      reject(early !== null ? new WorkerUnavailable(String(error)) : error)
      wake?.()
    }
    worker.on('message', (message: FromWorker) => {
      early = null
      if (settled) return
      try {
        if ('items' in message) {
          const items = message.items
          for (let at = 0; at < items.length;) {
            const kind = items[at]
            if (kind === ROW) {
              stageRow(items, at + 1)
              at += ROW_WIDTH + 1
            } else if (kind === SKIP) {
              skip(items[at + 1] as string)
              at += 2
            } else {
              stageRecord(parseText(items[at + 1] as string, items[at + 2] as string))
              at += 3
            }
          }
          if (message.chunks > 0) parsed = ends[message.chunks - 1]!
          progress(parsed)
          wake?.()
        } else if ('done' in message) {
          settled = true
          resolve({ format: message.format, meta: message.meta, bytes: sent })
        } else {
          fail(message.failed === 'input' ? inputError : workerError(message))
        }
      } catch (error) {
        fail(error)
      }
    })
    worker.on('error', fail)
    worker.on('exit', (code) => fail(new Error(`the import's parsing worker stopped (exit code ${code})`)))
  })
  let staged: Staged | WorkerUnavailable
  try {
    try {
      for (let piece = await nextPiece(); piece !== undefined; piece = await nextPiece()) {
        early?.push(piece)
        if (settled) break
        sent += piece.length
        ends.push(sent)
        worker.postMessage({ chunk: typeof piece === 'string' ? Buffer.from(piece) : piece } satisfies ToWorker)
        while (!settled && sent - parsed > WORKER_WINDOW) await new Promise<void>((resolve) => { wake = resolve })
        wake = null
      }
      worker.postMessage({ end: true } satisfies ToWorker)
    } catch (error) {
      inputError = error
      worker.postMessage({ inputFailed: true } satisfies ToWorker)
    }
    staged = await finished.catch((error: unknown) => {
      if (error instanceof WorkerUnavailable) return error
      throw error
    })
  } catch (error) {
    if (!exhausted && inputError === undefined) await pieces.return?.() // the input is not read further, as in stageHere
    throw error
  } finally {
    await worker.terminate()
  }
  if (!(staged instanceof WorkerUnavailable)) return staged
  const replay = async function * (): AsyncGenerator<Buffer | string> {
    try {
      yield * (early ?? [])
      if (inputError !== undefined) throw inputError
      for (let piece = await nextPiece(); piece !== undefined; piece = await nextPiece()) yield piece
    } finally {
      if (!exhausted && inputError === undefined) await pieces.return?.()
    }
  }
  return await stageHere(replay(), stageRecord, progress)
}

/** Streams `input` into the catalogue `db`. Throws NotAodError/CorruptAodError and leaves the catalogue untouched. */
export async function importCatalogue (db: Db, input: AsyncIterable<Buffer | string>, options: ImportOptions = {}): Promise<ImportReport> {
  const now = options.now ?? Date.now
  // Staging tables and sorts stay in memory; a 40k-entry file needs some 100 MB.
  db.pragma('temp_store = MEMORY')
  db.pragma('cache_size = -65536')
  stageTables(db)
  const insertStaged = db.prepare(
    `INSERT INTO temp.staging (seq, hash, ${rowColumns.join(', ')}) VALUES (?, ?, ${rowColumns.map(() => '?').join(', ')})`
  )
  let seq = 0
  const params: unknown[] = new Array(ROW_WIDTH + 1)
  const counts = new RecordCounts()
  // Staging writes only the TEMP database, in batches of one transaction each.
  const stageRow: StageRow = (rows, at) => {
    counts.records++
    params[0] = ++seq
    for (let i = 0; i < ROW_WIDTH; i++) params[i + 1] = rows[at + i]
    insertStaged.run(params)
    if ((seq & 4095) === 0) { db.exec('COMMIT'); db.exec('BEGIN') }
  }
  const skip = (reason: string): void => {
    counts.records++
    counts.skip(reason)
  }
  const row: unknown[] = new Array(ROW_WIDTH)
  const stageRecord: StageRecord = (record) => {
    const reason = stagingRow(record, row, 0)
    if (reason === null) stageRow(row, 0)
    else skip(reason)
  }
  let lastProgress = 0
  const progress: Progress = (bytes) => {
    if (options.onProgress !== undefined && bytes - lastProgress >= 1 << 20) {
      lastProgress = bytes
      options.onProgress({ bytes, totalBytes: options.totalBytes ?? null, records: counts.records })
    }
  }
  const script = options.parseInWorker === false ? null : parsingWorkerScript()
  const inWorker = script !== null && (options.parseInWorker === true || options.totalBytes === undefined || options.totalBytes >= 1 << 20)

  db.exec('BEGIN')
  let read
  try {
    read = inWorker
      ? await stageInWorker(script, input, stageRecord, stageRow, skip, progress)
      : await stageHere(input, stageRecord, progress)
    // One statement beats a call per URL; a URL listed twice belongs to its first record.
    db.exec(`INSERT OR IGNORE INTO temp.staging_sources (url, seq)
      SELECT j.value, s.seq FROM temp.staging s, json_each(s.sources) j ORDER BY s.seq`)
    db.exec('COMMIT')
  } catch (error) {
    db.exec('ROLLBACK')
    throw error
  }
  const { skipped, skippedRecords } = counts
  options.onProgress?.({ bytes: read.bytes, totalBytes: options.totalBytes ?? read.bytes, records: counts.records })

  if (seq === 0) {
    throw new NotAodError(counts.records === 0 ? 'the file holds no anime' : `none of its ${counts.records} records is a valid anime (first problem: ${skippedRecords[0]?.reason ?? 'unknown'})`)
  }

  const lastUpdate = typeof read.meta.lastUpdate === 'string' ? read.meta.lastUpdate : null
  const applied = db.transaction(() => applyStaged(db, seq, {
    format: read.format,
    source: options.source ?? '',
    lastUpdate,
    importedAt: new Date(now()).toISOString()
  })).immediate()
  db.exec('DROP TABLE temp.staging; DROP TABLE temp.staging_sources; DROP TABLE temp.assignment')
  db.pragma('wal_checkpoint(PASSIVE)')
  return { format: read.format, ...applied, skipped, skippedRecords, lastUpdate }
}

interface Claim { seq: number, id: number, overlap: number, primary: number }

/**
 * Chooses an id for each of the `staged` records (seq 1…staged), and its
 * position among the served entries; runs inside the write transaction.
 */
function assignIds (db: Db, staged: number): void {
  // Which existing ids each staged record could keep, and how strongly it claims them.
  const claims = db.prepare(`
    SELECT s.seq AS seq, m.anime_id AS id, count(*) AS overlap, max(a.source = s.url) AS "primary"
    FROM temp.staging_sources s
    JOIN source_ids m ON m.url = s.url
    LEFT JOIN anime a ON a.id = m.anime_id
    GROUP BY s.seq, m.anime_id
  `).all() as Claim[]
  const byId = new Map<number, Claim[]>()
  for (const claim of claims) {
    const list = byId.get(claim.id)
    if (list === undefined) byId.set(claim.id, [claim])
    else list.push(claim)
  }
  const assigned = new Map<number, number>() // seq → id
  // Ascending ids: when two entries merge, the merged one keeps the older id;
  // when one splits, the part holding the old primary source (or most of its
  // sources) keeps it and the others get new ids.
  for (const id of [...byId.keys()].sort((a, b) => a - b)) {
    const candidates = byId.get(id)!
      .filter((c) => !assigned.has(c.seq))
      .sort((a, b) => (b.primary - a.primary) || (b.overlap - a.overlap) || (a.seq - b.seq))
    const winner = candidates[0]
    if (winner !== undefined) assigned.set(winner.seq, id)
  }
  const highest = db.prepare(`
    SELECT max(coalesce((SELECT max(id) FROM anime), 0),
               coalesce((SELECT max(anime_id) FROM source_ids), 0),
               coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'max_id'), 0)) AS id
  `).get() as { id: number }
  let next = highest.id
  for (let seq = 1; seq <= staged; seq++) if (!assigned.has(seq)) assigned.set(seq, ++next)
  // The served entries are exactly these: positions 1…n in id order.
  const insert = db.prepare('INSERT INTO temp.assignment (seq, id, pos) VALUES (?, ?, ?)')
  let pos = 0
  for (const [seq, id] of [...assigned].sort((a, b) => a[1] - b[1])) insert.run(seq, id, ++pos)
  db.prepare("INSERT INTO meta (key, value) VALUES ('max_id', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(String(next))
}

function applyStaged (db: Db, staged: number, info: { format: AodFormat, source: string, lastUpdate: string | null, importedAt: string }): Omit<ImportReport, 'format' | 'skipped' | 'skippedRecords' | 'lastUpdate'> {
  assignIds(db, staged)

  const counts = db.prepare(`
    SELECT
      sum(a.id IS NULL OR a.active = 0) AS added,
      sum(a.active = 1 AND a.hash <> s.hash) AS updated,
      sum(a.active = 1 AND a.hash = s.hash) AS kept
    FROM temp.staging s JOIN temp.assignment x USING (seq) LEFT JOIN anime a ON a.id = x.id
  `).get() as { added: number | null, updated: number | null, kept: number | null }
  const removed = db.prepare('SELECT count(*) FROM anime WHERE active = 1 AND id NOT IN (SELECT id FROM temp.assignment)').pluck().get() as number

  // Rows whose version (hash of every column) is unchanged are not written again;
  // positions move only when the served set does, and the derived tables (a
  // function of the served rows) only when any row changed: re-importing the
  // same file writes next to nothing. Rows that are written get their position
  // with them (cheaper than a second pass); when positions move, all are cleared
  // first (pos is UNIQUE), and the unwritten ones set after.
  const added = counts.added ?? 0
  const changed = added + (counts.updated ?? 0) + removed > 0
  db.exec(`
    UPDATE anime SET active = 0 WHERE id NOT IN (SELECT id FROM temp.assignment);
    ${added + removed > 0 ? 'UPDATE anime SET pos = NULL WHERE pos IS NOT NULL;' : ''}
    INSERT INTO anime (id, active, pos, hash, ${rowColumns.join(', ')})
      SELECT x.id, 1, x.pos, s.hash, ${rowColumns.map((c) => `s.${c}`).join(', ')}
      FROM temp.staging s JOIN temp.assignment x USING (seq) WHERE true
      ON CONFLICT (id) DO UPDATE SET active = 1, pos = excluded.pos, hash = excluded.hash,
        ${rowColumns.map((c) => `${c} = excluded.${c}`).join(', ')}
      WHERE anime.active = 0 OR anime.hash IS NOT excluded.hash;
    ${added + removed > 0
      ? 'UPDATE anime SET pos = x.pos FROM temp.assignment x WHERE anime.id = x.id AND anime.pos IS NULL;'
      : ''}
    INSERT INTO source_ids (url, anime_id)
      SELECT s.url, x.id FROM temp.staging_sources s JOIN temp.assignment x USING (seq) WHERE true
      ON CONFLICT (url) DO UPDATE SET anime_id = excluded.anime_id
      WHERE source_ids.anime_id IS NOT excluded.anime_id;
  `)
  if (changed) rebuildDerived(db)

  const total = db.prepare('SELECT count(*) FROM anime WHERE active = 1').pluck().get() as number
  const version = ((db.prepare("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'version'").pluck().get() as number | undefined) ?? 0) + 1
  const setMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
  setMeta.run('version', String(version))
  setMeta.run('imported_at', info.importedAt)
  setMeta.run('last_update', info.lastUpdate ?? '')
  setMeta.run('source', info.source)
  setMeta.run('format', info.format)
  setMeta.run('count', String(total))
  return { added: counts.added ?? 0, updated: counts.updated ?? 0, kept: counts.kept ?? 0, removed, total, version }
}

/** Imports a file from disk into the catalogue under `dataDir`, on a connection of its own. */
export async function importCatalogueFile (dataDir: string, file: string, options: ImportOptions = {}): Promise<ImportReport> {
  const stat = await fs.promises.stat(file)
  if (!stat.isFile()) throw new Error(`${file} is not a file`)
  const db = openCatalogueDb(dataDir)
  try {
    return await importCatalogue(db, fs.createReadStream(file, { highWaterMark: 1 << 20 }), {
      source: file,
      totalBytes: stat.size,
      ...options
    })
  } finally {
    db.close()
  }
}
