// Personal recommendations over the index, from the weights a user's lists give
// their anime (src/watchlists/recommendations.ts says how lists become weights).
//
// 1. The user's tag preferences: for each tag, the sum of the weights of the
//    weighted anime having it (each anime's share divided by √its tag count),
//    times the tag's idf (rare tags weigh more).
// 2. Every served anime is scored: Σ preference·idf over its tags / √(its idf
//    sum), relative to the best unlisted one, so at most 1. Liked tags pull,
//    disliked ones push; anime scoring 0 or less are left out.
// 3. Anime AOD relates to one the user liked (weight 0.25 and up), either way,
//    rank above all others. score = tag score / 2 (0..0.5); related:
//    0.5 + (weight + tag score) / 4.
// 4. Only anime matching the filters count.
// The passes over every anime run in slices of well under a millisecond, yielding
// to the event loop between them (a large list touches most of the catalogue).
import type { Filters } from '../search.js'
import { has, type Bits } from './bits.js'
import { tagSums, type Engine } from './engine.js'

const RELATED_SIGNAL = 0.5
/** A relation counts when the listed anime was liked at least this much. */
const MIN_RELATED_WEIGHT = 0.25
/** Liked anime whose relations are looked up, the most liked first. */
const MAX_RELATION_SOURCES = 500
const MAX_BECAUSE_TAGS = 5
const MAX_BECAUSE_ANIME = 3
/** Liked anime compared with each recommendation for `because`. */
const MAX_EXPLAINING = 500
const SLICE_MS = 1

export interface RecommendedIds {
  id: number
  score: number
  because: { anime: Array<{ id: number, title: string, related: boolean }>, tags: string[] }
}

/** Yields to the event loop once a slice's time is spent. */
class Slices {
  private started = performance.now()
  async next (): Promise<void> {
    if (performance.now() - this.started < SLICE_MS) return
    await new Promise<void>((resolve) => setImmediate(resolve))
    this.started = performance.now()
  }
}

/**
 * The best k docs offered, by score (higher first), ties by doc (so by id):
 * a heap of the best k so far whose root is the worst of them, so most offers
 * cost one comparison. Which docs come out does not depend on the order they
 * were offered in.
 */
export class TopK {
  private readonly docs: Int32Array
  private readonly scores: Float64Array
  private size = 0

  constructor (private readonly k: number) {
    this.docs = new Int32Array(Math.max(0, k))
    this.scores = new Float64Array(Math.max(0, k))
  }

  /** Whether (score a, doc da) ranks below (score b, doc db). */
  private static below (a: number, da: number, b: number, db: number): boolean {
    return a < b || (a === b && da > db)
  }

  private swap (i: number, j: number): void {
    const d = this.docs[i]!; this.docs[i] = this.docs[j]!; this.docs[j] = d
    const s = this.scores[i]!; this.scores[i] = this.scores[j]!; this.scores[j] = s
  }

  /**
   * Whether an offer of `score` (any doc) would be turned down: k are kept and
   * the worst of them scores more. (An equal score may still enter by its doc.)
   */
  refuses (score: number): boolean {
    return this.size === this.k && (this.k === 0 || score < this.scores[0]!)
  }

  /** The score an offer of a doc above every doc kept must beat to be kept: the worst kept once k are, else -Infinity. */
  floor (): number {
    return this.size === this.k ? (this.k === 0 ? Infinity : this.scores[0]!) : -Infinity
  }

  offer (doc: number, score: number): void {
    const { docs, scores } = this
    if (this.size < this.k) {
      let i = this.size++
      docs[i] = doc
      scores[i] = score
      while (i > 0) {
        const parent = (i - 1) >>> 1
        if (!TopK.below(scores[i]!, docs[i]!, scores[parent]!, docs[parent]!)) break
        this.swap(i, parent)
        i = parent
      }
    } else if (this.k > 0 && TopK.below(scores[0]!, docs[0]!, score, doc)) {
      docs[0] = doc
      scores[0] = score
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        if (l >= this.size) return
        const r = l + 1
        const worst = r < this.size && TopK.below(scores[r]!, docs[r]!, scores[l]!, docs[l]!) ? r : l
        if (!TopK.below(scores[worst]!, docs[worst]!, scores[i]!, docs[i]!)) return
        this.swap(i, worst)
        i = worst
      }
    }
  }

  /** The docs kept with their scores, best first. */
  best (): Array<{ doc: number, score: number }> {
    const out: Array<{ doc: number, score: number }> = []
    for (let i = 0; i < this.size; i++) out.push({ doc: this.docs[i]!, score: this.scores[i]! })
    return out.sort((a, b) => b.score - a.score || a.doc - b.doc)
  }
}

