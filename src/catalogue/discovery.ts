// Discovery over the served catalogue, the catalogue's reader API for it:
// search with filters, orderings and pages, filtered random, tag counts,
// details, similar entries, recommendations' scoring, and the lists /v4 builds
// from the whole catalogue. The in-memory index (engine/) decides which
// entries and in what order; SQLite, the store of record, gives the entries
// themselves. Every answer comes from one catalogue version: the index's, read
// in a transaction that checks the file is still at it.
import type { AnswerStore } from './answers.js'
import type { Db } from './db.js'
import { type Engine } from './engine/engine.js'
import { prepareSearch, randomId, similarIds } from './engine/query.js'
import { recommendIds, topScoredIds } from './engine/recommend.js'
import { createIndexSource } from './engine/source.js'
import { has } from './engine/bits.js'
import { createTurns, foreground } from './engine/turns.js'
import { createFullEntries, type CompanyCount } from './full-entries.js'
import { seedColumns, toSeed, type SeedAnime } from './repository.js'
import type { Filters, SearchRequest } from './search.js'
import { sitesOf, type SiteName, type Sites } from './sites.js'
import { NoSuchPage, pageIn, type PageRequest } from '../paging.js'

export interface SearchPage { count: number, page: number, pages: number, results: SeedAnime[] }

/** An entry's answer as sent (see answerSql in answers.ts): bytes held in memory, or text read from the file. */
export type EntryJson = Uint8Array | string

/** A page of a search with each entry as its answer's JSON. */
export interface SearchAnswers { count: number, page: number, pages: number, results: EntryJson[] }

/** Similar entries with each entry as its answer's JSON. */
export interface SimilarAnswer { anime: EntryJson, score: number, shared_tags: string[], related: boolean }

/** A season of first airing with how many served entries it has. */
export interface SeasonCount {
  year: number
  /** Winter, Spring, Summer or Fall, as the details of an entry show it. */
  season: string
  count: number
}

export interface SeasonsPage { count: number, page: number, pages: number, results: SeasonCount[] }

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

export interface Because {
  anime: Array<{ id: number, title: string, related: boolean }>
  tags: string[]
}

export interface Recommendation<T = SeedAnime> { anime: T, score: number, because: Because }

export interface RecommendationsOf<T> {
  /** `ratings`: from the user's lists; `top_scored`: the lists gave no signal, the catalogue's best-scored entries. */
  basis: 'ratings' | 'top_scored'
  results: Array<Recommendation<T>>
}

export type Recommendations = RecommendationsOf<SeedAnime>

export interface TagCount { name: string, count: number }

const seasonNames: Record<string, string> = { SPRING: 'Spring', SUMMER: 'Summer', FALL: 'Fall', WINTER: 'Winter' }
/** Within a year, the latest season first. */
const seasonRank: Record<string, number> = { FALL: 0, SUMMER: 1, SPRING: 2, WINTER: 3 }

type SeedRow = Parameters<typeof toSeed>[0]

/** Served entries by id, seed-shaped, in the order of `ids` (ids not served left out). */
export function seedLoader (db: Db): (ids: number[]) => SeedAnime[] {
  const rows = db.prepare(`SELECT ${seedColumns} FROM anime WHERE id IN (SELECT value FROM json_each(?)) AND active = 1`)
  return (ids) => {
    if (ids.length === 0) return []
    const byId = new Map((rows.all(JSON.stringify(ids)) as SeedRow[]).map((row) => [row.id, row]))
    return ids.flatMap((id) => {
      const row = byId.get(id)
      return row === undefined ? [] : [toSeed(row)]
    })
  }
}

export interface DiscoveryOptions {
  /** The served version, read at most once per turn (Catalogue.version). */
  version: () => string
  /**
   * The served version as answers are labelled with it (recentVersion: at most
   * a few milliseconds old; default `version`): what searches answered from
   * the held answers take the index of, without a read of the file each.
   */
  recentVersion?: () => string
  onError?: (error: unknown) => void
  /** Catalogues above this many entries are indexed in a worker thread. */
  inlineBuildMax?: number
  /** The index build's script (IndexSourceOptions.buildScript). */
  indexBuildScript?: URL
  /** The entry answers held in memory: pages of entries are made of them when they are of the index's version. */
  answers?: AnswerStore
}

