// Full details of an entry, and the entries most similar to it.
//
// Similarity of B to A: weighted Jaccard of their tags, each tag weighing its
// idf (ln(entries / entries with the tag), tag_weights): rare tags count, tags
// nearly every entry has barely do. sim = w(A∩B) / w(A∪B), in 0..1.
// Entries that AOD lists as related to A, or that list A (sequels, prequels,
// side stories), carry that as their own signal: score = 0.5 + sim / 2, so they
// rank above unrelated entries of equal or lower tag similarity, and by their
// tags among themselves. An unrelated entry with no weighted tag in common is
// not similar at all (left out).
//
// Candidates come from A's rarest tags (at most CANDIDATE_POSTINGS index entries
// read), so the cost does not grow with the catalogue; the best POOL of them,
// plus every related entry, are then scored exactly.
import type { Db } from './db.js'
import { seedColumns, toSeed, type SeedAnime } from './repository.js'
import { seedLoader } from './search.js'
import { sitesOf, type Sites } from './sites.js'
import { reader } from './snapshot.js'

const CANDIDATE_POSTINGS = 3_000
const POOL = 100
const RELATED_SIGNAL = 0.5

export interface RelatedAnime { id: number | null, title: string | null, url: string }

export interface AnimeDetails extends SeedAnime {
  sources: string[]
  sites: Sites
  synonyms: string[]
  season: string | null
  studios: string[]
  producers: string[]
  score: number | null
  score_mean: number | null
  score_median: number | null
  episode_duration: number | null
  thumbnail: string
  related: RelatedAnime[]
}

export interface SimilarAnime { anime: SeedAnime, score: number, shared_tags: string[], related: boolean }

const seasonNames: Record<string, string> = { SPRING: 'Spring', SUMMER: 'Summer', FALL: 'Fall', WINTER: 'Winter' }

type SeedRow = Parameters<typeof toSeed>[0]

