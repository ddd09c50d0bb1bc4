// Imports an anime-offline-database file into the catalogue, all or nothing.
//
// 1. The file streams through the AOD reader; each record is normalised and
//    staged in a TEMP table (bounded memory, no lock on the served catalogue).
// 2. One write transaction then assigns ids, writes the rows, retires entries
//    that vanished and rebuilds the derived tables. Readers keep their snapshot
//    of the old catalogue (WAL) until COMMIT, then see the new one at once; a
//    crash or an error before COMMIT leaves the old catalogue as it was.
//
// Id rules (docs/catalogue.md): an entry keeps its id while any of its source URLs survives;
// ids are never reused. Every URL ever seen stays in `source_ids` with its id,
// and in the user store's copy of that map when the import is given one
// (ImportOptions.ids, see id-store.ts), which survives the loss of this file.
import fs from 'node:fs'
import path from 'node:path'
import { readAod, parseText, type AodFormat, CorruptAodError, NotAodError } from './aod-reader.js'
import { decompressByContent, type Compression } from './compression.js'
import { getMeta, openCatalogueDb, setMeta, type Db } from './db.js'
import { rebuildDerived } from './derived.js'
import { startWorker, workerScript } from '../worker-threads.js'
import { NOTE, RecordCounts, ROW, ROW_WIDTH, SKIP, rowColumns, rowHash, stagingRow, type FromWorker, type ToWorker } from './staging.js'
import { isDeadSource, type DeadEntries } from './dead-entries.js'
import { forgetLastImport, recordLastImport } from './integrity.js'
import {
  IdMapBusyError, IdMapMissingError, localMapEmpty, localMaxId, markSynced, syncFromStore,
  type CatalogueIdStore, type IdMapRow, type IdMapState
} from './id-store.js'

export interface ImportProgress {
  bytes: number
  totalBytes: number | null
  records: number
}

export interface ImportOptions {
  /** Where the file came from (a path or URL), recorded in the catalogue's metadata. */
  source?: string
  /** The release tag it was downloaded from, where known (see update.ts). */
  release?: string | null
  /** Length of the input as given (compressed, when it is), for progress. */
  totalBytes?: number
  /** Told, before the first record, whether the input is compressed (and how). */
  onCompression?: (compression: Compression | null) => void
  onProgress?: (progress: ImportProgress) => void
  now?: () => number
  /**
   * The user store's id map (see id-store.ts): ids are read from it and what
   * this import assigns is saved to it before the catalogue commits. Every import
   * of a service passes it; without it only the catalogue file keeps its ids.
   */
  ids?: CatalogueIdStore
  /** Import even though watchlists hold ids of a map that is gone (IdMapMissingError otherwise). */
  acceptNewIds?: boolean
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

export interface ImportReport {
  format: AodFormat
  /** How the input was compressed (found by its first bytes), or null. */
  compression: Compression | null
  added: number
  updated: number
  kept: number
  skipped: number
  removed: number
  /** Entries served after the import. */
  total: number
  /** The first skipped records, with why (at most 50). */
  skippedRecords: Array<{ index: number, reason: string }>
  /** Values left out of imported records, being outside what the data can mean (see normalize.ts). */
  adjusted: number
  /** The first of them, with why (at most 50). */
  adjustedRecords: Array<{ index: number, reason: string }>
  /** The file's own `lastUpdate`, where it has one. */
  lastUpdate: string | null
  version: number
  /** Records not imported because their site lists every one of their sources as dead. */
  deadRecords: number
  /** Entries this import stopped serving whose every source is now dead (of `removed`). */
  died: number
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

/**
 * Streams `input` into the catalogue `db`: an AOD file in any of its forms (JSON,
 * JSONL), plain or compressed (zstd, gzip; told by its first bytes). Throws
 * NotAodError/CorruptAodError (content), CompressionError (broken compressed data)
 * or UnsupportedCompressionError (an archive), and leaves the catalogue untouched.
 */
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
  const inWorker = script !== null && (options.parseInWorker === true || options.totalBytes === undefined || options.totalBytes >= 1 << 20)

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
  const { skipped, skippedRecords, adjusted, adjustedRecords } = counts
  options.onProgress?.({ bytes, totalBytes: options.totalBytes ?? bytes, records: counts.records })

  if (seq === 0) {
    throw new NotAodError(counts.records === 0 ? 'the file holds no anime' : `none of its ${counts.records} records is a valid anime (first problem: ${skippedRecords[0]?.reason ?? 'unknown'})`)
  }
  if (deadRecords === seq) throw new NotAodError(`the dead-entry lists name every source of all its ${seq} anime`)