export function createDiscovery (db: Db, options: DiscoveryOptions) {
  const servedCount = db.prepare('SELECT coalesce(max(pos), 0) FROM anime').pluck()
  const versionNow = db.prepare("SELECT value FROM meta WHERE key = 'version'").pluck()
  const source = createIndexSource(db, {
    version: options.version,
    recentVersion: options.recentVersion,
    served: () => servedCount.get() as number,
    onError: options.onError,
    inlineMax: options.inlineBuildMax,
    buildScript: options.indexBuildScript
  })
  const seeds = seedLoader(db)
  const storedAnswers = db.prepare('SELECT id, answer FROM entry_answers WHERE id IN (SELECT value FROM json_each(?))').raw()
  /** The answers of `ids` as the file holds them, in the order of `ids` (null: not served). */
  const readAnswers = (ids: number[]): Array<EntryJson | null> => {
    if (ids.length === 0) return []
    const byId = new Map(storedAnswers.all(JSON.stringify(ids)) as Array<[number, string]>)
    return ids.map((id) => byId.get(id) ?? null)
  }
  const inRead = db.transaction((fn: () => unknown) => fn())
  /** One search (or similar) per turn of the event loop (see createTurns). */
  const turn = createTurns()
  const full = createFullEntries(db)
  const companyNames = db.prepare('SELECT id, name FROM companies WHERE id IN (SELECT value FROM json_each(?))')
  const detailsRow = db.prepare(`SELECT ${seedColumns}, sources, synonyms, season, studios, producers, score, score_mean, score_median,
    duration, thumbnail, related FROM anime WHERE id = ? AND active = 1`)
  const relatedRows = db.prepare(`
    SELECT j.value AS url, b.id AS id, b.title AS title
    FROM json_each(?) j
    LEFT JOIN source_ids s ON s.url = j.value
    LEFT JOIN anime b ON b.id = s.anime_id AND b.active = 1
    ORDER BY j.key`)

  /**
   * `fn` over the index of the served version, in a read transaction that
   * finds the file at that version: the entries it reads belong to the index's
   * answer. An import committing in between means the next version's index.
   */
  async function withIndex<T> (fn: (engine: Engine) => T): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const engine = await source.current()
      const result = inRead.deferred(() => String(versionNow.get() ?? 0) === String(engine.version) || attempt >= 3 ? { value: fn(engine) } : null) as { value: T } | null
      if (result !== null) return result.value
    }
  }

  /**
   * `fn` over the index of the served version, given the entries' answers of
   * that version: from memory when the answer store holds it (no read of the
   * file at all), else read in withIndex's transaction. At its own turn of the
   * event loop (`turn`): searches and similar take the loop for a while each.
   */
  async function withAnswers<T> (fn: (engine: Engine, answersOf: (ids: number[]) => Array<EntryJson | null>) => T): Promise<T> {
    await turn()
    // The held answers are of one version with the index: the version as labelled (source.recent) is enough here.
    const engine = await source.recent()
    const version = String(engine.version)
    const store = options.answers
    if (store !== undefined && store.held() === version) {
      return fn(engine, (ids) => ids.map((id) => store.get(version, id) ?? null))
    }
    return await withIndex((engine) => fn(engine, readAnswers))
  }

  /** The answers of `ids` of the index's version, by id: held in memory when the store holds that version, else read from the file. */
  const answersById = (engine: Engine, ids: number[]): Map<number, EntryJson> => {
    const version = String(engine.version)
    const store = options.answers
    const found = store !== undefined && store.held() === version ? ids.map((id) => store.get(version, id) ?? null) : readAnswers(ids)
    const byId = new Map<number, EntryJson>()
    ids.forEach((id, i) => { const answer = found[i]; if (answer !== null && answer !== undefined) byId.set(id, answer) })
    return byId
  }

  /**
   * Up to `limit` anime not in `listed`, best first, from how much each weighted
   * anime pulls (positive) or pushes (negative); the catalogue's best-scored
   * entries when that gives nothing. Long lists are scored in slices. Each
   * entry as `load` gives it (ids it leaves out are left out).
   */
  async function recommendations<T> (weights: Map<number, number>, listed: Set<number>, filters: Filters, limit: number,
    load: (engine: Engine, ids: number[]) => Map<number, T>): Promise<RecommendationsOf<T>> {
    const engine = await source.current()
    if ([...weights.values()].some((w) => w > 0)) {
      const found = await recommendIds(engine, weights, listed, filters, limit)
      if (found.length > 0) {
        const anime = load(engine, found.map((r) => r.id))
        const results = found.flatMap((r) => {
          const entry = anime.get(r.id)
          return entry === undefined ? [] : [{ anime: entry, score: r.score, because: r.because }]
        })
        if (results.length > 0) return { basis: 'ratings', results }
      }
    }
    const best = topScoredIds(engine, listed, filters, limit)
    const anime = load(engine, best.map((r) => r.id))
    return {
      basis: 'top_scored',
      results: best.flatMap((r) => {
        const entry = anime.get(r.id)
        return entry === undefined ? [] : [{ anime: entry, score: r.score, because: { anime: [], tags: [] } }]
      })
    }
  }
  const seedsById = (_engine: Engine, ids: number[]): Map<number, SeedAnime> => new Map(seeds(ids).map((seed) => [seed.id, seed]))

  return {
    /** Starts indexing the served version if the index is not of it (at start, and when an import switched the catalogue). */
    refreshIndex: source.refresh,

    /** See IndexSource.holdDecode: at start, until the service has answered (decodeIndex) or a client asks for the index. */
    holdIndexDecode: source.holdDecode,
    decodeIndex: source.decode,

    /** Ends what runs beside the service for the index (a build in a child process). */
    stop: source.stop,

    /** Resolves once the index of the served version is built. */
    ready: async (): Promise<void> => { await source.current() },

    /** One page of the entries matching the request; NoSuchPage past the end (page 1 always exists). */
    search: (request: SearchRequest, page: PageRequest): Promise<SearchPage | NoSuchPage> => withIndex((engine) => searchPage(engine, request, page, seeds)),

    /** search's page with each entry as its answer's JSON (what /anime/search sends). */
    searchAnswers: (request: SearchRequest, page: PageRequest): Promise<SearchAnswers | NoSuchPage> => withAnswers((engine, answersOf) =>
      searchPage(engine, request, page, (ids) => answersOf(ids).filter((a) => a !== null))),

    /** The ids of entries offset … offset + size - 1 of the matches (none past the end), and how many match: the index alone, no read of the file. */
    searchIds: async (request: SearchRequest, offset: number, size: number): Promise<{ count: number, ids: number[] }> => {
      await turn()
      const plan = prepareSearch(await source.recent(), request)
      return { count: plan.count, ids: plan.ids(offset, size) }
    },

    /** How many entries match. */
    count: (request: SearchRequest): Promise<number> => withIndex((engine) => prepareSearch(engine, request).count),

    /** A uniformly random entry among those matching the filters. */
    randomMatching: (filters: Filters, random: () => number = Math.random): Promise<SeedAnime | undefined> => withIndex((engine) => {
      const id = randomId(engine, filters, random)
      return id === undefined ? undefined : seeds([id])[0]
    }),

    /** Tags by use, most used first; `prefix` matches the start of the name, ASCII case-insensitively. */
    tags: (prefix: string, limit: number, offset: number): Promise<{ count: number, results: TagCount[] }> =>
      withIndex((engine) => engine.tagPage(prefix, limit, offset)),

    /** Everything the catalogue holds of a served entry, related entries resolved to ids. */
    details: (id: number): AnimeDetails | undefined => inRead.deferred(() => {
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
    }) as AnimeDetails | undefined,

    /** The `limit` entries most similar to `id`, best first; undefined when `id` is not served. */
    similar: (id: number, limit: number): Promise<SimilarAnime[] | undefined> => withIndex((engine) => {
      const found = similarIds(engine, id, limit)
      if (found === undefined) return undefined
      const anime = new Map(seeds(found.map((s) => s.id)).map((seed) => [seed.id, seed]))
      return found.flatMap((s) => {
        const seed = anime.get(s.id)
        return seed === undefined ? [] : [{ anime: seed, score: s.score, shared_tags: s.sharedTags, related: s.related }]
      })
    }),

    /** similar's entries with each entry as its answer's JSON (what /anime/entry/:id/similar sends). */
    similarAnswers: (id: number, limit: number): Promise<SimilarAnswer[] | undefined> => withAnswers((engine, answersOf) => {
      const found = similarIds(engine, id, limit)
      if (found === undefined) return undefined
      const answers = answersOf(found.map((s) => s.id))
      return found.flatMap((s, i) => {
        const anime = answers[i]
        return anime === null || anime === undefined ? [] : [{ anime, score: s.score, shared_tags: s.sharedTags, related: s.related }]
      })
    }),

    /** recommendations(), counted as waited for from start to end: its slices yield to other requests, not to the background loads (see Foreground). */
    recommend: (weights: Map<number, number>, listed: Set<number>, filters: Filters, limit: number): Promise<Recommendations> =>
      foreground.during(() => recommendations(weights, listed, filters, limit, seedsById)),

    /** recommend's answer with each entry as its answer's JSON (what /account/recommendations sends). */
    recommendAnswers: (weights: Map<number, number>, listed: Set<number>, filters: Filters, limit: number): Promise<RecommendationsOf<EntryJson>> =>
      foreground.during(() => recommendations(weights, listed, filters, limit, answersById)),

    fullEntries: full.fullEntries,
    fullEntryRange: full.fullEntryRange,

    /** Every company (studio or producer) with how many served entries with an id on `site` it made, by id; none: left out. */
    companyCounts: (site: SiteName): Promise<CompanyCount[]> => withIndex((engine) => {
      const { siteNames, siteDocStart, siteDocs, companyIds, companyDocStart, companyDocs } = engine.data
      const s = siteNames.indexOf(site)
      if (s < 0) return []
      const onSite = new Uint32Array((engine.n + 31) >>> 5)
      for (let i = siteDocStart[s]!; i < siteDocStart[s + 1]!; i++) onSite[siteDocs[i]! >>> 5]! |= 1 << (siteDocs[i]! & 31)
      const counts: Array<{ id: number, count: number }> = []
      companyIds.forEach((id, c) => {
        let count = 0
        for (let i = companyDocStart[c]!; i < companyDocStart[c + 1]!; i++) if (has(onSite, companyDocs[i]!)) count++
        if (count > 0) counts.push({ id, count })
      })
      const names = new Map((companyNames.all(JSON.stringify(counts.map((c) => c.id))) as Array<{ id: number, name: string }>).map((r) => [r.id, r.name]))
      return counts.map((c) => ({ id: c.id, name: names.get(c.id) ?? '', count: c.count }))
    }),

    /** The seasons served entries (with an id on `site`, when given) first aired in, with how many, newest first. */
    seasonCounts: (site?: SiteName): Promise<SeasonCount[]> => withIndex((engine) => seasonsOf(engine, site)),

    /** One page of every season with served entries, newest first; NoSuchPage past the end. */
    seasons: (page: PageRequest): Promise<SeasonsPage | NoSuchPage> => withIndex((engine) => {
      const all = seasonsOf(engine)
      const at = pageIn(page, all.length)
      if (at instanceof NoSuchPage) return at
      return { count: all.length, page: at.page, pages: at.pages, results: all.slice(at.offset, at.offset + page.pageSize) }
    })
  }
}

