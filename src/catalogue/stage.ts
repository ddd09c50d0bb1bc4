// Staging, the first half of an import (import.ts): the file streams through
// the AOD reader, here or in the parsing worker (staging-worker.ts), and each
// record, normalised (staging.ts), is written to a TEMP table: bounded memory,
// and no lock on the served catalogue. The dead-entry lists leave their URLs
// out of the staged records.
import { readAod, parseText, type AodFormat, CorruptAodError, NotAodError } from './aod-reader.js'
import { decompressByContent, type Compression } from './compression.js'
import type { Db } from './db.js'
import { startWorker, workerScript } from '../worker-threads.js'
import { NOTE, RecordCounts, ROW, ROW_WIDTH, SKIP, rowColumns, rowHash, stagingRow, type FromWorker, type ToWorker } from './staging.js'
import { isDeadSource, type DeadEntries } from './dead-entries.js'

export interface ImportProgress {
  bytes: number
  totalBytes: number | null
  records: number
}

export interface StageOptions {
  /** Length of the input as given (compressed, when it is), for progress. */
  totalBytes?: number
  /** Told, before the first record, whether the input is compressed (and how). */
  onCompression?: (compression: Compression | null) => void
  onProgress?: (progress: ImportProgress) => void
  /**
   * The source's dead-entry lists (see dead-entries.ts), or a promise of them
   * (awaited once the file is read; null: none). Their URLs are left out of the
   * records, a record left with none is not imported, and they stop claiming ids.
   */
  deadEntries?: DeadEntries | Promise<DeadEntries | null> | null
  /**
   * Parse in a worker thread, on a second core, while this thread writes the rows
   * (same rows, same errors). Default: when the input is 1 MiB or more, or of
   * unknown size; never where the worker's script is missing (see parsingWorkerScript).
   */
  parseInWorker?: boolean
}

/** Inputs smaller than this are parsed where they are read: a worker costs more to start than it saves. */
export const WORKER_PARSE_MIN_BYTES = 1 << 20

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

/** What staging read: the file's form and metadata. */
interface Staged {
  format: AodFormat
  meta: Record<string, unknown>
}

/** Stages one record: counts it, and writes its row or counts it skipped. */
type StageRecord = (record: unknown) => void
/** Stages the finished row at rows[at], rows[at + 1] … (ROW_WIDTH values); counts it. */
type StageRow = (rows: unknown[], at: number) => void
/** Parses `input` in this thread. */
async function stageHere (input: AsyncIterable<Buffer | string>, stageRecord: StageRecord, skip: (reason: string) => void): Promise<Staged> {
  return await readAod(input, { onRecord: stageRecord, onSkip: skip })
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
  script: URL, input: AsyncIterable<Buffer | string>, stageRecord: StageRecord, stageRow: StageRow, skip: (reason: string) => void,
  adjust: (reason: string) => void
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
            } else if (kind === NOTE) {
              adjust(items[at + 1] as string)
              at += 2
            } else {
              stageRecord(parseText(items[at + 1] as string, items[at + 2] as string))
              at += 3
            }
          }
          if (message.chunks > 0) parsed = ends[message.chunks - 1]!
          wake?.()
        } else if ('done' in message) {
          settled = true
          resolve({ format: message.format, meta: message.meta })
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
  return await stageHere(replay(), stageRecord, skip)
}

/** What staging the input gave: the file's form and metadata, its records' counts, its size and compression, the dead-entry lists used. */
export interface StagedInput extends Staged {
  counts: RecordCounts
  /** Records staged, the dead ones included. */
  rows: number
  /** Input bytes as given (compressed, when it is). */
  bytes: number
  compression: Compression | null
  dead: DeadEntries | null
  /** Staged records dropped because the dead-entry lists name every one of their sources. */
  deadRecords: number
}

/**
 * Streams `input` into the TEMP staging tables of `db` (temp.staging, a row per
 * record; temp.staging_sources, a row per source URL): decompressed as its first
 * bytes say, parsed here or in the parsing worker, dead sources left out. The
 * served catalogue is not touched; the caller drops the tables (dropStaging).
 */
