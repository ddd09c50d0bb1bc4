// The catalogue's tags as typed arrays, for recommendations: each tag's idf and
// postings (the served anime having it), each anime's tags and norm. Built from
// anime_tags and tag_weights (derived tables of the catalogue) on first use, and
// again when the catalogue's version changes; about 600,000 postings (a few MB)
// for the full 40k catalogue.
import type { Db } from '../catalogue/db.js'

export interface TagIndex {
  /** The catalogue version (meta.version) the index was built from. */
  version: number
  tagNames: string[]
  /** Per tag: ln(served entries / entries with the tag). */
  idf: Float64Array
  /** Per tag t: postings[postingStart[t] .. postingStart[t + 1]) are the anime having it. */
  postingStart: Int32Array
  postings: Int32Array
  /** Per anime id a: animeTags[animeStart[a] .. animeStart[a + 1]) are its tags. */
  animeStart: Int32Array
  animeTags: Int32Array
  /** Per anime id: √(sum of its tags' idf); 1 for anime without weighted tags. */
  norm: Float64Array
  /** Per anime id: 1 when the catalogue serves it. */
  served: Uint8Array
  maxId: number
}

export function buildTagIndex (db: Db, version: number): TagIndex {
  const tags = db.prepare('SELECT name, weight FROM tag_weights ORDER BY name').raw().all() as Array<[string, number]>
  const tagNames = tags.map(([name]) => name)
  const tagId = new Map(tagNames.map((name, i) => [name, i]))
  const idf = Float64Array.from(tags, ([, weight]) => weight)
  const servedIds = db.prepare('SELECT id FROM anime WHERE active = 1').pluck().all() as number[]
  const maxId = servedIds.reduce((max, id) => Math.max(max, id), 0)
  const served = new Uint8Array(maxId + 1)
  for (const id of servedIds) served[id] = 1

  const total = db.prepare('SELECT count(*) FROM anime_tags').pluck().get() as number
  const animeStart = new Int32Array(maxId + 2)
  const animeTags = new Int32Array(total)
  const tagCounts = new Int32Array(tagNames.length + 1)
  let n = 0
  for (const [animeId, tag] of db.prepare('SELECT anime_id, tag FROM anime_tags ORDER BY anime_id').raw().iterate() as Iterable<[number, string]>) {
    const t = tagId.get(tag)
    if (t === undefined || animeId > maxId) continue
    animeTags[n++] = t
    animeStart[animeId + 1]!++
    tagCounts[t + 1]!++
  }
  for (let id = 1; id < animeStart.length; id++) animeStart[id]! += animeStart[id - 1]!
  const postingStart = new Int32Array(tagNames.length + 1)
  for (let t = 1; t < postingStart.length; t++) postingStart[t] = postingStart[t - 1]! + tagCounts[t]!
  const postings = new Int32Array(n)
  const fill = postingStart.slice(0, tagNames.length)
  const norm = new Float64Array(maxId + 1).fill(1)
  for (let id = 0; id <= maxId; id++) {
    let sum = 0
    for (let i = animeStart[id]!; i < animeStart[id + 1]!; i++) {
      const t = animeTags[i]!
      postings[fill[t]!++] = id
      sum += idf[t]!
    }
    if (sum > 0) norm[id] = Math.sqrt(sum)
  }
  return { version, tagNames, idf, postingStart, postings, animeStart, animeTags: animeTags.subarray(0, n), norm, served, maxId }
}

/** The index of the catalogue `db` serves now; rebuilt when an import has changed it. Call inside a read transaction. */
export function createTagIndexCache (db: Db) {
  const versionOf = db.prepare("SELECT value FROM meta WHERE key = 'version'").pluck()
  let index: TagIndex | undefined
  return {
    current (): TagIndex {
      const version = Number(versionOf.get() ?? 0)
      if (index === undefined || index.version !== version) index = buildTagIndex(db, version)
      return index
    }
  }
}