/** Page `page` of the entries matching `request`, loaded by `load` (which leaves out what is not served); NoSuchPage past the end. */
function searchPage<T> (engine: Engine, request: SearchRequest, page: PageRequest, load: (ids: number[]) => T[]): { count: number, page: number, pages: number, results: T[] } | NoSuchPage {
  const plan = prepareSearch(engine, request)
  const at = pageIn(page, plan.count)
  if (at instanceof NoSuchPage) return at
  return { count: plan.count, page: at.page, pages: at.pages, results: load(plan.ids(at.offset, page.pageSize)) }
}

/** The (year, season) of the served entries (those with an id on `site`, when given), with how many, newest first; entries of unknown year or season are in none. */
function seasonsOf (engine: Engine, site?: SiteName): SeasonCount[] {
  const { siteNames, siteDocStart, siteDocs, year, season, seasonNames: names } = engine.data
  const counts = new Map<number, SeasonCount>()
  const count = (d: number): void => {
    if (year[d] === 0 || season[d] === 0) return
    const key = year[d]! * 256 + season[d]!
    const found = counts.get(key)
    if (found === undefined) counts.set(key, { year: year[d]!, season: names[season[d]!]!, count: 1 })
    else found.count++
  }
  if (site === undefined) {
    for (let d = 0; d < engine.n; d++) count(d)
  } else {
    const s = siteNames.indexOf(site)
    if (s >= 0) for (let i = siteDocStart[s]!; i < siteDocStart[s + 1]!; i++) count(siteDocs[i]!)
  }
  return [...counts.values()]
    .sort((a, b) => b.year - a.year || (seasonRank[a.season] ?? 4) - (seasonRank[b.season] ?? 4))
    .map((c) => ({ ...c, season: seasonNames[c.season] ?? c.season }))
}

export type Discovery = ReturnType<typeof createDiscovery>