  // A date (AOD writes YYYY-MM-DD), or nothing: it is shown to every client in /ready.
  const lastUpdate = typeof read.meta.lastUpdate === 'string' && /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-][\d:]+)?)?$/.test(read.meta.lastUpdate) ? read.meta.lastUpdate : null
  const { license, repository } = read.meta as { license?: unknown, repository?: unknown }
  const applied = await applyWithIds(db, {
    format: read.format,
    source: options.source ?? '',
    release: options.release ?? null,
    lastUpdate,
    // As the file states them (AOD: {"name": …, "url": …} and a URL), for attribution.
    license: typeof license === 'string' ? license : typeof (license as { name?: unknown } | null)?.name === 'string' ? (license as { name: string }).name : null,
    repository: typeof repository === 'string' ? repository : null,
    importedAt: importTime(db, now())
  }, { ...options, dead })
  db.exec('DROP TABLE temp.staging; DROP TABLE temp.staging_sources; DROP TABLE temp.assignment')
  db.pragma('wal_checkpoint(PASSIVE)')
  return { format: read.format, compression, ...applied, skipped, skippedRecords, adjusted, adjustedRecords, lastUpdate, deadRecords }
}

/** SQL function: whether a source URL is listed dead (registered per import, for the lists at hand). */
const DEAD_SOURCE = 'aod_dead_source'

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

/**
 * The time to record for this import: now, but in a later second than the last
 * import's. Catalogue answers carry it as Last-Modified (whole seconds), so two
 * imports within one second would otherwise label different data alike, and a
 * client revalidating with If-Modified-Since would keep the older.
 */
function importTime (db: Db, now: number): string {
  const previous = Date.parse(getMeta(db, 'imported_at'))
  const second = Number.isNaN(previous) ? now : Math.max(now, (Math.floor(previous / 1000) + 1) * 1000)
  return new Date(second).toISOString()
}

interface Claim { seq: number, id: number, overlap: number, primary: number }

/**
 * Chooses an id for each staged record, and its position among the served
 * entries; runs inside the write transaction.
 */
function assignIds (db: Db): void {
  // Which existing ids each staged record could keep, and how strongly it claims them.
  const claims = db.prepare(`
    SELECT s.seq AS seq, m.anime_id AS id, count(*) AS overlap, max(a.source = s.url) AS "primary"
    FROM temp.staging_sources s
    JOIN source_ids m ON m.url = s.url AND m.dead = 0
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
  let next = localMaxId(db)
  // Records without a claim, in file order (dead-entry lists may have left gaps in the seqs).
  for (const seq of db.prepare('SELECT seq FROM temp.staging ORDER BY seq').pluck().all() as number[]) if (!assigned.has(seq)) assigned.set(seq, ++next)
  // The served entries are exactly these: positions 1…n in id order.
  const insert = db.prepare('INSERT INTO temp.assignment (seq, id, pos) VALUES (?, ?, ?)')
  let pos = 0
  for (const [seq, id] of [...assigned].sort((a, b) => a[1] - b[1])) insert.run(seq, id, ++pos)
  setMeta(db, 'max_id', String(next))
}

/** The map's rows this import changes: new URLs, and URLs whose id moved (splits, merges) or that came back from the dead. */
function changedIds (db: Db): IdMapRow[] {
  return (db.prepare(`
    SELECT s.url AS url, x.id AS id FROM temp.staging_sources s JOIN temp.assignment x USING (seq)
    LEFT JOIN source_ids m ON m.url = s.url
    WHERE m.url IS NULL OR m.anime_id IS NOT x.id OR m.dead = 1
  `).all() as Array<{ url: string, id: number }>).map((row) => ({ url: row.url, id: row.id, dead: false }))
}

const SAVE_ATTEMPTS = 5

/**
 * Assigns ids and writes the staged catalogue in one write transaction. With
 * the user store's map: brought up to date first, and what changed saved to it
 * before the catalogue commits (the map may then know ids the catalogue failed
 * to commit, never the reverse); when another import saved first, everything is
 * rolled back and assigned again from the newer map.
 */
async function applyWithIds (db: Db, info: ApplyInfo, options: Pick<ImportOptions, 'ids' | 'acceptNewIds'> & { dead: DeadEntries | null }): Promise<Applied> {
  const { ids } = options
  for (let attempt = 1; attempt <= SAVE_ATTEMPTS; attempt++) {
    db.exec('BEGIN IMMEDIATE')
    try {
      let state: IdMapState | null = null
      let toSave: IdMapRow[] = []
      if (ids !== undefined) {
        const synced = await syncFromStore(db, ids)
        state = synced.state
        toSave = synced.adopted
        if (state.revision === 0 && localMapEmpty(db) && options.acceptNewIds !== true && await ids.referenced()) throw new IdMapMissingError()
      }
      // URLs newly listed dead stop claiming their ids; the map learns it too.
      if (options.dead !== null) {
        const died = db.prepare(`SELECT url, anime_id AS id FROM source_ids WHERE dead = 0 AND ${DEAD_SOURCE}(url)`).all() as Array<{ url: string, id: number }>
        db.prepare(`UPDATE source_ids SET dead = 1 WHERE dead = 0 AND ${DEAD_SOURCE}(url)`).run()
        toSave.push(...died.map((row) => ({ ...row, dead: true })))
      }
      assignIds(db)
      if (ids !== undefined && state !== null) {
        // One row per URL (an adopted URL may also have moved): the last word wins.
        toSave = [...new Map([...toSave, ...changedIds(db)].map((row) => [row.url, row])).values()]
        const maxId = localMaxId(db)
        const revision = toSave.length > 0 || maxId > state.maxId ? await ids.save(state.revision, toSave, maxId) : state.revision
        if (revision === null) {
          db.exec('ROLLBACK')
          continue
        }
        markSynced(db, revision)
      } else {
        // The file's map moves on without the store: a later import with it syncs in full.
        markSynced(db, null)
      }
      const applied = applyStaged(db, info)
      db.exec('COMMIT')
      return applied
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK')
      throw error
    }
  }
  throw new IdMapBusyError(SAVE_ATTEMPTS)
}

type Applied = Pick<ImportReport, 'added' | 'updated' | 'kept' | 'removed' | 'died' | 'total' | 'version'>
interface ApplyInfo {
  format: AodFormat
  source: string
  release: string | null
  lastUpdate: string | null
  license: string | null
  repository: string | null
  importedAt: string
}

/** Writes the staged rows under the ids assignIds chose; inside the write transaction. */
function applyStaged (db: Db, info: ApplyInfo): Applied {
  const counts = db.prepare(`
    SELECT
      sum(a.id IS NULL OR a.active = 0) AS added,
      sum(a.active = 1 AND a.hash <> s.hash) AS updated,
      sum(a.active = 1 AND a.hash = s.hash) AS kept
    FROM temp.staging s JOIN temp.assignment x USING (seq) LEFT JOIN anime a ON a.id = x.id
  `).get() as { added: number | null, updated: number | null, kept: number | null }
  const removed = db.prepare('SELECT count(*) FROM anime WHERE active = 1 AND id NOT IN (SELECT id FROM temp.assignment)').pluck().get() as number
  // Of those, the ones no live URL names any more: every source died.
  const died = removed === 0
    ? 0
    : db.prepare(`SELECT count(*) FROM anime a WHERE a.active = 1 AND a.id NOT IN (SELECT id FROM temp.assignment)
        AND NOT EXISTS (SELECT 1 FROM source_ids m WHERE m.anime_id = a.id AND m.dead = 0)`).pluck().get() as number

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
    INSERT INTO source_ids (url, anime_id, dead)
      SELECT s.url, x.id, 0 FROM temp.staging_sources s JOIN temp.assignment x USING (seq) WHERE true
      ON CONFLICT (url) DO UPDATE SET anime_id = excluded.anime_id, dead = 0
      WHERE source_ids.anime_id IS NOT excluded.anime_id OR source_ids.dead = 1;
  `)
  if (changed) rebuildDerived(db)

  const total = db.prepare('SELECT count(*) FROM anime WHERE active = 1').pluck().get() as number
  const version = ((db.prepare("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'version'").pluck().get() as number | undefined) ?? 0) + 1
  setMeta(db, 'version', String(version))
  setMeta(db, 'imported_at', info.importedAt)
  setMeta(db, 'last_update', info.lastUpdate ?? '')
  setMeta(db, 'release', info.release ?? '')
  setMeta(db, 'license', (info.license ?? '').slice(0, 500))
  setMeta(db, 'repository', (info.repository ?? '').slice(0, 500))
  setMeta(db, 'source', info.source)
  setMeta(db, 'format', info.format)
  setMeta(db, 'count', String(total))
  return { added: counts.added ?? 0, updated: counts.updated ?? 0, kept: counts.kept ?? 0, removed, died, total, version }
}

