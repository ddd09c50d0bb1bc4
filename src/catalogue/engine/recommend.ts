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
// The passes over the postings run in slices of about a millisecond, yielding
// to the event loop between them (a large list touches most of the catalogue).
import type { Filters } from '../search.js'
import { has } from './bits.js'
import type { Engine } from './engine.js'

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

/** The `k` docs of `docs` with the highest `scores` (by doc), ties by doc (so by id), best first: a native sort finds the k-th score, only those at or above it are compared. */
export function topDocs (docs: number[], scores: Float64Array, k: number): number[] {
  let selected = docs
  if (docs.length > k) {
    const values = Float64Array.from(docs, (d) => scores[d]!).sort()
    const threshold = values[values.length - k]!
    selected = docs.filter((d) => scores[d]! >= threshold)
  }
  return selected.sort((a, b) => scores[b]! - scores[a]! || a - b).slice(0, k)
}

const round = (value: number): number => Math.round(value * 1e4) / 1e4

/**
 * Up to `limit` recommendations from `weights` (anime id → how much it pulls or
 * pushes), never an anime of `listed`; empty when nothing scores above 0.
 */
export async function recommendIds (engine: Engine, weights: Map<number, number>, listed: Set<number>, filters: Filters, limit: number): Promise<RecommendedIds[]> {
  const { n, data } = engine
  const { docTagStart, docTags, tagDocStart, tagDocs, idf, tagNames, relStart, rel } = data
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

  const sums = new Float64Array(n)
  for (let t = 0; t < pref.length; t++) {
    const contribution = pref[t]! * idf[t]!
    if (contribution === 0) continue
    for (let i = tagDocStart[t]!; i < tagDocStart[t + 1]!; i++) sums[tagDocs[i]!]! += contribution
    await slices.next()
  }
  for (const d of listedDocs) sums[d] = 0
  let best = 0
  for (let d = 0; d < n; d++) {
    const value = norms[d]! > 0 ? sums[d]! / Math.sqrt(norms[d]!) : sums[d]!
    sums[d] = value
    if (value > best) best = value
  }
  await slices.next()

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
  const scores = new Float64Array(n)
  if (best > 0) for (let d = 0; d < n; d++) if (sums[d]! > 0) scores[d] = sums[d]! / best / 2
  for (const [d, related] of relatedTo) {
    related.sort((a, b) => b.w - a.w || a.source - b.source)
    scores[d] = RELATED_SIGNAL + (Math.min(1, related[0]!.w) + scores[d]! * 2) / 4
  }
  const filter = engine.filterBits(filters)
  if (filter !== null) for (let d = 0; d < n; d++) if (scores[d]! > 0 && !has(filter, d)) scores[d] = 0
  const positive: number[] = []
  for (let d = 0; d < n; d++) if (scores[d]! > 0) positive.push(d)
  const chosen = topDocs(positive, scores, limit)
  await slices.next()

  // because: the shared tags that pulled most, and the liked anime related to it or sharing the most of them.
  const explaining = liked.slice(0, MAX_EXPLAINING).map(([d]) => d)
  const out: RecommendedIds[] = []
  for (const d of chosen) {
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
      const wanted = new Set(tags)
      const sharing = explaining
        .filter((e) => !named.some((x) => x.doc === e))
        .map((e) => {
          let shared = 0
          for (let i = docTagStart[e]!; i < docTagStart[e + 1]!; i++) if (wanted.has(docTags[i]!)) shared += idf[docTags[i]!]!
          return { doc: e, shared: shared * weightOfDoc.get(e)! }
        })
        .filter((x) => x.shared > 0)
        .sort((a, b) => b.shared - a.shared || a.doc - b.doc)
      named.push(...sharing.slice(0, MAX_BECAUSE_ANIME - named.length).map((x) => ({ doc: x.doc, related: false })))
    }
    out.push({
      id: engine.idOf(d),
      score: round(scores[d]!),
      because: { anime: named.map((x) => ({ id: engine.idOf(x.doc), title: engine.title(x.doc), related: x.related })), tags: tags.map((t) => tagNames[t]!) }
    })
    await slices.next()
  }
  return out
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
