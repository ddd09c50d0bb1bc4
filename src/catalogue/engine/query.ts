// Search, filtered random, tag counts and similar entries over one index
// version: pure functions of the index, answering docs and ids (the reader,
// discovery.ts, loads the entries they name).
import type { Filters, OrderingTerm, SearchRequest } from '../search.js'
import { and, count, nth, toList, type Bits } from './bits.js'
import type { Engine } from './engine.js'
import { TopK, topDocs } from './recommend.js'
import { TextSearcher, type TextMatch } from './text-match.js'

const searchers = new WeakMap<Engine, TextSearcher>()

export function textSearcher (engine: Engine): TextSearcher {
  let searcher = searchers.get(engine)
  if (searcher === undefined) { searcher = new TextSearcher(engine); searchers.set(engine, searcher) }
  return searcher
}

const byRelevance: OrderingTerm[] = [{ field: 'relevance', descending: false }]

/** How many entries match the request, and the ids of any run of them in the request's order. */
export function prepareSearch (engine: Engine, request: SearchRequest): { count: number, ids: (offset: number, size: number) => number[] } {
  const none = { count: 0, ids: () => [] }
  const q = request.q?.trim() ?? ''
  const filter = engine.filterBits(request)
  if (q === '') {
    const total = engine.count(filter)
    return {
      count: total,
      ids (offset, size) {
        if (size <= 0 || offset >= total) return []
        const ordering = (request.ordering ?? []).filter((term) => term.field !== 'relevance')
        // In id order: the bits in order, no list of every match.
        const docs = ordering.length === 0 ? engine.slice(filter, offset, size) : engine.page(engine.list(filter), filter, ordering, null, offset, size)
        return docs.map((d) => engine.idOf(d))
      }
    }
  }
  const match = textSearcher(engine).match(q)
  if (match === null) return none
  const bits = filter === null ? match.docs : and(match.docs.slice(), filter)
  const total = count(bits)
  return {
    count: total,
    ids (offset, size) {
      if (size <= 0 || offset >= total) return []
      const ordering = request.ordering ?? byRelevance
      let pool = bits
      // By relevance alone, when the title tier fills the page, only its entries are ranked.
      if (ordering.length === 1 && ordering[0]!.field === 'relevance' && !ordering[0]!.descending && match.first !== null) {
        const first = and(match.first.slice(), bits)
        if (count(first) >= offset + size) pool = first
      }
      if (ordering.length === 1 && ordering[0]!.field === 'relevance' && !ordering[0]!.descending) return bestByKey(pool, match, offset, size).map((d) => engine.idOf(d))
      const candidates = toList(pool)
      let keys: Float64Array | null = null
      if (ordering.some((term) => term.field === 'relevance')) {
        keys = new Float64Array(candidates.length)
        for (let i = 0; i < candidates.length; i++) keys[i] = match.key(candidates[i]!)
      }
      return engine.page(candidates, pool, ordering, keys, offset, size).map((d) => engine.idOf(d))
    }
  }
}

/**
 * Docs offset … offset + size - 1 of `pool` by `key` (lower first), ties by
 * doc: one pass offering each doc to a heap of the best offset + size, where
 * a sort (or a selection) over every candidate's packed key used to run.
 */
function bestByKey (pool: Bits, match: TextMatch, offset: number, size: number): number[] {
  const top = new TopK(offset + size)
  const { key, bound } = match
  for (let w = 0; w < pool.length; w++) {
    let word = pool[w]!
    while (word !== 0) {
      const low = word & -word
      word ^= low
      const d = (w << 5) + 31 - Math.clz32(low)
      // TopK keeps the highest: the negated key, ties by the lower doc as wanted.
      // A doc whose bound is already worse than every kept key cannot enter: its key is not worked out.
      if (bound !== undefined && top.refuses(-bound(d))) continue
      top.offer(d, -key(d))
    }
  }
  return top.best().slice(offset).map((x) => x.doc)
}

/** A uniformly random id among the entries matching `filters`, or undefined. */
export function randomId (engine: Engine, filters: Filters, random: () => number): number | undefined {
  const bits = engine.filterBits(filters)
  const total = engine.count(bits)
  if (total === 0) return undefined
  const k = Math.min(total - 1, Math.floor(random() * total))
  return engine.idOf(bits === null ? k : nth(bits, k))
}

// Similar entries. Similarity of B to A: weighted Jaccard of their tags, each
// tag weighing its idf (ln(entries / entries with the tag)): rare tags count,
// tags nearly every entry has barely do. sim = w(A∩B) / w(A∪B), in 0..1.
// Entries AOD lists as related to A, or that list A, carry that as their own
// signal: score = 0.5 + sim / 2. An unrelated entry with no weighted tag in
// common is not similar at all. Candidates come from A's rarest tags (at most
// CANDIDATE_POSTINGS postings read), the best POOL of them plus every related
// entry scored exactly.
const CANDIDATE_POSTINGS = 3_000
const POOL = 100
const RELATED_SIGNAL = 0.5

