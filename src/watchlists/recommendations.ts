// Personal recommendations from a user's lists. The user's entries come in as
// ids, statuses and ratings (the accounts file and the catalogue stay separate
// files); here each listed anime gets a weight, and the catalogue scores every
// served anime against those weights (src/catalogue/engine/recommend.ts: tag
// preferences weighted by idf, AOD's relations to liked anime first, the
// search filters).
//
// A rating counts around the user's own centre (their mean rating, held
// within 5..7.5; 5.5 with fewer than three ratings), (rating - centre) / 4.5,
// so high ratings pull and low ones push; unrated completed entries pull a
// little (0.5), watching ones less (0.25), dropped ones push (-0.75, and at
// most -0.5 when rated). Planned and paused entries carry no signal (but are
// never recommended back).
import type { Discovery, EntryJson, Recommendations, RecommendationsOf } from '../catalogue/discovery.js'
import type { Filters } from '../catalogue/search.js'
import type { RatedEntry, WatchlistsRepository } from './repository.js'

export type { Because, EntryJson, Recommendation, Recommendations, RecommendationsOf } from '../catalogue/discovery.js'

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

/**
 * Recommendations let in at once (see admitted): the one scoring and the next,
 * whose list is read while the first scores (a PostgreSQL round trip overlaps it).
 */
const ADMITTED = 2

/**
 * Runs `work` once fewer than `limit` runs of it are under way. The catalogue
 * scores one recommendation at a time (src/catalogue/engine/recommend.ts): a
 * list read before its turn waited through every other caller's scoring and
 * outlived the young generation's collections, so ten callers at once filled
 * the old generation with lists that were garbage a moment later, kept until
 * its next full collection.
 */
function admitted (limit: number): <T>(work: () => Promise<T>) => Promise<T> {
  let running = 0
  const waiting: Array<() => void> = []
  return async (work) => {
    if (running < limit) running++
    else await new Promise<void>((resolve) => waiting.push(resolve))
    try {
      return await work()
    } finally {
      // The place goes to the next waiting, or is given back.
      const next = waiting.shift()
      if (next !== undefined) next()
      else running--
    }
  }
}

export function createRecommender (catalogue: Pick<Discovery, 'recommend' | 'recommendAnswers'>, lists: Pick<WatchlistsRepository, 'ratedEntries'>) {
  const inTurn = admitted(ADMITTED)
  return {
    /** Up to `limit` anime the user has not listed, best first. */
    recommend: (entries: RatedEntry[], filters: Filters, limit: number): Promise<Recommendations> =>
      catalogue.recommend(entryWeights(entries), new Set(entries.map((e) => e.animeId)), filters, limit),
    /** recommend's answer with each anime as its entry answer's JSON (what the route sends). */
    recommendAnswers: (entries: RatedEntry[], filters: Filters, limit: number): Promise<RecommendationsOf<EntryJson>> =>
      catalogue.recommendAnswers(entryWeights(entries), new Set(entries.map((e) => e.animeId)), filters, limit),
    /** recommendAnswers for user `userId`'s entries over all their lists, read once it is their turn (see admitted). */
    recommendAnswersFor: (userId: number, filters: Filters, limit: number): Promise<RecommendationsOf<EntryJson>> => inTurn(async () => {
      const entries = await lists.ratedEntries(userId)
      return await catalogue.recommendAnswers(entryWeights(entries), new Set(entries.map((e) => e.animeId)), filters, limit)
    })
  }
}

export type Recommender = ReturnType<typeof createRecommender>
