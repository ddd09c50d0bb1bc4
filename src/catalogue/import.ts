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
import { hash as digest } from 'node:crypto'
import fs from 'node:fs'
import { readAod, type AodFormat, NotAodError } from './aod-reader.js'
import { BadRecordError, normalizeRecord } from './normalize.js'
import { openCatalogueDb, type Db } from './db.js'
import { rebuildDerived } from './derived.js'

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

const rowColumns = [
  'title', 'source', 'anime_type', 'num_episodes', 'status', 'year', 'season', 'picture', 'thumbnail',
  'duration', 'score', 'score_mean', 'score_median', 'tags', 'sources', 'synonyms', 'studios', 'producers', 'related'
] as const
const listColumns = new Set(['tags', 'sources', 'synonyms', 'studios', 'producers', 'related'])

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
    CREATE TEMP TABLE assignment (seq INTEGER PRIMARY KEY, id INTEGER NOT NULL UNIQUE);
  `)
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
  let index = 0
  let skipped = 0
  const skippedRecords: ImportReport['skippedRecords'] = []
  let bytes = 0
  let lastProgress = 0

  const counted = async function * (): AsyncGenerator<Buffer | string> {
    for await (const chunk of input) {
      bytes += chunk.length
      yield chunk
      if (options.onProgress !== undefined && bytes - lastProgress >= 1 << 20) {
        lastProgress = bytes
        options.onProgress({ bytes, totalBytes: options.totalBytes ?? null, records: index })
      }
    }
  }

  // Staging writes only the TEMP database, in batches of one transaction each.
  db.exec('BEGIN')
  let read
  try {
    read = await readAod(counted(), (record) => {
      index++
      let row
      try {
        row = normalizeRecord(record)
      } catch (error) {
        if (!(error instanceof BadRecordError)) throw error
        skipped++
        if (skippedRecords.length < 50) skippedRecords.push({ index, reason: error.message })
        return
      }
      seq++
      const values = rowColumns.map((c) => {
        const value = row[c]
        return listColumns.has(c) ? JSON.stringify(value) : value
      })
      const hash = digest('sha1', JSON.stringify(values), 'base64') // one call, no Hash object per record
      insertStaged.run(seq, hash, ...values)
      if ((seq & 4095) === 0) { db.exec('COMMIT'); db.exec('BEGIN') }
    })
    // One statement beats a call per URL; a URL listed twice belongs to its first record.
    db.exec(`INSERT OR IGNORE INTO temp.staging_sources (url, seq)
      SELECT j.value, s.seq FROM temp.staging s, json_each(s.sources) j ORDER BY s.seq`)
    db.exec('COMMIT')
  } catch (error) {
    db.exec('ROLLBACK')
    throw error
  }
  options.onProgress?.({ bytes, totalBytes: options.totalBytes ?? bytes, records: index })

  if (seq === 0) {
    throw new NotAodError(index === 0 ? 'the file holds no anime' : `none of its ${index} records is a valid anime (first problem: ${skippedRecords[0]?.reason ?? 'unknown'})`)
  }

  const lastUpdate = typeof read.meta.lastUpdate === 'string' ? read.meta.lastUpdate : null
  const counts = db.transaction(() => applyStaged(db, {
    format: read.format,
    source: options.source ?? '',
    lastUpdate,
    importedAt: new Date(now()).toISOString()
  })).immediate()
  db.exec('DROP TABLE temp.staging; DROP TABLE temp.staging_sources; DROP TABLE temp.assignment')
  db.pragma('wal_checkpoint(PASSIVE)')
  return { format: read.format, ...counts, skipped, skippedRecords, lastUpdate }
}

interface Claim { seq: number, id: number, overlap: number, primary: number }

/** Chooses an id for each staged record; runs inside the write transaction. */
function assignIds (db: Db): void {
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
  const insert = db.prepare('INSERT INTO temp.assignment (seq, id) VALUES (?, ?)')
  for (const [seq, id] of assigned) insert.run(seq, id)

  const highest = db.prepare(`
    SELECT max(coalesce((SELECT max(id) FROM anime), 0),
               coalesce((SELECT max(anime_id) FROM source_ids), 0),
               coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'max_id'), 0)) AS id
  `).get() as { id: number }
  let next = highest.id
  const fresh = db.prepare('SELECT seq FROM temp.staging WHERE seq NOT IN (SELECT seq FROM temp.assignment) ORDER BY seq').pluck().all() as number[]
  for (const seqWithoutId of fresh) insert.run(seqWithoutId, ++next)
  db.prepare("INSERT INTO meta (key, value) VALUES ('max_id', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(String(next))
}

function applyStaged (db: Db, info: { format: AodFormat, source: string, lastUpdate: string | null, importedAt: string }): Omit<ImportReport, 'format' | 'skipped' | 'skippedRecords' | 'lastUpdate'> {
  assignIds(db)

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
  // same file writes next to nothing.
  const added = counts.added ?? 0
  const changed = added + (counts.updated ?? 0) + removed > 0
  db.exec(`
    UPDATE anime SET active = 0 WHERE id NOT IN (SELECT id FROM temp.assignment);
    ${added + removed > 0 ? 'UPDATE anime SET pos = NULL;' : ''}
    INSERT INTO anime (id, active, hash, ${rowColumns.join(', ')})
      SELECT x.id, 1, s.hash, ${rowColumns.map((c) => `s.${c}`).join(', ')}
      FROM temp.staging s JOIN temp.assignment x USING (seq) WHERE true
      ON CONFLICT (id) DO UPDATE SET active = 1, hash = excluded.hash,
        ${rowColumns.map((c) => `${c} = excluded.${c}`).join(', ')}
      WHERE anime.active = 0 OR anime.hash IS NOT excluded.hash;
    ${added + removed > 0
      ? `UPDATE anime SET pos = r.n
      FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM anime WHERE active = 1) AS r
      WHERE anime.id = r.id;`
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
