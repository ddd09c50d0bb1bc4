// Search, filtered random, tag counts and similar entries over one index
// version: pure functions of the index, answering docs and ids (the reader,
// discovery.ts, loads the entries they name).
import type { Filters, OrderingTerm, SearchRequest } from '../search.js'
import { and, count, nth, toList, type Bits } from './bits.js'
import type { Engine } from './engine.js'
import { TopK } from './recommend.js'
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

/**
 * Per-index arrays for one similarIds at a time (synchronous), which leaves
 * them as it found them: the per-doc and per-tag ones zeroed, the others
 * grown to what a call needs.
 */
interface SimilarScratch {
  /** Per doc: 1 + its place among the candidates once it is one. */
  slots: Int32Array
  /** Per doc: 1 in the pool, 2 related (and in the pool). */
  inPool: Uint8Array
  /** Per tag: set for a's tags. */
  marks: Uint8Array
  /** The candidates in the order first met and their shared idf (at most one per posting read); values: a copy to select in, then the docs that tie. */
  candidates: Int32Array
  sums: Float64Array
  values: Float64Array
  /** The pool (the best candidates, then related entries), where each member's tags start and end, and its weight. */
  pool: Int32Array
  starts: Int32Array
  ends: Int32Array
  poolWeights: Float64Array
}

const scratches = new WeakMap<Engine, SimilarScratch>()

/** The index's scratch, with room for `postings` candidates and a pool of `poolSize`. */
function scratchOf (engine: Engine, postings: number, poolSize: number): SimilarScratch {
  let scratch = scratches.get(engine)
  if (scratch === undefined) {
    scratch = {
      slots: new Int32Array(engine.n),
      inPool: new Uint8Array(engine.n),
      marks: new Uint8Array(engine.data.tagNames.length),
      candidates: new Int32Array(0),
      sums: new Float64Array(0),
      values: new Float64Array(0),
      pool: new Int32Array(0),
      starts: new Int32Array(0),
      ends: new Int32Array(0),
      poolWeights: new Float64Array(0)
    }
    scratches.set(engine, scratch)
  }
  if (scratch.candidates.length < postings) {
    const room = Math.max(postings, 2 * scratch.candidates.length)
    Object.assign(scratch, { candidates: new Int32Array(room), sums: new Float64Array(room), values: new Float64Array(room) })
  }
  if (scratch.pool.length < poolSize) {
    const room = Math.max(poolSize, 2 * scratch.pool.length)
    Object.assign(scratch, { pool: new Int32Array(room), starts: new Int32Array(room), ends: new Int32Array(room), poolWeights: new Float64Array(room) })
  }
  return scratch
}

/**
 * The k-th smallest (from 0) of a[0..n), n > k: a is reordered in place
 * (Hoare's selection, pivot the median of three, so that runs of equal or
 * sorted values stay linear).
 */
function kthSmallest (a: Float64Array, n: number, k: number): number {
  let low = 0
  let high = n - 1
  while (low < high) {
    const mid = (low + high) >>> 1
    const x = a[low]!; const y = a[mid]!; const z = a[high]!
    const pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y))
    let i = low
    let j = high
    while (i <= j) {
      while (a[i]! < pivot) i++
      while (pivot < a[j]!) j--
      if (i <= j) { const swap = a[i]!; a[i] = a[j]!; a[j] = swap; i++; j-- }
    }
    if (j < k) low = i
    if (k < i) high = j
  }
  return a[k]!
}

/**
 * Into scratch.pool, the `k` of the `count` candidates with the highest sums,
 * ties by the lower doc (so by id), in no particular order; how many (fewer
 * when there are fewer candidates). The docs a heap of the best k offered
 * every candidate would keep, found in a few passes over them.
 */
