// Imports an anime-offline-database file into the catalogue, all or nothing:
// staged first (stage.ts: read, normalised, written to TEMP tables, no lock on
// the served catalogue), then applied in one write transaction (apply.ts: ids
// by the id rules of assign-ids.ts, rows, derived tables).
import fs from 'node:fs'
import path from 'node:path'
import { NotAodError, type AodFormat } from './aod-reader.js'
import type { Compression } from './compression.js'
import { openCatalogueDb, type Db } from './db.js'
import { dropStaging, stageInput, type StageOptions } from './stage.js'
import { applyWithIds, importTime, type Applied } from './apply.js'
import { forgetLastImport, recordLastImport } from './integrity.js'
import type { CatalogueIdStore } from './id-store.js'
import { StoreUnavailableError } from '../storage/errors.js'

export type { ImportProgress } from './stage.js'

export interface ImportOptions extends StageOptions {
  /** Where the file came from (a path or URL), recorded in the catalogue's metadata. */
  source?: string
  /** The release tag it was downloaded from, where known (see update.ts). */
  release?: string | null
  now?: () => number
  /**
   * The user store's id map (see id-store.ts): ids are read from it and what
   * this import assigns is saved to it before the catalogue commits. Every import
   * of a service passes it; without it only the catalogue file keeps its ids.
   */
  ids?: CatalogueIdStore
  /** Import even though watchlists hold ids of a map that is gone (IdMapMissingError otherwise). */
  acceptNewIds?: boolean
}

export interface ImportReport extends Applied {
  format: AodFormat
  /** How the input was compressed (found by its first bytes), or null. */
  compression: Compression | null
  skipped: number
  /** The first skipped records, with why (at most 50). */
  skippedRecords: Array<{ index: number, reason: string }>
  /** Values left out of imported records, being outside what the data can mean (see normalize.ts). */
  adjusted: number
  /** The first of them, with why (at most 50). */
  adjustedRecords: Array<{ index: number, reason: string }>
  /** The file's own `lastUpdate`, where it has one. */
  lastUpdate: string | null
  /** Records not imported because their site lists every one of their sources as dead. */
  deadRecords: number
}

/**
 * Streams `input` into the catalogue `db`: an AOD file in any of its forms (JSON,
 * JSONL), plain or compressed (zstd, gzip; told by its first bytes). Throws
 * NotAodError/CorruptAodError (content), CompressionError (broken compressed data)
 * or UnsupportedCompressionError (an archive), and leaves the catalogue untouched.
 */
export async function importCatalogue (db: Db, input: AsyncIterable<Buffer | string>, options: ImportOptions = {}): Promise<ImportReport> {
  const now = options.now ?? Date.now
  const read = await stageInput(db, input, options)
  try {
    const { rows, deadRecords, counts } = read
    if (rows === 0) {
      throw new NotAodError(counts.records === 0 ? 'the file holds no anime' : `none of its ${counts.records} records is a valid anime (first problem: ${counts.skippedRecords[0]?.reason ?? 'unknown'})`)
    }
    if (deadRecords === rows) throw new NotAodError(`the dead-entry lists name every source of all its ${rows} anime`)

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
    }, { ...options, dead: read.dead })
    const { skipped, skippedRecords, adjusted, adjustedRecords } = counts
    return { format: read.format, compression: read.compression, ...applied, skipped, skippedRecords, adjusted, adjustedRecords, lastUpdate, deadRecords }
  } finally {
    dropStaging(db)
    db.pragma('wal_checkpoint(PASSIVE)')
  }
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
    if (!(error instanceof StoreUnavailableError)) throw error
    unavailable(error as Error)
    return await importCatalogueFile(dataDir, file)
  }
}
