// The entry answer's SQL, shared by the search index's build
// (discovery-index.ts) and the migration that fills entry_answers (db.ts); the
// read repository serves what they wrote.

/**
 * An entry's answer as the service sends it: the seed fields in the order of the
 * AnimeEntry schema, compact, `tags` as stored (already a compact JSON array).
 * Byte for byte what `JSON.stringify(toSeed(row))` (repository.ts) gives (json_quote escapes as
 * JSON.stringify does; test/routes/anime/entry.test.ts checks awkward strings). Written into
 * entry_answers by each import (discovery-index.ts), so a read is one small row.
 */
export const answerSql = `'{"id":' || id || ',"title":' || json_quote(title) || ',"source":' || json_quote(source) || ` +
  `',"anime_type":' || json_quote(anime_type) || ',"num_episodes":' || json_quote(num_episodes) || ',"status":' || json_quote(status) || ` +
  `',"year":' || json_quote(year) || ',"picture":' || json_quote(picture) || ',"tags":' || tags || '}'`

/** Served entries' answers with ids above `afterId`, in id order, at most `limit`, and the catalogue version they belong to. */
export interface AnswerRange { version: string, ids: number[], answers: string[] }

export interface AnswerSource {
  /** One read (one snapshot of the file): see createCatalogue's answerRange. */
  answerRange: (afterId: number, limit: number) => AnswerRange
}

/** One catalogue version's answers, packed: one buffer, entries by id through a sorted id list. */
interface Packed {
  version: string
  ids: Int32Array
  /** Entry i's answer is bytes starts[i] … starts[i + 1] of `bytes`. */
  starts: Int32Array
  bytes: Buffer
}

export interface AnswerStore {
  /**
   * The answer of entry `id` in catalogue version `version`: its bytes; null
   * when that version does not serve it; undefined when the version is not
   * held (yet): ask the database. Asking for a version newer than the one held
   * starts loading it.
   */
  get: (version: string, id: number) => Buffer | null | undefined
  /** A uniformly random served entry's answer in `version` (null: none served); undefined when not held. */
  random: (version: string, random?: () => number) => Buffer | null | undefined
  /** Starts loading `version` if it is newer than the one held (at start, and when an import switched the catalogue). */
  prepare: (version: string) => void
  /** The version held whole, if any. */
  held: () => string | null
  /** Drops everything and stops loading (the database is closing). */
  close: () => void
}

export interface AnswerStoreOptions {
  /** Rows read per slice: each slice is one short read, so the event loop keeps answering while a version loads. */
  slice?: number
  /** Runs the next slice (setImmediate; tests pass their own). */
  schedule?: (next: () => void) => void
  onError?: (error: unknown) => void
}

/**
 * Every served entry's answer of the current catalogue version, in memory
 * (about 430 bytes an entry: some 17 MB for a 40,000-entry catalogue, outside
 * the JavaScript heap), so that GET /anime/entry/:id and /anime/random answer
 * without a database read, as a bare server holding them in a map would. A
 * version is read in slices of `slice` rows in id order, each slice one read
 * that says which version it saw; a slice of another version (an import
 * committed meanwhile) starts over at the newer one. Until a version is held
 * whole, callers ask the database (get() answers undefined); the previous
 * version is dropped as soon as a newer one is asked for, so at most one
 * version and one partial load are held.
 */
export function createAnswerStore (source: AnswerSource, options: AnswerStoreOptions = {}): AnswerStore {
  const slice = options.slice ?? 1000
  const schedule = options.schedule ?? ((next: () => void) => { setImmediate(next) })
  let packed: Packed | null = null
  /** The version being loaded, and what it has so far. */
  let loading: { version: string, ids: number[], answers: string[] } | null = null
  let closed = false

  const newer = (a: string, b: string): boolean => Number(a) > Number(b)

  const pack = (version: string, ids: number[], answers: string[]): Packed => {
    const starts = new Int32Array(ids.length + 1)
    let total = 0
    for (let i = 0; i < answers.length; i++) {
      starts[i] = total
      total += Buffer.byteLength(answers[i]!)
    }
    starts[answers.length] = total
    const bytes = Buffer.allocUnsafeSlow(total)
    for (let i = 0; i < answers.length; i++) bytes.write(answers[i]!, starts[i]!)
    return { version, ids: Int32Array.from(ids), starts, bytes }
  }

  const step = (): void => {
    const current = loading
    if (current === null) return
    let range: AnswerRange
    try {
      range = source.answerRange(current.ids.at(-1) ?? 0, slice)
    } catch (error) {
      loading = null
      options.onError?.(error)
      return
    }
    if (range.version !== current.version) {
      // An import committed between two slices: load what the file holds now, if newer.
      loading = newer(range.version, current.version) ? { version: range.version, ids: [], answers: [] } : null
      if (loading !== null) schedule(step)
      return
    }
    current.ids.push(...range.ids)
    current.answers.push(...range.answers)
    if (range.ids.length === slice) { schedule(step); return }
    loading = null
    if (packed === null || newer(current.version, packed.version)) packed = pack(current.version, current.ids, current.answers)
  }

  /** The packed answers if they are of `version`; else starts loading it when it is newer than what is held. */
  const of = (version: string): Packed | undefined => {
    if (closed) return undefined
    if (packed !== null && packed.version === version) return packed
    if (packed !== null && !newer(version, packed.version)) return undefined
    // A newer version: the old answers are of no more use.
    packed = null
    if (loading === null || newer(version, loading.version)) {
      const start = loading === null
      loading = { version, ids: [], answers: [] }
      if (start) schedule(step)
    }
    return undefined
  }

  const slot = (p: Packed, index: number): Buffer => p.bytes.subarray(p.starts[index]!, p.starts[index + 1]!)

  return {
    get (version, id) {
      const p = of(version)
      if (p === undefined) return undefined
      // Binary search over the sorted ids.
      let lo = 0
      let hi = p.ids.length - 1
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1
        const at = p.ids[mid]!
        if (at === id) return slot(p, mid)
        if (at < id) lo = mid + 1
        else hi = mid - 1
      }
      return null
    },
    random (version, random = Math.random) {
      const p = of(version)
      if (p === undefined) return undefined
      return p.ids.length === 0 ? null : slot(p, Math.floor(random() * p.ids.length))
    },
    prepare (version) { of(version) },
    held: () => packed?.version ?? null,
    close () {
      closed = true
      loading = null
      packed = null
    }
  }
}
