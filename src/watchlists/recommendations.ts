// Personal recommendations from a user's lists, computed over the catalogue's
// connection (the user's entries come in as ids and weights: the accounts file
// and the catalogue stay separate files).
//
// 1. Each listed anime gets a weight: a rating counts around the user's own
//    centre (their mean rating, held within 5..7.5; 5.5 with fewer than three
//    ratings), (rating - centre) / 4.5, so high ratings pull and low ones push;
//    unrated completed entries pull a little (0.5), watching ones less (0.25),
//    dropped ones push (-0.75, and at least -0.5 when rated). Planned and paused
//    entries carry no signal (but are never recommended back).
// 2. The user's tag preferences: for each tag, the sum of the weights of the
//    listed anime having it (each anime's share divided by √its tag count),
//    times the tag's idf (tag_weights: rare tags weigh more).
// 3. Candidates come from the strongest liked tags (at most CANDIDATE_POSTINGS
//    index entries read, so the cost does not grow with the catalogue), with the
//    search filters and without listed anime, best POOL by a first score in SQL;
//    plus every served anime AOD relates to a liked one, either way (sequels,
//    prequels, side stories of what the user completed or rated well; resolved
//    through source_ids from relatedAnime URLs, as similar.ts does).
// 4. The pool is scored exactly with every preference (disliked tags included):
//    tag score = Σ preference·idf over the candidate's tags / √(its idf sum),
//    relative to the pool's best, so 0..1; score = tag score / 2, and related
//    entries add up to 0.5 by the liked anime's weight, so they rank high.
import type { Statement } from 'better-sqlite3'
import type { Db } from '../catalogue/db.js'
import { seedColumns, toSeed, type SeedAnime } from '../catalogue/repository.js'
import type { Filters } from '../catalogue/search.js'
import type { RatedEntry } from './repository.js'

const CANDIDATE_POSTINGS = 30_000
const POOL = 300
const RELATED_SIGNAL = 0.5
const MAX_BECAUSE_TAGS = 5
const MAX_BECAUSE_ANIME = 3
/** Liked anime whose tags are compared with each recommendation for `because`. */
const MAX_EXPLAINING = 500

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

export type FilterSql = (filters: Filters) => { conditions: string[], params: unknown[] }

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

type SeedRow = Parameters<typeof toSeed>[0]

