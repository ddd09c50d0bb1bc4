// The entry answer's SQL, shared by the search index's build
// (discovery-index.ts) and the migration that fills entry_answers (db.ts); the
// read repository serves what they wrote.
import { IntList } from './int-list.js'
import { ByteList } from './byte-list.js'
import { foreground } from './engine/turns.js'

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

export type AnswerStoreOptions = VersionedLoadOptions

/** A slice of one catalogue version's rows: the rows with ids above some id, in id order, and the version they belong to. */
export interface VersionSlice { version: string, ids: number[] }

export interface VersionedLoadOptions {
  /** Rows read per slice (at most): each slice is one short read, so the event loop keeps answering while a version loads. */
  slice?: number
  /**
   * Milliseconds a slice should take at most: a slice that took longer makes
   * the next ones smaller (never below a quarter of `slice`: each slice has a
   * cost of its own, a read and a turn of the event loop, and on a busy
   * machine time is lost to other processes whatever the size), so that a
   * request arriving meanwhile waits less. Unset: every slice reads `slice` rows.
   */
  budgetMs?: number
  /** Runs the next slice (by default as background work: when no client waits, see Foreground in engine/turns.ts; tests pass their own). */
  schedule?: (next: () => void) => void
  onError?: (error: unknown) => void
}

/**
 * Something computed over a whole catalogue version, read in slices of rows in
 * id order (`read(afterId, limit)`), each slice one read that says which
 * version it saw: a slice of another version (an import committed meanwhile)
 * starts over at the newer one, so a version is never held half-way. `add`
 * folds a slice into what the version has so far; `finish` turns that into
 * what is held. Until a version is held whole, `of` answers undefined (callers
 * answer another way); the previous version is dropped as soon as a newer one
 * is asked for, so at most one version and one partial load are held.
 */
export function createVersionedLoad<S extends VersionSlice, A, H> (
  read: (afterId: number, limit: number) => S,
  build: { start: () => A, add: (so: A, slice: S) => void, finish: (so: A, version: string) => H },
  options: VersionedLoadOptions = {}
) {
  const slice = options.slice ?? 1000
  const budgetMs = options.budgetMs ?? Infinity
  const schedule = options.schedule ?? foreground.background
  /** Rows the next slice reads: `slice`, or fewer (down to `fewest`) while slices take longer than the budget. */
  let rows = slice
  const fewest = Math.ceil(slice / 4)
  let held: { version: string, value: H } | null = null
  /** The version being loaded, the last id read and what it has so far. */
  let loading: { version: string, lastId: number, so: A } | null = null
  let closed = false

  const newer = (a: string, b: string): boolean => Number(a) > Number(b)
  const begin = (version: string) => ({ version, lastId: 0, so: build.start() })

  const step = (): void => {
    const current = loading
    if (current === null) return
    const began = performance.now()
    const limit = rows
    let range: S
    try {
      range = read(current.lastId, limit)
    } catch (error) {
      loading = null
      options.onError?.(error)
      return
    }
    if (range.version !== current.version) {
      // An import committed between two slices: load what the file holds now, if newer.
      loading = newer(range.version, current.version) ? begin(range.version) : null
      if (loading !== null) schedule(step)
      return
    }
    try {
      build.add(current.so, range)
      current.lastId = range.ids.at(-1) ?? current.lastId
      if (range.ids.length === limit) {
        const took = performance.now() - began
        // Halved at most per slice (one slow slice may be a pause of the machine), grown back by a quarter.
        if (took > budgetMs) rows = Math.max(fewest, Math.floor(limit * Math.max(0.5, budgetMs / took)))
        else if (rows < slice && took < budgetMs / 2) rows = Math.min(slice, Math.ceil(rows * 1.25))
        schedule(step)
        return
      }
      loading = null
      if (held === null || newer(current.version, held.version)) held = { version: current.version, value: build.finish(current.so, current.version) }
    } catch (error) {
      loading = null
      options.onError?.(error)
    }
  }

  return {
    /** What is held for `version`, if it is held; else starts loading it when it is newer than what is held. */
    of (version: string): H | undefined {
      if (closed) return undefined
      if (held !== null && held.version === version) return held.value
      if (held !== null && !newer(version, held.version)) return undefined
      // A newer version: the old one is of no more use.
      held = null
      if (loading === null || newer(version, loading.version)) {
        const start = loading === null
        loading = begin(version)
        if (start) schedule(step)
      }
      return undefined
    },
    /** The version held whole, if any. */
    held: (): string | null => held?.version ?? null,
    /** Drops everything and stops loading (the database is closing). */
    close (): void {
      closed = true
      loading = null
      held = null
    }
  }
}

/**
 * Every served entry's answer of the current catalogue version, in memory
 * (about 430 bytes an entry: some 17 MB for a 40,000-entry catalogue, outside
 * the JavaScript heap), so that GET /anime/entry/:id and /anime/random answer
 * without a database read, as a bare server holding them in a map would. Loaded
 * in slices by createVersionedLoad; until a version is held whole, callers ask
 * the database (get() answers undefined).
 */
export function createAnswerStore (source: AnswerSource, options: AnswerStoreOptions = {}): AnswerStore {
  // Each slice's answers go into bytes at once: no answer's string outlives its slice (held
  // to the end, 40,000 of them would grow V8's old generation by more than the bytes they become).
  const load = createVersionedLoad((afterId, limit) => source.answerRange(afterId, limit), {
    start: () => ({ ids: new IntList(), ends: new IntList(), bytes: new ByteList() }),
    add (so, range: AnswerRange) {
      for (let i = 0; i < range.ids.length; i++) {
        so.ids.push(range.ids[i]!)
        so.bytes.appendString(range.answers[i]!)
        so.ends.push(so.bytes.length)
      }
    },
    finish (so): Packed {
      const bytes = so.bytes.done()
      const starts = new Int32Array(so.ends.length + 1)
      starts.set(so.ends.view(), 1)
      return { ids: so.ids.done(), starts, bytes }
    }
  }, options)

  const slot = (p: Packed, index: number): Buffer => p.bytes.subarray(p.starts[index]!, p.starts[index + 1]!)

  return {
    get (version, id) {
      const p = load.of(version)
      if (p === undefined) return undefined
      const index = indexOf(p.ids, id)
      return index < 0 ? null : slot(p, index)
    },
    random (version, random = Math.random) {
      const p = load.of(version)
      if (p === undefined) return undefined
      return p.ids.length === 0 ? null : slot(p, Math.floor(random() * p.ids.length))
    },
    prepare (version) { load.of(version) },
    held: load.held,
    close: load.close
  }
}

/** Where `id` is in the ascending `ids` (binary search), or -1. */
export function indexOf (ids: Int32Array | Float64Array, id: number): number {
  let lo = 0
  let hi = ids.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    const at = ids[mid]!
    if (at === id) return mid
    if (at < id) lo = mid + 1
    else hi = mid - 1
  }
  return -1
}
