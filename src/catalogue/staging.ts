// From AOD records to staging rows: each record normalised, its list columns as
// JSON text, and a hash of all its columns (the row's version). No database here,
// so the same code runs in the importing thread and in the parsing worker
// (staging-worker.ts), with the same rows either way.
import { hash as digest } from 'node:crypto'
import { BadRecordError, normalizeRecord, type NoteAdjustment } from './normalize.js'
import type { AodFormat } from './aod-reader.js'

export const rowColumns = [
  'title', 'source', 'anime_type', 'num_episodes', 'status', 'year', 'season', 'picture', 'thumbnail',
  'duration', 'score', 'score_mean', 'score_median', 'tags', 'sources', 'synonyms', 'studios', 'producers', 'related'
] as const
const listColumns = new Set<string>(['tags', 'sources', 'synonyms', 'studios', 'producers', 'related'])

/** Values of one staged row: its hash, then one value per rowColumns. */
export const ROW_WIDTH = rowColumns.length + 1

/**
 * Writes the staging row of `record` into `out` from `at` on (ROW_WIDTH values)
 * and returns null; or returns why the record is skipped, writing nothing.
 * `note` is told about each value left out of the row (see normalizeRecord).
 */
export function stagingRow (record: unknown, out: unknown[], at: number, note?: NoteAdjustment): string | null {
  let row
  try {
    row = normalizeRecord(record, note)
  } catch (error) {
    if (!(error instanceof BadRecordError)) throw error
    return error.message
  }
  const values = rowColumns.map((c) => {
    const value = row[c]
    return listColumns.has(c) ? JSON.stringify(value) : value
  })
  out[at] = rowHash(values)
  for (let i = 0; i < values.length; i++) out[at + 1 + i] = values[i]
  return null
}

/** A staging row's version: a hash of its values (one per rowColumns, lists as JSON text). */
export function rowHash (values: unknown[]): string {
  return digest('sha1', JSON.stringify(values), 'base64') // one call, no Hash object per record
}

/** Records read, skipped and adjusted, as the import reports them. */
export class RecordCounts {
  /** Records read so far, skipped ones included. */
  records = 0
  skipped = 0
  /** The first skipped records, with why (at most 50). */
  readonly skippedRecords: Array<{ index: number, reason: string }> = []
  /** Values left out of records that were imported (see normalizeRecord). */
  adjusted = 0
  /** The first of them, with the record's index (at most 50). */
  readonly adjustedRecords: Array<{ index: number, reason: string }> = []

  /** The last record read is skipped, for `reason`. */
  skip (reason: string): void {
    this.skipped++
    if (this.skippedRecords.length < 50) this.skippedRecords.push({ index: this.records, reason })
  }

  /** A value of the record being read (the next one counted) was left out, for `reason`. */
  adjust (reason: string): void {
    this.adjusted++
    if (this.adjustedRecords.length < 50) this.adjustedRecords.push({ index: this.records + 1, reason })
  }
}

// Messages between the import and its parsing worker (see import.ts). The worker
// sends the records in file order as items in one flat array: a staging row
// (ROW, then ROW_WIDTH values), a skipped record (SKIP, reason), a record left
// for the import's own thread to parse and stage (TEXT, its JSON, where), or a
// value left out of the next record (NOTE, reason; before its ROW).
export const ROW = 0
export const SKIP = 1
export const TEXT = 2
export const NOTE = 3

export type ToWorker =
  | { chunk: Uint8Array }
  | { end: true }
  /** The input failed here: the worker stops at this point, and the import rethrows the input's own error. */
  | { inputFailed: true }

export type FromWorker =
  /** Records in file order; the first `chunks` chunks are read whole. */
  | { items: unknown[], chunks: number }
  | { done: true, format: AodFormat, meta: Record<string, unknown> }
  | { failed: 'not-aod' | 'corrupt-aod' | 'input' | 'other', message: string, stack?: string }