export async function stageInput (db: Db, input: AsyncIterable<Buffer | string>, options: StageOptions): Promise<StagedInput> {
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
  const adjust = (reason: string): void => counts.adjust(reason)
  const row: unknown[] = new Array(ROW_WIDTH)
  const stageRecord: StageRecord = (record) => {
    const reason = stagingRow(record, row, 0, adjust)
    if (reason === null) stageRow(row, 0)
    else skip(reason)
  }
  // Progress counts the input as given (compressed, when it is), as totalBytes does.
  let bytes = 0
  let lastProgress = 0
  const counted = async function * (): AsyncGenerator<Buffer | string> {
    for await (const chunk of input) {
      bytes += chunk.length
      yield chunk
      if (options.onProgress !== undefined && bytes - lastProgress >= 1 << 20) {
        lastProgress = bytes
        options.onProgress({ bytes, totalBytes: options.totalBytes ?? null, records: counts.records })
      }
    }
  }
  let compression: Compression | null = null
  const decoded = await decompressByContent(counted(), (found) => {
    compression = found
    options.onCompression?.(found)
  })
  const script = options.parseInWorker === false ? null : parsingWorkerScript()
  const inWorker = script !== null && (options.parseInWorker === true || options.totalBytes === undefined || options.totalBytes >= WORKER_PARSE_MIN_BYTES)

  let dead: DeadEntries | null = null
  let deadRecords = 0
  db.exec('BEGIN')
  let read
  try {
    read = inWorker
      ? await stageInWorker(script, decoded, stageRecord, stageRow, skip, adjust)
      : await stageHere(decoded, stageRecord, skip)
    dead = await options.deadEntries ?? null
    if (dead !== null) deadRecords = dropDeadSources(db, dead)
    // One statement beats a call per URL; a URL listed twice belongs to its first record.
    db.exec(`INSERT OR IGNORE INTO temp.staging_sources (url, seq)
      SELECT j.value, s.seq FROM temp.staging s, json_each(s.sources) j ORDER BY s.seq`)
    db.exec('COMMIT')
  } catch (error) {
    db.exec('ROLLBACK')
    throw error
  }
  options.onProgress?.({ bytes, totalBytes: options.totalBytes ?? bytes, records: counts.records })

  return { ...read, counts, rows: seq, bytes, compression, dead, deadRecords }
}

/** Drops the staging tables once the import is applied (or failed). */
export function dropStaging (db: Db): void {
  db.exec('DROP TABLE IF EXISTS temp.staging; DROP TABLE IF EXISTS temp.staging_sources; DROP TABLE IF EXISTS temp.assignment')
}

/** SQL function: whether a source URL is listed dead (registered per import, for the lists at hand). */
export const DEAD_SOURCE = 'aod_dead_source'

/**
 * Leaves the URLs `dead` lists out of the staged records (their hash follows),
 * and the records left with none out altogether; returns how many of those.
 */
function dropDeadSources (db: Db, dead: DeadEntries): number {
  db.function(DEAD_SOURCE, { deterministic: true }, (url) => isDeadSource(dead, String(url)) ? 1 : 0)
  const rows = db.prepare(`SELECT seq, ${rowColumns.join(', ')} FROM temp.staging
    WHERE EXISTS (SELECT 1 FROM json_each(staging.sources) j WHERE ${DEAD_SOURCE}(j.value))`).all() as Array<Record<string, unknown> & { seq: number, sources: string }>
  const drop = db.prepare('DELETE FROM temp.staging WHERE seq = ?')
  const update = db.prepare('UPDATE temp.staging SET sources = ?, source = ?, hash = ? WHERE seq = ?')
  let dropped = 0
  for (const row of rows) {
    const sources = (JSON.parse(row.sources) as string[]).filter((url) => !isDeadSource(dead, url))
    if (sources.length === 0) {
      drop.run(row.seq)
      dropped++
      continue
    }
    row.sources = JSON.stringify(sources)
    row.source = sources[0]
    update.run(row.sources, row.source, rowHash(rowColumns.map((c) => row[c])), row.seq)
  }
  return dropped
}