const scratches = new WeakMap<Engine, Float64Array>()

/** A zeroed array of one number per doc, for one synchronous computation at a time (which leaves it zeroed). */
function scratchOf (engine: Engine): Float64Array {
  let scratch = scratches.get(engine)
  if (scratch === undefined) { scratch = new Float64Array(engine.n); scratches.set(engine, scratch) }
  return scratch
}

const tagMarks = new WeakMap<Engine, Uint8Array>()

/** One mark per tag, set for doc a's tags (the caller zeroes it after use). */
function ownTags (engine: Engine, a: number): Uint8Array {
  let marks = tagMarks.get(engine)
  if (marks === undefined) { marks = new Uint8Array(engine.data.tagNames.length); tagMarks.set(engine, marks) }
  const { docTagStart, docTags } = engine.data
  for (let i = docTagStart[a]!; i < docTagStart[a + 1]!; i++) marks[docTags[i]!] = 1
  return marks
}

export interface SimilarIds { id: number, score: number, sharedTags: string[], related: boolean }

export function similarIds (engine: Engine, id: number, limit: number): SimilarIds[] | undefined {
  const a = engine.docOf(id)
  if (a < 0) return undefined
  const { docTagStart, docTags, tagDocStart, tagDocs, tagCount, idf, tagNames, relStart, rel } = engine.data
  const weights = engine.tagWeights()
  const mine = [...docTags.subarray(docTagStart[a], docTagStart[a + 1])]
  // Rarest tags first (ties by name), until the postings budget is spent.
  const rarest = [...mine].sort((x, y) => tagCount[x]! - tagCount[y]! || x - y)
  const generators: number[] = []
  let postings = 0
  for (const t of rarest) {
    if (idf[t]! <= 0) break
    if (generators.length > 0 && postings + tagCount[t]! > CANDIDATE_POSTINGS) break
    generators.push(t)
    postings += tagCount[t]!
  }
  // Shared idf per candidate, in a per-index scratch array (every generator's idf is above 0, so 0 is "not yet").
  const sums = scratchOf(engine)
  const candidates: number[] = []
  for (const t of generators) {
    for (let i = tagDocStart[t]!; i < tagDocStart[t + 1]!; i++) {
      const b = tagDocs[i]!
      if (b === a) continue
      if (sums[b] === 0) candidates.push(b)
      sums[b]! += idf[t]!
    }
  }
  const pool = new Map<number, boolean>(topDocs(candidates, sums, POOL).map((b) => [b, false]))
  for (const b of candidates) sums[b] = 0
  for (let i = relStart[a]!; i < relStart[a + 1]!; i++) pool.set(rel[i]!, true)
  const ownWeight = weights[a]!
  // A's tags in the order shared tags are listed (by idf, then tag): a candidate's shared tags are those of them it has too.
  const byIdf = mine.sort((x, y) => idf[y]! - idf[x]! || x - y)
  const marked = ownTags(engine, a)
  const sharedOf = (b: number): number[] => {
    for (let i = docTagStart[b]!; i < docTagStart[b + 1]!; i++) if (marked[docTags[i]!] === 1) marked[docTags[i]!] = 2
    const shared: number[] = []
    for (const t of byIdf) if (marked[t] === 2) { shared.push(t); marked[t] = 1 }
    return shared
  }
  const scored: Array<{ b: number, score: number, related: boolean }> = []
  for (const [b, related] of pool) {
    // The shared weight summed in the order the shared tags are listed (by idf), as it always was:
    // b's tags shared with a marked, then a's tags read in that order (no list made or sorted per candidate).
    for (let i = docTagStart[b]!; i < docTagStart[b + 1]!; i++) if (marked[docTags[i]!] === 1) marked[docTags[i]!] = 2
    let sharedWeight = 0
    for (let j = 0; j < byIdf.length; j++) {
      const t = byIdf[j]!
      if (marked[t] === 2) { sharedWeight += idf[t]!; marked[t] = 1 }
    }
    const union = ownWeight + weights[b]! - sharedWeight
    const sim = union > 0 ? sharedWeight / union : 0
    const score = related ? RELATED_SIGNAL + (1 - RELATED_SIGNAL) * sim : sim
    if (related || score > 0) scored.push({ b, score, related })
  }
  scored.sort((x, y) => y.score - x.score || x.b - y.b)
  const out = scored.slice(0, limit).map((s) => ({ id: engine.idOf(s.b), score: Math.round(s.score * 1e4) / 1e4, sharedTags: sharedOf(s.b).map((t) => tagNames[t]!), related: s.related }))
  marked.fill(0)
  return out
}