/** Records the last import (recordLastImport); where that fails, no record is better than a stale one. */
export function keepRecord (dataDir: string, last: Parameters<typeof recordLastImport>[1]): void {
  try {
    recordLastImport(dataDir, last)
  } catch {
    forgetLastImport(dataDir)
  }
}

/**
 * Imports a file from disk into the catalogue under `dataDir`, on a connection
 * of its own, and records beside the catalogue what it read (so that a damaged
 * catalogue file can be rebuilt from it, see integrity.ts).
 */
export async function importCatalogueFile (dataDir: string, file: string, options: ImportOptions = {}): Promise<ImportReport> {
  const stat = await fs.promises.stat(file)
  if (!stat.isFile()) throw new Error(`${file} is not a file`)
  const db = openCatalogueDb(dataDir)
  let report
  try {
    report = await importCatalogue(db, fs.createReadStream(file, { highWaterMark: 1 << 20 }), {
      source: file,
      totalBytes: stat.size,
      ...options
    })
  } finally {
    db.close()
  }
  keepRecord(dataDir, { source: options.source ?? file, file: path.resolve(file), release: options.release ?? null })
  return report
}

/**
 * The first start's import of the shipped catalogue, with the id map. When the
 * user store is unavailable (PostgreSQL down: `unavailable` is told), the
 * catalogue is served at once anyway, with ids of its own; nobody can have
 * written a watchlist entry meanwhile, and the next import with the map brings
 * the ids in line with it (the map's ids win).
 */
export async function importDefaultCatalogue (dataDir: string, file: string, ids: CatalogueIdStore, unavailable: (error: Error) => void): Promise<ImportReport> {
  try {
    return await importCatalogueFile(dataDir, file, { ids })
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 503) throw error
    unavailable(error as Error)
    return await importCatalogueFile(dataDir, file)
  }
}