export function createRecommender (db: Db, filterSql: FilterSql) {
  const preferences = db.prepare(`
    WITH u(id, w) AS (SELECT value ->> 0, value ->> 1 FROM json_each(?)),
    n(id, cnt) AS (SELECT anime_id, count(*) FROM anime_tags WHERE anime_id IN (SELECT id FROM u) GROUP BY anime_id)
    SELECT t.tag AS tag, sum(u.w / sqrt(n.cnt)) * tw.weight AS pref, tw.weight AS idf, g.count AS count
    FROM u JOIN n ON n.id = u.id JOIN anime_tags t ON t.anime_id = u.id
    JOIN tag_weights tw ON tw.name = t.tag JOIN tags g ON g.name = t.tag
    GROUP BY t.tag`)
  // Related both ways, as similar.ts: the URLs a liked anime lists, and the entries listing one of its URLs.
  const relations = db.prepare(`
    WITH liked(id) AS (SELECT value FROM json_each(?))
    SELECT l.id AS source, s.anime_id AS id FROM liked l JOIN anime a ON a.id = l.id, json_each(a.related) j JOIN source_ids s ON s.url = j.value
    UNION
    SELECT l.id, r.anime_id FROM liked l JOIN source_ids m ON m.anime_id = l.id JOIN anime_related_urls r ON r.url = m.url`)
  const poolTags = db.prepare(`SELECT t.anime_id AS id, t.tag AS tag, coalesce(aw.weight, 0) AS norm
    FROM anime_tags t LEFT JOIN anime_weights aw ON aw.anime_id = t.anime_id WHERE t.anime_id IN (SELECT value FROM json_each(?))`)
  const tagsOf = db.prepare('SELECT anime_id AS id, tag FROM anime_tags WHERE anime_id IN (SELECT value FROM json_each(?))')
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

  function topScored (listed: number[], filters: Filters, limit: number): Recommendations {
    const { conditions, params } = filterSql(filters)
    const rows = prepared(`SELECT ${seedColumns.split(', ').map((c) => `a.${c}`).join(', ')}, a.score AS catalogue_score FROM anime a
      WHERE ${conditions.join(' AND ')} AND a.id NOT IN (SELECT value FROM json_each(?))
      ORDER BY a.score DESC NULLS LAST, a.id LIMIT ?`).all(...params, JSON.stringify(listed), limit) as Array<SeedRow & { catalogue_score: number | null }>
    return {
      basis: 'top_scored',
      results: rows.map((row) => ({ anime: toSeed(row), score: row.catalogue_score ?? 0, because: { anime: [], tags: [] } }))
    }
  }

  function personal (weights: Map<number, number>, listed: number[], filters: Filters, limit: number): Recommendations {
    const prefs = preferences.all(JSON.stringify([...weights])) as Array<{ tag: string, pref: number, idf: number, count: number }>
    const pref = new Map(prefs.map((p) => [p.tag, p]))
    // Generators: the strongest liked tags, until the postings budget is spent.
    const generators: Array<[string, number]> = []
    let postings = 0
    for (const p of prefs.filter((p) => p.pref > 0).sort((a, b) => b.pref * b.idf - a.pref * a.idf)) {
      if (generators.length > 0 && postings + p.count > CANDIDATE_POSTINGS) continue
      generators.push([p.tag, p.pref * p.idf])
      postings += p.count
    }
    const liked = [...weights].filter(([, w]) => w > 0).sort((a, b) => b[1] - a[1])
    const relatedTo = new Map<number, Array<{ source: number, w: number }>>()
    for (const r of relations.all(JSON.stringify(liked.map(([id]) => id))) as Array<{ source: number, id: number }>) {
      if (r.source === r.id) continue
      const sources = relatedTo.get(r.id) ?? []
      sources.push({ source: r.source, w: weights.get(r.source)! })
      relatedTo.set(r.id, sources)
    }
    const { conditions, params } = filterSql(filters)
    const where = `${conditions.join(' AND ')} AND a.id NOT IN (SELECT value FROM json_each(?))`
    const listedJson = JSON.stringify(listed)
    const pool = prepared(`
      WITH g(tag, pref) AS (SELECT value ->> 0, value ->> 1 FROM json_each(?)),
      c(id, score) AS (SELECT t.anime_id, sum(g.pref) FROM g JOIN anime_tags t ON t.tag = g.tag GROUP BY t.anime_id),
      top(id) AS (SELECT c.id FROM c JOIN anime a ON a.id = c.id WHERE ${where} ORDER BY c.score DESC, c.id LIMIT ?)
      SELECT id FROM top
      UNION SELECT a.id FROM anime a WHERE a.id IN (SELECT value FROM json_each(?)) AND ${where}`)
      .pluck().all(JSON.stringify(generators), ...params, listedJson, POOL, JSON.stringify([...relatedTo.keys()]), ...params, listedJson) as number[]

    // Exact scores of the pool with every preference.
    const candidates = new Map<number, { tag: number, norm: number, contributions: Array<[string, number]> }>()
    for (const row of poolTags.all(JSON.stringify(pool)) as Array<{ id: number, tag: string, norm: number }>) {
      const c = candidates.get(row.id) ?? { tag: 0, norm: row.norm, contributions: [] }
      const p = pref.get(row.tag)
      if (p !== undefined) {
        c.tag += p.pref * p.idf
        c.contributions.push([row.tag, p.pref * p.idf])
      }
      candidates.set(row.id, c)
    }
    for (const id of pool) if (!candidates.has(id)) candidates.set(id, { tag: 0, norm: 0, contributions: [] })
    const tagScore = (c: { tag: number, norm: number }) => c.norm > 0 ? c.tag / Math.sqrt(c.norm) : 0
    const best = Math.max(0, ...[...candidates.values()].map(tagScore))
    const scored = [...candidates].map(([id, c]) => {
      const sources = (relatedTo.get(id) ?? []).sort((a, b) => b.w - a.w)
      const relative = best > 0 ? Math.max(0, tagScore(c)) / best : 0
      const relation = sources.length > 0 ? RELATED_SIGNAL * Math.min(1, 2 * sources[0]!.w) : 0
      return { id, c, sources, score: relative / 2 + relation, raw: tagScore(c) }
    }).filter((s) => s.sources.length > 0 || s.raw > 0)
      .sort((a, b) => b.score - a.score || a.id - b.id)
      .slice(0, limit)

    // because: the tags that pulled most, and the liked anime related to it or sharing the most of them.
    const explaining = liked.slice(0, MAX_EXPLAINING).map(([id]) => id)
    const likedTags = new Map<number, Set<string>>()
    for (const row of tagsOf.all(JSON.stringify(explaining)) as Array<{ id: number, tag: string }>) {
      const set = likedTags.get(row.id) ?? new Set()
      set.add(row.tag)
      likedTags.set(row.id, set)
    }
    const becauses = scored.map((s) => {
      const tags = s.c.contributions.filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, MAX_BECAUSE_TAGS).map(([tag]) => tag)
      const named: Array<{ id: number, related: boolean }> = s.sources.slice(0, MAX_BECAUSE_ANIME).map((r) => ({ id: r.source, related: true }))
      if (named.length < MAX_BECAUSE_ANIME && tags.length > 0) {
        const sharing = explaining
          .filter((id) => !named.some((n) => n.id === id))
          .map((id) => ({ id, shared: tags.reduce((sum, tag) => sum + (likedTags.get(id)?.has(tag) === true ? pref.get(tag)!.idf : 0), 0) * weights.get(id)! }))
          .filter((x) => x.shared > 0)
          .sort((a, b) => b.shared - a.shared || a.id - b.id)
        named.push(...sharing.slice(0, MAX_BECAUSE_ANIME - named.length).map((x) => ({ id: x.id, related: false })))
      }
      return { tags, named }
    })
    const titleOf = new Map((titles.all(JSON.stringify(becauses.flatMap((b) => b.named.map((n) => n.id)))) as Array<{ id: number, title: string }>).map((r) => [r.id, r.title]))
    const seeds = new Map((seedRows.all(JSON.stringify(scored.map((s) => s.id))) as SeedRow[]).map((row) => [row.id, toSeed(row)]))
    return {
      basis: 'ratings',
      results: scored.flatMap((s, i) => {
        const anime = seeds.get(s.id)
        if (anime === undefined) return []
        const b = becauses[i]!
        return [{
          anime,
          score: round(s.score),
          because: { anime: b.named.map((n) => ({ id: n.id, title: titleOf.get(n.id) ?? '', related: n.related })), tags: b.tags }
        }]
      })
    }
  }

  const read = db.transaction((entries: RatedEntry[], filters: Filters, limit: number): Recommendations => {
    const listed = entries.map((e) => e.animeId)
    const weights = entryWeights(entries)
    const personalised = [...weights.values()].some((w) => w > 0) ? personal(weights, listed, filters, limit) : undefined
    return personalised !== undefined && personalised.results.length > 0 ? personalised : topScored(listed, filters, limit)
  })

  return {
    /** Up to `limit` anime the user has not listed, best first. */
    recommend: (entries: RatedEntry[], filters: Filters, limit: number): Recommendations => read.deferred(entries, filters, limit)
  }
}

export type Recommender = ReturnType<typeof createRecommender>