const round = (value: number): number => Math.round(value * 1e4) / 1e4

/** Docs scored per slice before the event loop gets a turn. */
const SLICE_DOCS = 8192

// The passes over every doc, as functions of their own: hot loops inside an
// async function (resumed after each await) are not optimised as well.

function largest (values: Float64Array): number {
  let best = 0
  for (let i = 0; i < values.length; i++) if (values[i]! > best) best = values[i]!
  return best
}

/**
 * Offers `top` the docs from … to - 1 that match the filters (`filter`; null:
 * every doc) by their tag score, relative to the best (`sums[d] / best / 2`,
 * 0 … 0.5), those scoring above 0. Docs whose sum is -Infinity (related to
 * liked anime, scored apart) are left out.
 */
function offerTagScores (top: TopK, sums: Float64Array, best: number, filter: Bits | null, from: number, to: number): void {
  if (best <= 0) return
  // Docs come in ascending order, so one scoring no more than the worst kept would rank below it (ties go to the lower doc): not offered.
  let floor = top.floor()
  for (let d = from; d < to; d++) {
    const sum = sums[d]!
    if (sum <= 0) continue
    const score = sum / best / 2
    if (score > floor && (filter === null || has(filter, d))) {
      top.offer(d, score)
      floor = top.floor()
    }
  }
}

/** Per engine, the array recommendations sum into (they run one at a time, oneAtATime), kept rather than allocated per call. */
const scratch = new WeakMap<Engine, Float64Array>()

function sumsFor (engine: Engine): Float64Array {
  let sums = scratch.get(engine)
  if (sums === undefined) scratch.set(engine, sums = new Float64Array(engine.n))
  return sums
}

/**
 * Up to `limit` recommendations from `weights` (anime id → how much it pulls or
 * pushes), never an anime of `listed`; empty when nothing scores above 0.
 */
export function recommendIds (engine: Engine, weights: Map<number, number>, listed: Set<number>, filters: Filters, limit: number): Promise<RecommendedIds[]> {
  return oneAtATime(() => recommend(engine, weights, listed, filters, limit))
}

let running: Promise<unknown> = Promise.resolve()

/**
 * Runs `work` after the recommendations asked before it. Each yields between
 * its slices, and the event loop runs every slice that is waiting before it
 * reads the sockets again: ten at once would hold other requests for ten
 * slices at every turn, one at a time holds them for one. Recommendations wait
 * for each other instead, which costs them nothing in total (the same CPU work).
 */
function oneAtATime<T> (work: () => Promise<T>): Promise<T> {
  const turn = running.then(work, work)
  running = turn.then(() => {}, () => {})
  return turn
}

async function recommend (engine: Engine, weights: Map<number, number>, listed: Set<number>, filters: Filters, limit: number): Promise<RecommendedIds[]> {
  const { n, data } = engine
  const { docTagStart, docTags, idf, tagNames, relStart, rel } = data
  const slices = new Slices()
  const norms = engine.tagWeights()
  const weightOfDoc = new Map<number, number>()
  for (const [id, w] of weights) { const d = engine.docOf(id); if (d >= 0) weightOfDoc.set(d, w) }
  const listedDocs = new Set([...listed].map((id) => engine.docOf(id)).filter((d) => d >= 0))

  const pref = new Float64Array(tagNames.length)
  for (const [d, w] of weightOfDoc) {
    const tags = docTagStart[d + 1]! - docTagStart[d]!
    if (tags === 0) continue
    const share = w / Math.sqrt(tags)
    for (let i = docTagStart[d]!; i < docTagStart[d + 1]!; i++) pref[docTags[i]!]! += share
  }
  for (let t = 0; t < pref.length; t++) pref[t]! *= idf[t]!

  // Each doc's sum over its own tags (read in order, where the tags' postings
  // would scatter writes over the whole array), its tags in ascending order as
  // the postings would add them.
  const contribution = new Float64Array(tagNames.length)
  for (let t = 0; t < pref.length; t++) contribution[t] = pref[t]! * idf[t]!
  const sums = sumsFor(engine)
  for (let from = 0; from < n; from += SLICE_DOCS) {
    tagSums(data, contribution, norms, sums, from, Math.min(n, from + SLICE_DOCS))
    await slices.next()
  }
  for (const d of listedDocs) sums[d] = 0
  const best = largest(sums)
  const tagScore = (d: number): number => best > 0 && sums[d]! > 0 ? sums[d]! / best / 2 : 0

  const liked = [...weightOfDoc].filter(([, w]) => w > 0).sort((a, b) => b[1] - a[1] || a[0] - b[0])
  const relatedTo = new Map<number, Array<{ source: number, w: number }>>()
  for (const [source, w] of liked.filter(([, w]) => w >= MIN_RELATED_WEIGHT).slice(0, MAX_RELATION_SOURCES)) {
    for (let i = relStart[source]!; i < relStart[source + 1]!; i++) {
      const d = rel[i]!
      if (listedDocs.has(d)) continue
      const list = relatedTo.get(d) ?? []
      list.push({ source, w })
      relatedTo.set(d, list)
    }
  }
  const filter = engine.filterBits(filters)
  const top = new TopK(limit)
  for (const [d, related] of relatedTo) {
    related.sort((a, b) => b.w - a.w || a.source - b.source)
    if (filter === null || has(filter, d)) top.offer(d, RELATED_SIGNAL + (Math.min(1, related[0]!.w) + tagScore(d) * 2) / 4)
    sums[d] = -Infinity
  }
  await slices.next()
  for (let from = 0; from < n; from += SLICE_DOCS) {
    offerTagScores(top, sums, best, filter, from, Math.min(n, from + SLICE_DOCS))
    await slices.next()
  }
  const chosen = top.best()

  const explaining = liked.slice(0, MAX_EXPLAINING).map(([d]) => d)
  const out: RecommendedIds[] = []
  for (const { doc, score } of chosen) {
    out.push(explained(engine, doc, score, pref, relatedTo, explaining, weightOfDoc))
    await slices.next()
  }
  return out
}