export function createSimilar (db: Db) {
  const detailsRow = db.prepare(`SELECT ${seedColumns}, sources, synonyms, season, studios, producers, score, score_mean, score_median,
    duration, thumbnail, related FROM anime WHERE id = ? AND active = 1`)
  const relatedRows = db.prepare(`
    SELECT j.value AS url, b.id AS id, b.title AS title
    FROM json_each(?) j
    LEFT JOIN source_ids s ON s.url = j.value
    LEFT JOIN anime b ON b.id = s.anime_id AND b.active = 1
    ORDER BY j.key`)
  const exists = db.prepare('SELECT 1 FROM anime WHERE id = ? AND active = 1').pluck()
  const ownTags = db.prepare(`
    SELECT t.tag AS tag, w.weight AS weight, g.count AS count
    FROM anime_tags t JOIN tag_weights w ON w.name = t.tag JOIN tags g ON g.name = t.tag
    WHERE t.anime_id = ? ORDER BY g.count, t.tag`)
  const candidates = db.prepare(`
    WITH cand(id) AS (
      SELECT t.anime_id FROM anime_tags t JOIN tag_weights w ON w.name = t.tag
      WHERE t.tag IN (SELECT value FROM json_each(:generators)) AND t.anime_id <> :id
      GROUP BY t.anime_id ORDER BY sum(w.weight) DESC, t.anime_id LIMIT :pool
    ),
    -- related both ways: the URLs it lists, and the entries listing one of its URLs
    rel(id) AS (
      SELECT s.anime_id FROM anime a, json_each(a.related) j JOIN source_ids s ON s.url = j.value WHERE a.id = :id
      UNION SELECT r.anime_id FROM source_ids m JOIN anime_related_urls r ON r.url = m.url WHERE m.anime_id = :id
    ),
    pool(id, related) AS (
      SELECT id, max(related) FROM (
        SELECT id, 0 AS related FROM cand
        UNION ALL SELECT rel.id, 1 FROM rel JOIN anime_facets b ON b.id = rel.id WHERE rel.id <> :id
      ) GROUP BY id
    )
    SELECT p.id AS id, p.related AS related, coalesce(aw.weight, 0) AS weight,
      (SELECT json_group_array(s.tag) FROM anime_tags s JOIN anime_tags m ON m.anime_id = :id AND m.tag = s.tag
       WHERE s.anime_id = p.id) AS shared
    FROM pool p LEFT JOIN anime_weights aw ON aw.anime_id = p.id`)
  const seeds = seedLoader(db)
  const read = reader(db)

  return {
    details: read((id: number): AnimeDetails | undefined => {
      const row = detailsRow.get(id) as (SeedRow & Record<string, unknown>) | undefined
      if (row === undefined) return undefined
      const list = (column: string): string[] => JSON.parse(row[column] as string) as string[]
      const sources = list('sources')
      const related: RelatedAnime[] = []
      const seen = new Set<number>()
      for (const r of relatedRows.all(row.related) as Array<{ url: string, id: number | null, title: string | null }>) {
        if (r.id === id) continue
        if (r.id !== null) {
          if (seen.has(r.id)) continue
          seen.add(r.id)
        }
        related.push({ id: r.id, title: r.title, url: r.url })
      }
      return {
        ...toSeed(row),
        sources,
        sites: sitesOf(sources),
        synonyms: list('synonyms'),
        season: row.season === null ? null : seasonNames[row.season as string] ?? null,
        studios: list('studios'),
        producers: list('producers'),
        score: row.score as number | null,
        score_mean: row.score_mean as number | null,
        score_median: row.score_median as number | null,
        episode_duration: row.duration as number | null,
        thumbnail: row.thumbnail as string,
        related
      }
    }),

    /** The `limit` entries most similar to `id`, best first; undefined when `id` is not served. */
    similar: read((id: number, limit: number): SimilarAnime[] | undefined => {
      if (exists.get(id) === undefined) return undefined
      const mine = ownTags.all(id) as Array<{ tag: string, weight: number, count: number }>
      const weights = new Map(mine.map((t) => [t.tag, t.weight]))
      const ownWeight = mine.reduce((sum, t) => sum + t.weight, 0)
      // Rarest tags first, until the postings budget is spent.
      const generators: string[] = []
      let postings = 0
      for (const t of mine) {
        if (t.weight <= 0) break
        if (generators.length > 0 && postings + t.count > CANDIDATE_POSTINGS) break
        generators.push(t.tag)
        postings += t.count
      }
      const rows = candidates.all({ id, generators: JSON.stringify(generators), pool: POOL }) as Array<{ id: number, related: number, weight: number, shared: string }>
      const scored = rows.map((r) => {
        const shared = (JSON.parse(r.shared) as string[])
          .sort((a, b) => (weights.get(b) ?? 0) - (weights.get(a) ?? 0) || (a < b ? -1 : a > b ? 1 : 0))
        const sharedWeight = shared.reduce((sum, tag) => sum + (weights.get(tag) ?? 0), 0)
        const union = ownWeight + r.weight - sharedWeight
        const sim = union > 0 ? sharedWeight / union : 0
        const related = r.related === 1
        const score = related ? RELATED_SIGNAL + (1 - RELATED_SIGNAL) * sim : sim
        return { id: r.id, score, shared, related }
      }).filter((s) => s.related || s.score > 0)
        .sort((a, b) => b.score - a.score || a.id - b.id)
        .slice(0, limit)
      const anime = new Map(seeds(scored.map((s) => s.id)).map((seed) => [seed.id, seed]))
      return scored.flatMap((s) => {
        const seed = anime.get(s.id)
        return seed === undefined ? [] : [{ anime: seed, score: Math.round(s.score * 1e4) / 1e4, shared_tags: s.shared, related: s.related }]
      })
    })
  }
}

export type Similar = ReturnType<typeof createSimilar>
