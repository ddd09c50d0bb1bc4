// Personal recommendations from a user's lists. The user's entries come in as
// ids, statuses and ratings (the accounts file and the catalogue stay separate
// files); the catalogue side is a tag index held in memory (tag-index.ts, built
// from anime_tags and tag_weights, rebuilt when the catalogue changes), so a
// recommendation is a few passes over typed arrays plus a few SQL lookups.
//
// 1. Each listed anime gets a weight: a rating counts around the user's own
//    centre (their mean rating, held within 5..7.5; 5.5 with fewer than three
//    ratings), (rating - centre) / 4.5, so high ratings pull and low ones push;
//    unrated completed entries pull a little (0.5), watching ones less (0.25),
//    dropped ones push (-0.75, and at most -0.5 when rated). Planned and paused
//    entries carry no signal (but are never recommended back).
// 2. The user's tag preferences: for each tag, the sum of the weights of the
//    listed anime having it (each anime's share divided by √its tag count),
//    times the tag's idf (rare tags weigh more).
// 3. Every served anime is scored: Σ preference·idf over its tags / √(its idf
//    sum), relative to the best unlisted one, so at most 1. Liked tags pull,
//    disliked ones push; anime scoring 0 or less are left out.
// 4. Anime AOD relates to one the user liked (weight 0.25 and up: completed, or
//    rated about 7 and up), either way (sequels, prequels, side stories; through
//    source_ids from relatedAnime URLs, as similar.ts), rank above all others.
//    score = tag score / 2 (0..0.5); related: 0.5 + (weight + tag score) / 4.
// 5. The search filters are checked in SQL on the best candidates, in order.
import type { Statement } from 'better-sqlite3'
import type { Db } from '../catalogue/db.js'
import { seedColumns, toSeed, type SeedAnime } from '../catalogue/repository.js'
import type { Filters } from '../catalogue/search.js'
import type { RatedEntry } from './repository.js'
import { createTagIndexCache, type TagIndex } from './tag-index.js'

const RELATED_SIGNAL = 0.5
/** A relation counts when the listed anime was liked at least this much. */
const MIN_RELATED_WEIGHT = 0.25
/** Liked anime whose relations are looked up, the most liked first. */
const MAX_RELATION_SOURCES = 500
const MAX_BECAUSE_TAGS = 5
const MAX_BECAUSE_ANIME = 3
/** Liked anime compared with each recommendation for `because`. */
const MAX_EXPLAINING = 500
/** Candidates checked against the filters per SQL statement before all matching ids are read at once. */
const FILTER_CHUNK = 500
const FILTER_CHUNKS = 2

export interface Because {
  anime: Array<{ id: number, title: string, related: boolean }>
  tags: string[]
}

export interface Recommendation {
  anime: SeedAnime
  score: number
  because: Because
}

export interface Recommendations {
  /** `ratings`: from the user's lists; `top_scored`: the lists gave no signal, the catalogue's best-scored entries. */
  basis: 'ratings' | 'top_scored'
  results: Recommendation[]
}

export type FilterSql = (filters: Filters, options?: { facets?: boolean }) => { conditions: string[], params: unknown[] }

/** How much each listed anime pulls (positive) or pushes (negative). */
export function entryWeights (entries: RatedEntry[]): Map<number, number> {
  const ratings = entries.flatMap((e) => e.rating === null ? [] : [e.rating])
  const mean = ratings.reduce((sum, r) => sum + r, 0) / Math.max(1, ratings.length)
  const centre = ratings.length >= 3 ? Math.min(7.5, Math.max(5, mean)) : 5.5
  const weights = new Map<number, number>()
  for (const e of entries) {
    let w: number
    if (e.rating !== null) w = (e.rating - centre) / 4.5
    else w = ({ completed: 0.5, watching: 0.25, dropped: -0.75, paused: 0, planned: 0 })[e.status]
    if (e.status === 'dropped') w = Math.min(w, -0.5)
    if (w !== 0) weights.set(e.animeId, w)
  }
  return weights
}

const round = (value: number): number => Math.round(value * 1e4) / 1e4
const hasFilters = (filters: Filters): boolean => Object.values(filters).some((value) => value !== undefined)

type SeedRow = Parameters<typeof toSeed>[0]

interface Scored { id: number, score: number, tagScore: number, sources: Array<{ source: number, w: number }> }

/** The ids of the `k` highest positive scores (ties by id), best first, without sorting every candidate. */
export function topIds (scores: Float64Array, k: number): number[] {
  const positive: number[] = []
  for (let id = 0; id < scores.length; id++) if (scores[id]! > 0) positive.push(id)
  let selected = positive
  if (positive.length > k) {
    // The k-th highest score by a native numeric sort of the values, then only those at or above it.
    const values = Float64Array.from(positive, (id) => scores[id]!).sort()
    const threshold = values[values.length - k]!
    selected = positive.filter((id) => scores[id]! >= threshold)
  }
  return selected.sort((a, b) => scores[b]! - scores[a]! || a - b).slice(0, k)
}