function bestCandidates (scratch: SimilarScratch, count: number, k: number): number {
  const { sums, candidates, values, pool } = scratch
  if (count <= k) {
    pool.set(candidates.subarray(0, count))
    return count
  }
  values.set(sums.subarray(0, count))
  // The k-th highest sum: every candidate above it is in, and the lowest docs at it fill the rest.
  const least = kthSmallest(values, count, count - k)
  let size = 0
  let tied = 0
  for (let i = 0; i < count; i++) {
    const sum = sums[i]!
    if (sum > least) pool[size++] = candidates[i]!
    else if (sum === least) values[tied++] = candidates[i]!
  }
  const wanted = k - size
  const last = tied === wanted ? Infinity : kthSmallest(values, tied, wanted - 1)
  for (let i = 0; i < tied; i++) if (values[i]! <= last) pool[size++] = values[i]!
  return size
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
  const scratch = scratchOf(engine, postings, POOL + relStart[a + 1]! - relStart[a]!)
  const { slots, candidates, sums, inPool, pool, marks, starts, ends, poolWeights } = scratch
  // Shared idf per candidate, summed in the order of the generators as it always was, side by side
  // in the order first met (a slot per doc says where): few writes at random places in per-doc arrays.
  let count = 0
  for (const t of generators) {
    const weight = idf[t]!
    for (let i = tagDocStart[t]!, end = tagDocStart[t + 1]!; i < end; i++) {
      const b = tagDocs[i]!
      if (b === a) continue
      const slot = slots[b]!
      if (slot === 0) {
        candidates[count] = b
        sums[count] = weight
        slots[b] = ++count
      } else {
        sums[slot - 1]! += weight
      }
    }
  }
  let size = bestCandidates(scratch, count, POOL)
  for (let i = 0; i < count; i++) slots[candidates[i]!] = 0
  for (let i = 0; i < size; i++) inPool[pool[i]!] = 1
  for (let i = relStart[a]!; i < relStart[a + 1]!; i++) {
    const b = rel[i]!
    if (inPool[b] === 0) pool[size++] = b
    inPool[b] = 2
  }
  // Where the pool's tags are and its weights, read first: one member's reads then need not wait for another's.
  for (let p = 0; p < size; p++) {
    const b = pool[p]!
    starts[p] = docTagStart[b]!
    ends[p] = docTagStart[b + 1]!
    poolWeights[p] = weights[b]!
  }
  const ownWeight = weights[a]!
  // A's tags in the order shared tags are listed (by idf, then tag): a candidate's shared tags are those of them it has too.
  const byIdf = mine.sort((x, y) => idf[y]! - idf[x]! || x - y)
  for (const t of byIdf) marks[t] = 1
  const sharedOf = (b: number): number[] => {
    for (let i = docTagStart[b]!; i < docTagStart[b + 1]!; i++) if (marks[docTags[i]!] === 1) marks[docTags[i]!] = 2
    const shared: number[] = []
    for (const t of byIdf) if (marks[t] === 2) { shared.push(t); marks[t] = 1 }
    return shared
  }
  // The best `limit` by score, ties by doc (so by id).
  const top = new TopK(limit)
  for (let p = 0; p < size; p++) {
    const b = pool[p]!
    const related = inPool[b] === 2
    // The shared weight summed in the order the shared tags are listed (by idf), as it always was:
    // b's tags shared with a marked, then a's tags read in that order (no list made or sorted per candidate).
    for (let i = starts[p]!, end = ends[p]!; i < end; i++) if (marks[docTags[i]!] === 1) marks[docTags[i]!] = 2
    let sharedWeight = 0
    for (let j = 0; j < byIdf.length; j++) {
      const t = byIdf[j]!
      if (marks[t] === 2) { sharedWeight += idf[t]!; marks[t] = 1 }
    }
    const union = ownWeight + poolWeights[p]! - sharedWeight
    const sim = union > 0 ? sharedWeight / union : 0
    const score = related ? RELATED_SIGNAL + (1 - RELATED_SIGNAL) * sim : sim
    if (related || score > 0) top.offer(b, score)
  }
  const out = top.best().map(({ doc: b, score }) => ({ id: engine.idOf(b), score: Math.round(score * 1e4) / 1e4, sharedTags: sharedOf(b).map((t) => tagNames[t]!), related: inPool[b] === 2 }))
  for (let p = 0; p < size; p++) inPool[pool[p]!] = 0
  for (const t of byIdf) marks[t] = 0
  return out
}
