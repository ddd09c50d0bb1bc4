// Read access to the served catalogue: prepared statements over one connection.
// An import on another connection commits atomically; each statement here sees
// either the old catalogue or the new one, never a mix.
import type { Db } from './db.js'
import type { AnswerRange } from './answers.js'
import { createMappings } from './mappings.js'
import type { AnimeRow } from './normalize.js'

/** An entry in the old service's shape: its id and these columns of the stored row. */
export type SeedAnime = { id: number } & Pick<AnimeRow, 'title' | 'source' | 'anime_type' | 'num_episodes' | 'status' | 'year' | 'picture' | 'tags'>

export interface CatalogueInfo {
  /** Bumped by every import: changes whenever the served data changes. */
  version: number
  count: number
  /** When the last successful import committed (ISO 8601, UTC). */
  importedAt: string | null
  /** The file's own date (AOD's `lastUpdate`). */
  lastUpdate: string | null
  /** The release tag the file was downloaded from, where the URL named one (a weekly `2026-36`, not `latest`). */
  release: string | null
  /** The path or URL the file was imported from. */
  source: string | null
  format: string | null
  /** The data's licence and home, as the file states them (attribution, see docs/catalogue.md). */
  license: string | null
  repository: string | null
}

type SeedRow = Omit<SeedAnime, 'tags'> & { tags: string }

export const seedColumns = 'id, title, source, anime_type, num_episodes, status, year, picture, tags'

export function toSeed (row: SeedRow): SeedAnime {
  return {
    id: row.id,
    title: row.title,
    source: row.source,
    anime_type: row.anime_type,
    num_episodes: row.num_episodes,
    status: row.status,
    year: row.year,
    picture: row.picture,
    tags: JSON.parse(row.tags) as string[]
  }
}

export function createCatalogue (db: Db) {
  const byId = db.prepare(`SELECT ${seedColumns} FROM anime WHERE id = ? AND active = 1`)
  // entry_answers holds the served entries only; pos → id through the anime_pos index alone.
  const jsonById = db.prepare('SELECT answer FROM entry_answers WHERE id = ?').pluck()
  const jsonByPos = db.prepare('SELECT answer FROM entry_answers WHERE id = (SELECT id FROM anime WHERE pos = ?)').pluck()
  const maxPos = db.prepare('SELECT max(pos) FROM anime').pluck()
  // One statement, so one snapshot: the rows and the version they belong to.
  const answersAfter = db.prepare("SELECT e.id, e.answer, m.value AS version FROM meta m LEFT JOIN (SELECT id, answer FROM entry_answers WHERE id > ? ORDER BY id LIMIT ?) e WHERE m.key = 'version' ORDER BY e.id").raw()
  const metaRows = db.prepare('SELECT key, value FROM meta')
  const versionRow = db.prepare("SELECT (SELECT value FROM meta WHERE key = 'version') AS version, (SELECT value FROM meta WHERE key = 'imported_at') AS importedAt")
  let version: string | null = null
  let lastModified: string | null = null
  // max(pos), like the version, at most once per turn (random() re-reads it on a miss).
  let count: number | null | undefined
  const forget = (): void => { version = null; lastModified = null; count = undefined }
  const currentCount = (fresh: boolean): number | null => {
    if (count === undefined || fresh) {
      if (version === null && count === undefined) setImmediate(forget)
      count = maxPos.get() as number | null
    }
    return count
  }

  const currentVersion = (): string => {
    if (version === null) {
      if (count === undefined) setImmediate(forget)
      const row = versionRow.get() as { version: string | null, importedAt: string | null }
      version = String(row.version ?? 0)
      const importedAt = row.importedAt === null ? NaN : Date.parse(row.importedAt)
      lastModified = Number.isNaN(importedAt) ? '' : new Date(importedAt).toUTCString()
    }
    return version
  }

  return {

    // Id mapping (see mappings.ts): mapping, mappings, animeIdOnSite, sitesOfEntry.
    ...createMappings(db),

    /**
     * The catalogue version as text, read at most once per turn of the event loop:
     * under load one read serves every request parsed in that turn. Read it before
     * the data it labels (ETags, cached answers): an import in between gives new
     * data an old label (refetched next time), never the reverse.
     */
    version: currentVersion,

    /**
     * When the served catalogue was imported, as an HTTP date (Last-Modified of
     * every catalogue answer); '' when unknown. Read with the version, in the same turn.
     */
    lastModified (): string {
      if (lastModified === null) currentVersion()
      return lastModified!
    },

    entry (id: number): SeedAnime | undefined {
      const row = byId.get(id) as SeedRow | undefined
      return row === undefined ? undefined : toSeed(row)
    },

    /** `entry(id)` as the JSON text of the answer (see answerSql in answers.ts). */
    entryJson (id: number): string | undefined {
      return jsonById.get(id) as string | undefined
    },

    /**
     * The answers of served entries with ids above `afterId`, in id order, at
     * most `limit`, with the catalogue version they belong to (read in one
     * statement): what the in-memory answers (createAnswerStore in answers.ts) load.
     */
    answerRange (afterId: number, limit: number): AnswerRange {
      const rows = answersAfter.all(afterId, limit) as Array<[number | null, string | null, string | null]>
      const range: AnswerRange = { version: String(rows[0]?.[2] ?? 0), ids: [], answers: [] }
      for (const [id, answer] of rows) {
        if (id === null || answer === null) continue
        range.ids.push(id)
        range.answers.push(answer)
      }
      return range
    },

    /**
     * A uniformly random served entry as the JSON text of the answer (see
     * answerSql): one index lookup on the dense `pos` column.
     */
    randomJson (random: () => number = Math.random): string | undefined {
      // Two statements: an import may commit between them, so retry on a miss.
      for (let attempt = 0; attempt < 5; attempt++) {
        const count = currentCount(attempt > 0)
        if (count === null || count === 0) return undefined
        const json = jsonByPos.get(1 + Math.floor(random() * count)) as string | undefined
        if (json !== undefined) return json
      }
      return undefined
    },

    info (): CatalogueInfo {
      const meta = new Map((metaRows.all() as Array<{ key: string, value: string }>).map((r) => [r.key, r.value]))
      const text = (key: string): string | null => {
        const value = meta.get(key)
        return value === undefined || value === '' ? null : value
      }
      return {
        version: Number(meta.get('version') ?? 0),
        count: Number(meta.get('count') ?? 0),
        importedAt: text('imported_at'),
        lastUpdate: text('last_update'),
        release: text('release'),
        source: text('source'),
        format: text('format'),
        license: text('license'),
        repository: text('repository')
      }
    }
  }
}

export type Catalogue = ReturnType<typeof createCatalogue>