/** Recommendation d with its `because`: the shared tags that pulled most, and the liked anime related to it or sharing the most of them. */
function explained (engine: Engine, d: number, score: number, pref: Float64Array, relatedTo: Map<number, Array<{ source: number, w: number }>>,
  explaining: number[], weightOfDoc: Map<number, number>): RecommendedIds {
  const { docTagStart, docTags, idf, tagNames } = engine.data
  const contributions: Array<[number, number]> = []
  for (let i = docTagStart[d]!; i < docTagStart[d + 1]!; i++) {
    const t = docTags[i]!
    const value = pref[t]! * idf[t]!
    if (value > 0) contributions.push([t, value])
  }
  contributions.sort((a, b) => b[1] - a[1] || a[0] - b[0])
  const tags = contributions.slice(0, MAX_BECAUSE_TAGS).map(([t]) => t)
  const named = (relatedTo.get(d) ?? []).slice(0, MAX_BECAUSE_ANIME).map((r) => ({ doc: r.source, related: true }))
  if (named.length < MAX_BECAUSE_ANIME && tags.length > 0) {
    // The liked anime sharing the most of those tags (by idf, times how much each was liked), best
    // first, ties by doc: offered to a TopK of the few wanted, no object per liked anime (up to
    // MAX_EXPLAINING per recommendation, whose garbage made a recommendation's other objects outlive
    // young collections and fill the old generation).
    const sharing = new TopK(MAX_BECAUSE_ANIME - named.length)
    for (const e of explaining) {
      let known = false
      for (const x of named) if (x.doc === e) known = true
      if (known) continue
      let shared = 0
      for (let i = docTagStart[e]!; i < docTagStart[e + 1]!; i++) if (tags.includes(docTags[i]!)) shared += idf[docTags[i]!]!
      shared *= weightOfDoc.get(e)!
      if (shared > 0) sharing.offer(e, shared)
    }
    for (const { doc } of sharing.best()) named.push({ doc, related: false })
  }
  return {
    id: engine.idOf(d),
    score: round(score),
    because: { anime: named.map((x) => ({ id: engine.idOf(x.doc), title: engine.title(x.doc), related: x.related })), tags: tags.map((t) => tagNames[t]!) }
  }
}

/** The best-scored entries (AOD's score) matching the filters that are not listed, for lists that give no signal. */
export function topScoredIds (engine: Engine, listed: Set<number>, filters: Filters, limit: number): Array<{ id: number, score: number }> {
  const bits = engine.filterBits(filters)
  const order = engine.permutation('score', true)
  const out: Array<{ id: number, score: number }> = []
  for (let i = 0; i < order.length && out.length < limit; i++) {
    const d = order[i]!
    if ((bits !== null && !has(bits, d)) || listed.has(engine.idOf(d))) continue
    const score = engine.data.score[d]!
    out.push({ id: engine.idOf(d), score: Number.isNaN(score) ? 0 : score })
  }
  return out
}