export function createRecommender (db: Db, filterSql: FilterSql) {
  const tagIndex = createTagIndexCache(db)
  const relations = db.prepare(`
    WITH liked(id) AS (SELECT value FROM json_each(?))
    SELECT l.id AS source, s.anime_id AS id FROM liked l JOIN anime_related_urls r ON r.anime_id = l.id JOIN source_ids s ON s.url = r.url
    UNION
    SELECT l.id, r.anime_id FROM liked l JOIN source_ids m ON m.anime_id = l.id JOIN anime_related_urls r ON r.url = m.url`)
  const titles = db.prepare('SELECT id, title FROM anime WHERE id IN (SELECT value FROM json_each(?))')
  const seedRows = db.prepare(`SELECT ${seedColumns} FROM anime WHERE id IN (SELECT value FROM json_each(?)) AND active = 1`)
  const cache = new Map<string, Statement<unknown[]>>()
  const prepared = (sql: string): Statement<unknown[]> => {
    let statement = cache.get(sql)
    if (statement === undefined) {
      statement = db.prepare<unknown[]>(sql)
      if (cache.size >= 64) cache.delete(cache.keys().next().value!)
      cache.set(sql, statement)
    }
    return statement
  }
  const seeds = (ids: number[]): Map<number, SeedAnime> =>
    new Map((seedRows.all(JSON.stringify(ids)) as SeedRow[]).map((row) => [row.id, toSeed(row)]))

  /**
   * The best `limit` candidates matching the filters: `top(k)` gives the best k
   * candidate ids, best first (all of them when k is Infinity).
   */
  function applyFilters (top: (k: number) => number[], filters: Filters, limit: number): number[] {
    if (!hasFilters(filters)) return top(limit)
    const ordered = top(FILTER_CHUNK * FILTER_CHUNKS)
    const { conditions, params } = filterSql(filters, { facets: true })
    const where = conditions.join(' AND ')
    const kept: number[] = []
    for (let position = 0; position < ordered.length && kept.length < limit; position += FILTER_CHUNK) {
      const ids = ordered.slice(position, position + FILTER_CHUNK)
      const passing = new Set(prepared(`SELECT a.id FROM anime_facets a WHERE a.id IN (SELECT value FROM json_each(?)) AND ${where}`)
        .pluck().all(JSON.stringify(ids), ...params) as number[])
      kept.push(...ids.filter((id) => passing.has(id)))
    }
    if (kept.length >= limit || ordered.length < FILTER_CHUNK * FILTER_CHUNKS) return kept.slice(0, limit)
    // Few of the best match: read every matching id once, then take the best of them.
    const matching = new Set(prepared(`SELECT a.id FROM anime_facets a WHERE ${where}`).pluck().all(...params) as number[])
    return top(Infinity).filter((id) => matching.has(id)).slice(0, limit)
  }

  function topScored (listed: Set<number>, filters: Filters, limit: number): Recommendations {
    const { conditions, params } = filterSql(filters, { facets: true })
    const rows = prepared(`SELECT a.id AS id, a.score AS score FROM anime_facets a
      WHERE ${conditions.join(' AND ')} AND a.id NOT IN (SELECT value FROM json_each(?))
      ORDER BY a.score DESC NULLS LAST, a.id LIMIT ?`).all(...params, JSON.stringify([...listed]), limit) as Array<{ id: number, score: number | null }>
    const anime = seeds(rows.map((r) => r.id))
    return {
      basis: 'top_scored',
      results: rows.flatMap((r) => {
        const seed = anime.get(r.id)
        return seed === undefined ? [] : [{ anime: seed, score: r.score ?? 0, because: { anime: [], tags: [] } }]
      })
    }
  }

  /** Tag preferences (already times idf) from the weighted anime. */
  function preferences (index: TagIndex, weights: Map<number, number>): Float64Array {
    const pref = new Float64Array(index.tagNames.length)
    for (const [id, w] of weights) {
      if (id > index.maxId) continue
      const start = index.animeStart[id]!
      const end = index.animeStart[id + 1]!
      if (end === start) continue
      const share = w / Math.sqrt(end - start)
      for (let i = start; i < end; i++) pref[index.animeTags[i]!]! += share
    }
    for (let t = 0; t < pref.length; t++) pref[t]! *= index.idf[t]!
    return pref
  }

  function personal (index: TagIndex, weights: Map<number, number>, listed: Set<number>, filters: Filters, limit: number): Recommendations {
    const pref = preferences(index, weights)
    const { postingStart, postings, idf, norm, served, maxId } = index
    // Every served anime's tag score: one pass over the postings of the tags the user has a preference for.
    const sums = new Float64Array(maxId + 1)
    for (let t = 0; t < pref.length; t++) {
      const contribution = pref[t]! * idf[t]!
      if (contribution === 0) continue
      const end = postingStart[t + 1]!
      for (let i = postingStart[t]!; i < end; i++) sums[postings[i]!]! += contribution
    }
    for (const id of listed) if (id <= maxId) sums[id] = 0
    let best = 0
    for (let id = 1; id <= maxId; id++) {
      const value = sums[id]! / norm[id]!
      sums[id] = value
      if (value > best) best = value
    }
    const liked = [...weights].filter(([, w]) => w > 0).sort((a, b) => b[1] - a[1] || a[0] - b[0])
    const relatedTo = new Map<number, Array<{ source: number, w: number }>>()
    const sources = liked.filter(([, w]) => w >= MIN_RELATED_WEIGHT).slice(0, MAX_RELATION_SOURCES).map(([id]) => id)
    for (const r of relations.all(JSON.stringify(sources)) as Array<{ source: number, id: number }>) {
      if (r.source === r.id || listed.has(r.id) || r.id > maxId || served[r.id] !== 1) continue
      const list = relatedTo.get(r.id) ?? []
      list.push({ source: r.source, w: weights.get(r.source)! })
      relatedTo.set(r.id, list)
    }
    // Final scores; 0: not a candidate.
    const scores = new Float64Array(maxId + 1)
    if (best > 0) for (let id = 1; id <= maxId; id++) if (sums[id]! > 0) scores[id] = sums[id]! / best / 2
    for (const [id, related] of relatedTo) {
      related.sort((a, b) => b.w - a.w || a.source - b.source)
      scores[id] = RELATED_SIGNAL + (Math.min(1, related[0]!.w) + scores[id]! * 2) / 4
    }
    const chosenIds = applyFilters((k) => topIds(scores, k), filters, limit)
    const chosen: Scored[] = chosenIds.map((id) => ({ id, score: scores[id]!, tagScore: sums[id]!, sources: relatedTo.get(id) ?? [] }))

    // because: the shared tags that pulled most, and the liked anime related to it or sharing the most of them.
    const explaining = liked.slice(0, MAX_EXPLAINING).map(([id]) => id).filter((id) => id <= index.maxId)
    const explained = chosen.map((c) => {
      const contributions: Array<[number, number]> = []
      for (let i = index.animeStart[c.id]!; i < index.animeStart[c.id + 1]!; i++) {
        const t = index.animeTags[i]!
        const value = pref[t]! * index.idf[t]!
        if (value > 0) contributions.push([t, value])
      }
      contributions.sort((a, b) => b[1] - a[1] || a[0] - b[0])
      const tags = contributions.slice(0, MAX_BECAUSE_TAGS).map(([t]) => t)
      const named = c.sources.slice(0, MAX_BECAUSE_ANIME).map((r) => ({ id: r.source, related: true }))
      if (named.length < MAX_BECAUSE_ANIME && tags.length > 0) {
        const sharing = explaining
          .filter((id) => !named.some((n) => n.id === id))
          .map((id) => {
            let shared = 0
            for (let i = index.animeStart[id]!; i < index.animeStart[id + 1]!; i++) if (tags.includes(index.animeTags[i]!)) shared += index.idf[index.animeTags[i]!]!
            return { id, shared: shared * weights.get(id)! }
          })
          .filter((x) => x.shared > 0)
          .sort((a, b) => b.shared - a.shared || a.id - b.id)
        named.push(...sharing.slice(0, MAX_BECAUSE_ANIME - named.length).map((x) => ({ id: x.id, related: false })))
      }
      return { tags: tags.map((t) => index.tagNames[t]!), named }
    })
    const titleOf = new Map((titles.all(JSON.stringify(explained.flatMap((b) => b.named.map((n) => n.id)))) as Array<{ id: number, title: string }>)
      .map((r) => [r.id, r.title]))
    const anime = seeds(chosen.map((c) => c.id))
    return {
      basis: 'ratings',
      results: chosen.flatMap((c, i) => {
        const seed = anime.get(c.id)
        if (seed === undefined) return []
        const b = explained[i]!
        return [{
          anime: seed,
          score: round(c.score),
          because: { anime: b.named.map((n) => ({ id: n.id, title: titleOf.get(n.id) ?? '', related: n.related })), tags: b.tags }
        }]
      })
    }
  }

  // One read transaction: the index, the relations and the rows all come from one catalogue version.
  const read = db.transaction((entries: RatedEntry[], filters: Filters, limit: number): Recommendations => {
    const listed = new Set(entries.map((e) => e.animeId))
    const weights = entryWeights(entries)
    if ([...weights.values()].some((w) => w > 0)) {
      const personalised = personal(tagIndex.current(), weights, listed, filters, limit)
      if (personalised.results.length > 0) return personalised
    }
    return topScored(listed, filters, limit)
  })

  return {
    /** Up to `limit` anime the user has not listed, best first. */
    recommend: (entries: RatedEntry[], filters: Filters, limit: number): Recommendations => read.deferred(entries, filters, limit)
  }
}

export type Recommender = ReturnType<typeof createRecommender>
