// Discovery over the served catalogue: text search with filters and orderings,
// filtered random, tag counts. Everything runs in SQLite (FTS5 indexes built by
// discovery-index.ts); JavaScript only plans the query and shapes the answer.
//
// Text matching, in tiers (a lower tier always ranks first):
//  0. title words: every query word is a prefix of a word of the title
//     (unicode61 tokenizer: case- and diacritics-insensitive; `toky` finds Tokyo),
//     ranked by bm25 over titles alone, so the shortest matching title wins.
//  1. synonym words: the same within one synonym (`attack on titan` finds
//     Shingeki no Kyojin), the shortest matching synonym first.
//  2. words: the same over title and synonyms together, bm25 with the title
//     weighted over synonyms.
//  3. substring: the whole query inside a title or synonym (trigram tokenizer).
//     Used when tier 2 finds nothing, and always for queries in scripts written
//     without spaces (Japanese, Chinese…), where words are whole phrases.
//  4–6. typo: when tier 2 finds nothing, the word tiers again, each query word
//     of 4+ letters also matching any indexed word one edit away (insertion,
//     deletion, substitution or transposition), found by index range lookups
//     on search_terms.
import type { Statement } from 'better-sqlite3'
import type { Db } from './db.js'
import { reverseText, SYNONYM_SLOTS } from './discovery-index.js'
import { seedColumns, toSeed, type SeedAnime } from './repository.js'
import { reader } from './snapshot.js'
import type { SiteName } from './sites.js'

/** Orderings of /anime/search. */
export const orderingFields = ['relevance', 'title', 'year', 'episodes', 'score'] as const
/** Those, the type's name, and the entry's MyAnimeList id (entries without one last). */
export type OrderingField = typeof orderingFields[number] | 'type' | 'mal_id'
export interface OrderingTerm { field: OrderingField, descending: boolean }

/** Seasons of first airing, in calendar order. */
export const seasonNames = ['winter', 'spring', 'summer', 'fall'] as const
export type Season = typeof seasonNames[number]

export interface Filters {
  /** Seed values (TV, Movie …); any of them. */
  types?: string[]
  statuses?: string[]
  /** Season of first airing, any of them (entries of unknown season never match). */
  seasons?: Season[]
  /** Every one must be a tag of the entry (case-insensitive). */
  tags?: string[]
  /** None may be a tag of the entry (case-insensitive). */
  excludeTags?: string[]
  /** Exactly this year. */
  year?: number
  yearMin?: number
  yearMax?: number
  episodesMin?: number
  episodesMax?: number
  /** Catalogue score (AOD's), inclusive. */
  scoreMin?: number
  scoreMax?: number
  /** The title starts with this text (case-insensitive for ASCII letters). */
  titlePrefix?: string
  /** Each group: the entry has at least one of its tags (case-insensitive). */
  tagGroups?: string[][]
  /** Made by any of these companies (ids of the company registry: studios and producers). */
  companies?: number[]
  /** Only entries with an id on this site (a source URL of it, see sites.ts). */
  site?: SiteName
}

export interface SearchRequest extends Filters {
  q?: string
  ordering?: OrderingTerm[]
}

/** Column weights of bm25: a title match counts this many times a synonym match. */
export const TITLE_WEIGHT = 10
const TIER_STEP = 1e9
const MIN_TYPO_LENGTH = 4
const MAX_TYPO_ALTERNATIVES = 8
const MAX_QUERY_WORDS = 16
/** Uniform picks a filtered random tries before counting the matches (see randomMatching). */
const RANDOM_TRIES = 24

const noSpaceScripts = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u
const alphabetic = /^[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{N}\p{M}]+$/u
/** A word as unicode61 sees it: letters, digits, marks and private-use characters. */
const wordPattern = /[\p{L}\p{N}\p{M}\p{Co}]+/gu

/** `"text"` as an FTS5 string. */
const ftsString = (text: string): string => `"${text.replaceAll('"', '""')}"`

/** Lower case without diacritics, as the word index stores alphabetic words. */
export function foldWord (word: string): string {
  return word.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().normalize('NFC')
}

/** Words of `q` as the word index splits them. */
export function queryWords (q: string): string[] {
  return (q.match(wordPattern) ?? []).slice(0, MAX_QUERY_WORDS)
}

/** Optimal string alignment distance, stopping early past 1. */
function withinOneEdit (a: string[], b: string[]): boolean {
  if (Math.abs(a.length - b.length) > 1) return false
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  if (i === a.length && i === b.length) return true
  const same = (x: string[], y: string[]): boolean => x.length === y.length && x.every((c, k) => c === y[k])
  if (a.length === b.length) {
    if (same(a.slice(i + 1), b.slice(i + 1))) return true // substitution
    return a[i] === b[i + 1] && a[i + 1] === b[i] && same(a.slice(i + 2), b.slice(i + 2)) // transposition
  }
  return a.length > b.length ? same(a.slice(i + 1), b.slice(i)) : same(a.slice(i), b.slice(i + 1))
}

export interface TextPart { table: 'search_titles' | 'search_synonyms' | 'search_words' | 'search_trigrams', match: string, tier: number }

/** Tables that only rank: their matches are all matches of search_words too. */
const rankingOnly = new Set<TextPart['table']>(['search_titles', 'search_synonyms'])

/** LRU-ish cache of prepared statements, keyed by their SQL (one per query shape). */
class StatementCache {
  private readonly statements = new Map<string, Statement>()
  constructor (private readonly db: Db, private readonly size = 256) {}
  get (sql: string): Statement {
    let statement = this.statements.get(sql)
    if (statement !== undefined) {
      this.statements.delete(sql)
    } else {
      statement = this.db.prepare(sql)
      if (this.statements.size >= this.size) this.statements.delete(this.statements.keys().next().value!)
    }
    this.statements.set(sql, statement)
    return statement
  }
}

export interface Page<T> { count: number, results: T[] }

/** Served entries by id, seed-shaped, in the order of `ids` (unknown ids left out). */
export function seedLoader (db: Db): (ids: number[]) => SeedAnime[] {
  const rows = db.prepare(`SELECT ${seedColumns} FROM anime WHERE id IN (SELECT value FROM json_each(?)) AND active = 1`)
  return (ids) => {
    const byId = new Map((rows.all(JSON.stringify(ids)) as Array<Parameters<typeof toSeed>[0]>).map((row) => [row.id, row]))
    return ids.flatMap((id) => {
      const row = byId.get(id)
      return row === undefined ? [] : [toSeed(row)]
    })
  }
}

export function createSearch (db: Db) {
  const cache = new StatementCache(db)
  const anyWord = db.prepare('SELECT 1 FROM search_words WHERE search_words MATCH ? LIMIT 1').pluck()
  const termPrefix = db.prepare('SELECT 1 FROM search_terms WHERE term >= :from AND term < :from || char(1114111) LIMIT 1').pluck()
  // Index ranges rather than GLOB: a GLOB with a bound pattern is re-prepared for every new pattern.
  const termsFrom = db.prepare('SELECT term FROM search_terms WHERE term >= :from AND term < :from || char(1114111) AND length(term) = :length').pluck()
  const reversedFrom = db.prepare('SELECT term FROM search_terms WHERE rev >= :from AND rev < :from || char(1114111) AND length(term) = :length').pluck()
  const termsIn = db.prepare('SELECT term FROM search_terms WHERE term IN (SELECT value FROM json_each(?))').pluck()
  const termDocs = db.prepare('SELECT doc FROM search_words_vocab WHERE term = ?').pluck()
  const tagNames = db.prepare('SELECT name FROM tags WHERE name = ? COLLATE NOCASE').pluck()
  const tagCount = db.prepare('SELECT count FROM tags WHERE name = ?').pluck()
  // How many entries are served: they hold positions 1…n (the import writes them
  // dense, in id order), so one index lookup rather than a count.
  const servedCount = db.prepare('SELECT coalesce(max(pos), 0) FROM anime').pluck()
  const seeds = seedLoader(db)

  /** Indexed words one edit away from `word` (folded), those in most entries first. */
  function typoAlternatives (word: string): string[] {
    const chars = [...word]
    const length = chars.length
    const found = new Map<string, number>()
    const take = (terms: unknown[]): void => {
      for (const term of terms as string[]) {
        if (term !== word && !found.has(term) && withinOneEdit(chars, [...term])) found.set(term, termDocs.get(term) as number ?? 0)
      }
    }
    // Substitutions and insertions: any character at position i, looked up by
    // the longer literal side (the word's start, or its end reversed).
    for (let i = 0; i <= length; i++) {
      const head = chars.slice(0, i).join('')
      for (const [tail, size] of [[chars.slice(i + 1), length], [chars.slice(i), length + 1]] as const) {
        if (size === length && i === length) continue
        take(i >= length / 2 ? termsFrom.all({ from: head, length: size }) : reversedFrom.all({ from: reverseText(tail.join('')), length: size }))
      }
    }
    // Deletions and transpositions: exact lookups.
    const exact = new Set<string>()
    for (let i = 0; i < length; i++) {
      exact.add([...chars.slice(0, i), ...chars.slice(i + 1)].join(''))
      if (i + 1 < length) exact.add([...chars.slice(0, i), chars[i + 1], chars[i], ...chars.slice(i + 2)].join(''))
    }
    take(termsIn.all(JSON.stringify([...exact])))
    return [...found].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, MAX_TYPO_ALTERNATIVES).map(([term]) => term)
  }

  const wordTiers = (match: string, first: number): TextPart[] => [
    { table: 'search_titles', match, tier: first },
    { table: 'search_synonyms', match, tier: first + 1 },
    { table: 'search_words', match, tier: first + 2 }
  ]

  /** How `q` is matched: the FTS5 queries of its tiers (empty: nothing can match). */
  function planText (q: string): TextPart[] {
    // Control characters (NUL ends an FTS5 query string) count as spaces.
    const text = q.replace(/\p{Cc}/gu, ' ').trim().replace(/\s+/g, ' ')
    const words = queryWords(text)
    const substring: TextPart | null = [...text].length >= 3 ? { table: 'search_trigrams', match: ftsString(text), tier: 3 } : null
    const wordQuery = words.map((w) => `${ftsString(w)}*`).join(' AND ')
    if (words.length > 0 && anyWord.get(wordQuery) !== undefined) {
      const parts: TextPart[] = wordTiers(wordQuery, 0)
      if (substring !== null && noSpaceScripts.test(text)) parts.push(substring)
      return parts
    }
    const parts: TextPart[] = substring === null ? [] : [substring]
    // Correct the words that start no indexed word; if each does, any of them may be the typo.
    const eligible = words.map((w) => {
      const folded = foldWord(w)
      return [...folded].length >= MIN_TYPO_LENGTH && alphabetic.test(w) ? folded : null
    })
    const unknown = eligible.map((folded) => folded !== null && termPrefix.get({ from: folded }) === undefined)
    const correct = unknown.some(Boolean) ? unknown : eligible.map((folded) => folded !== null)
    let corrected = false
    const typoQuery = words.map((w, i) => {
      const alternatives = correct[i] === true ? typoAlternatives(eligible[i]!) : []
      if (alternatives.length === 0) return `${ftsString(w)}*`
      corrected = true
      return `(${[w, ...alternatives].map((a) => `${ftsString(a)}*`).join(' OR ')})`
    }).join(' AND ')
    if (corrected) parts.push(...wordTiers(typoQuery, 4))
    return parts
  }

  /** Canonical tag names matching `name` case-insensitively (the name itself when none does). */
  function resolveTag (name: string): string[] {
    const names = tagNames.all(name) as string[]
    return names.length === 0 ? [name] : names
  }

  /** `x.tag IN (?, …)` for these names, and the names. */
  const tagIn = (column: string, names: string[]): [string, string[]] =>
    [`${column} IN (${names.map(() => '?').join(', ')})`, names]

  interface FilterOptions {
    /** `a` is anime_facets (served entries only) rather than anime. */
    facets?: boolean
    /** Rows come from a small driving set (text matches, a tag's postings): probe per row rather than build sets. */
    driven?: boolean
    /** A required tag the driving set already guarantees (its index in `filters.tags`). */
    skipTag?: number
  }

  /**
   * WHERE conditions on `a` for the filters, and their parameters. `a` is the
   * anime table (the default: served rows only) or anime_facets (`facets`,
   * which holds only served entries); the conditions use columns both have.
   */
  function filterSql (filters: Filters, options: FilterOptions = {}): { conditions: string[], params: unknown[] } {
    const conditions = options.facets === true ? ['true'] : ['a.active = 1']
    const params: unknown[] = []
    // Seasons are stored as AOD writes them (SPRING …).
    const seasons = filters.seasons?.map((season) => season.toUpperCase())
    for (const [column, values] of [['a.anime_type', filters.types], ['a.status', filters.statuses], ['a.season', seasons]] as const) {
      if (values === undefined) continue
      conditions.push(`${column} IN (${values.map(() => '?').join(', ')})`)
      params.push(...values)
    }
    // Each requested tag (any of its case variants): a primary-key probe per row.
    for (const [index, tag] of (filters.tags ?? []).entries()) {
      if (index === options.skipTag) continue
      const [test, names] = tagIn('x.tag', resolveTag(tag))
      conditions.push(`EXISTS (SELECT 1 FROM anime_tags x WHERE ${test} AND x.anime_id = a.id)`)
      params.push(...names)
    }
    if (filters.excludeTags !== undefined && filters.excludeTags.length > 0) {
      const names = filters.excludeTags.flatMap(resolveTag)
      if (options.driven === true) {
        const [test] = tagIn('x.tag', names)
        conditions.push(`NOT EXISTS (SELECT 1 FROM anime_tags x WHERE ${test} AND x.anime_id = a.id)`)
        params.push(...names)
      } else {
        // Scanning every entry: one set of the excluded entries beats a probe per entry.
        conditions.push('a.id NOT IN (SELECT anime_id FROM anime_tags WHERE tag IN (SELECT value FROM json_each(?)))')
        params.push(JSON.stringify(names))
      }
    }
    for (const group of filters.tagGroups ?? []) {
      const [test, names] = tagIn('x.tag', group.flatMap(resolveTag))
      conditions.push(`EXISTS (SELECT 1 FROM anime_tags x WHERE ${test} AND x.anime_id = a.id)`)
      params.push(...names)
    }
    const ranges: Array<[number | undefined, string]> = [
      [filters.year, 'a.year = ?'],
      [filters.yearMin, 'a.year >= ?'],
      [filters.yearMax, 'a.year <= ?'],
      [filters.episodesMin, 'a.num_episodes >= ?'],
      [filters.episodesMax, 'a.num_episodes <= ?'],
      [filters.scoreMin, 'a.score >= ?'],
      [filters.scoreMax, 'a.score <= ?']
    ]
    for (const [value, condition] of ranges) {
      if (value === undefined) continue
      conditions.push(condition)
      params.push(value)
    }
    if (filters.titlePrefix !== undefined) {
      conditions.push("a.title LIKE ? ESCAPE '\\'")
      params.push(`${filters.titlePrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
    }
    if (filters.companies !== undefined) {
      // The registry's primary key (company, entry): one probe per company and row.
      conditions.push('EXISTS (SELECT 1 FROM anime_companies c WHERE c.company_id IN (SELECT value FROM json_each(?)) AND c.anime_id = a.id)')
      params.push(JSON.stringify(filters.companies))
    }
    if (filters.site !== undefined) {
      conditions.push('EXISTS (SELECT 1 FROM anime_sites m WHERE m.anime_id = a.id AND m.site = ?)')
      params.push(filters.site)
    }
    return { conditions, params }
  }

  /**
   * Without text, the rows to filter: the postings of the rarest requested tag
   * (when it names one tag), else every served entry. A page that needs only
   * its first `stopAfter` rows scans the entries in order instead when the
   * requested tags are common enough (an estimated 8 × `stopAfter` matches):
   * the scan stops after a few hundred rows rather than reading every posting.
   */
  function baseSql (filters: Filters, stopAfter?: number): { from: string, params: unknown[], options: FilterOptions } {
    let best: { index: number, name: string, count: number } | null = null
    let share = 1
    const served = stopAfter === undefined ? 0 : servedCount.get() as number
    for (const [index, tag] of (filters.tags ?? []).entries()) {
      const names = resolveTag(tag)
      if (names.length !== 1) continue
      const count = tagCount.get(names[0]) as number | undefined ?? 0
      share *= served > 0 ? count / served : 1
      if (best === null || count < best.count) best = { index, name: names[0]!, count }
    }
    if (best === null || (stopAfter !== undefined && served * share >= 8 * stopAfter)) {
      return { from: 'anime_facets a', params: [], options: { facets: true, driven: best !== null } }
    }
    return {
      from: 'anime_tags d CROSS JOIN anime_facets a ON a.id = d.anime_id AND d.tag = ?',
      params: [best.name],
      options: { facets: true, driven: true, skipTag: best.index }
    }
  }

  const orderColumns: Record<Exclude<OrderingField, 'relevance'>, string> = {
    title: 'a.title COLLATE NOCASE',
    year: 'a.year',
    episodes: 'a.num_episodes',
    score: 'a.score',
    type: 'a.anime_type',
    mal_id: "(SELECT min(CAST(m.site_id AS INTEGER)) FROM anime_sites m WHERE m.anime_id = a.id AND m.site = 'myanimelist')"
  }

  function orderSql (ordering: OrderingTerm[], hasText: boolean): string {
    const terms: string[] = []
    for (const { field, descending } of ordering) {
      if (field === 'relevance') {
        if (hasText) terms.push(`m.rank${descending ? ' DESC' : ''}`)
        continue
      }
      // Unknown years, scores and MyAnimeList ids go last either way.
      const nulls = field === 'year' || field === 'score' || field === 'mal_id' ? ' NULLS LAST' : ''
      terms.push(`${orderColumns[field]}${descending ? ' DESC' : ''}${nulls}`)
    }
    terms.push('a.id')
    return terms.join(', ')
  }

  /**
   * `WITH … FROM … WHERE …` of a search: the text matches (if any, with their
   * rank when `ranked`) joined to the filtered rows, as `m` and `a`.
   */
  function fromSql (request: SearchRequest, parts: TextPart[] | null, ranked: boolean, top?: number): { sql: string, params: unknown[] } {
    if (parts === null) {
      const base = baseSql(request, top)
      const { conditions, params } = filterSql(request, base.options)
      return { sql: `FROM ${base.from} WHERE ${conditions.join(' AND ')}`, params: [...base.params, ...params] }
    }
    const { conditions, params } = filterSql(request, { facets: true, driven: true })
    const where = conditions.join(' AND ')
    // Titles only rank: every title match is also a match of search_words.
    const used = ranked ? parts : parts.filter((p) => !rankingOnly.has(p.table))
    const hits = used.map((p) => {
      const weights = p.table === 'search_words' || p.table === 'search_trigrams' ? `, ${TITLE_WEIGHT}, 1` : ''
      const rank = ranked ? `${p.tier * TIER_STEP} + bm25(${p.table}${weights})` : String(p.tier)
      // search_synonyms: one row per synonym, so the best synonym of each entry (LIMIT -1 keeps bm25 inside its query).
      const match = p.table === 'search_synonyms'
        ? `SELECT id, min(rank) AS rank FROM (SELECT rowid / ${SYNONYM_SLOTS} AS id, ${rank} AS rank FROM ${p.table} WHERE ${p.table} MATCH ? LIMIT -1) GROUP BY id`
        : `SELECT rowid AS id, ${rank} AS rank FROM ${p.table} WHERE ${p.table} MATCH ?`
      return top === undefined ? match : `SELECT * FROM (${match} ORDER BY rank, id LIMIT ?)`
    }).join(' UNION ALL ')
    // With `top`, each tier keeps its best `top` (the first) or 2 × `top` rows (the
    // others, where up to `top` - 1 may repeat earlier tiers): enough for the first `top` overall.
    const hitParams = used.flatMap((p, i) => top === undefined ? [p.match] : [p.match, i === 0 ? top : 2 * top])
    return {
      sql: `WITH hits AS MATERIALIZED (${hits}), m AS (SELECT id, min(rank) AS rank FROM hits GROUP BY id)
        SELECT %COLUMNS% FROM m CROSS JOIN anime_facets a ON a.id = m.id WHERE ${where}`,
      params: [...hitParams, ...params]
    }
  }

  /** How many entries match; one FTS5 count when the text has one word query and nothing filters it. */
  function countMatches (request: SearchRequest, parts: TextPart[] | null): number {
    const counted = parts?.filter((p) => !rankingOnly.has(p.table))
    const filtered = filterSql(request, { facets: true }).conditions.length > 1
    if (counted !== undefined && counted.length === 1 && !filtered) {
      // The FTS tables hold exactly the served entries.
      const part = counted[0]!
      return cache.get(`SELECT count(*) FROM ${part.table} WHERE ${part.table} MATCH ?`).pluck().get(part.match) as number
    }
    const sql = fromSql(request, parts, false)
    return cache.get(select(sql.sql, 'count(*)')).pluck().get(...sql.params) as number
  }

  /** `sql` with its column list. */
  const select = (sql: string, columns: string): string =>
    sql.startsWith('FROM') ? `SELECT ${columns} ${sql}` : sql.replace('%COLUMNS%', columns)

  const read = reader(db)

  return {
    planText,

    /** WHERE conditions on `a` (anime) for the filters, for other queries over the catalogue (recommendations). */
    filterSql,

    /**
     * One page of the matching entries: `pageFor(count)` turns the total into
     * the offset and size of the page to read (it may throw, e.g. past the end).
     * Count and page come from one snapshot of the catalogue.
     */
    search: read((request: SearchRequest, pageFor: (count: number) => { offset: number, size: number }): Page<SeedAnime> => {
      const q = request.q?.trim() ?? ''
      const parts = q === '' ? null : planText(q)
      if (parts !== null && parts.length === 0) {
        pageFor(0)
        return { count: 0, results: [] }
      }
      const count = countMatches(request, parts)
      const { offset, size } = pageFor(count)
      if (count === 0 || offset >= count) return { count, results: [] }
      const ordering = request.ordering ?? [{ field: 'relevance', descending: false }]
      // Unfiltered, by relevance alone: only the best offset + size of each tier can make the page.
      const plain = ordering.length === 1 && ordering[0]!.field === 'relevance' && !ordering[0]!.descending &&
        filterSql(request, { facets: true }).conditions.length === 1
      // Without text, a page can stop after offset + size rows in order.
      const ranked = fromSql(request, parts, true, parts === null || plain ? offset + size : undefined)
      const sql = `${select(ranked.sql, 'a.id')} ORDER BY ${orderSql(ordering, parts !== null)} LIMIT ? OFFSET ?`
      const pageIds = cache.get(sql).pluck().all(...ranked.params, size, offset) as number[]
      return { count, results: seeds(pageIds) }
    }),

    /**
     * A uniformly random entry among those matching the filters, in one snapshot.
     * First up to RANDOM_TRIES uniform picks among all served entries (by the dense
     * `pos`), the first that matches wins: a filter most entries pass (a type, a
     * common tag) costs a few index lookups. Otherwise count the matches and take
     * the k-th. Either way each match is equally likely: a pick that matches is
     * uniform over the matches, and so is the count's.
     */
    randomMatching: read((filters: Filters, random: () => number = Math.random): SeedAnime | undefined => {
      const served = servedCount.get() as number
      if (served > 0) {
        const { conditions, params } = filterSql(filters, { facets: true, driven: true })
        const pick = cache.get(`SELECT a.id FROM anime p CROSS JOIN anime_facets a ON a.id = p.id WHERE p.pos = ? AND ${conditions.join(' AND ')}`).pluck()
        for (let attempt = 0; attempt < RANDOM_TRIES; attempt++) {
          const id = pick.get(1 + Math.floor(random() * served), ...params) as number | undefined
          if (id !== undefined) return seeds([id])[0]
        }
      }
      const base = baseSql(filters)
      const { conditions, params: filterParams } = filterSql(filters, base.options)
      const params = [...base.params, ...filterParams]
      const from = `FROM ${base.from} WHERE ${conditions.join(' AND ')}`
      const count = cache.get(`SELECT count(*) ${from}`).pluck().get(...params) as number
      if (count === 0) return undefined
      const id = cache.get(`SELECT a.id ${from} LIMIT 1 OFFSET ?`).pluck().get(...params, Math.floor(random() * count)) as number | undefined
      return id === undefined ? undefined : seeds([id])[0]
    }),

    /** Tags by use, most used first; `prefix` matches the start of the name, case-insensitively. */
    tags: read((prefix: string, limit: number, offset: number): Page<{ name: string, count: number }> => {
      const pattern = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
      const count = cache.get("SELECT count(*) FROM tags WHERE name LIKE ? ESCAPE '\\'").pluck().get(pattern) as number
      const results = offset >= count
        ? []
        : cache.get("SELECT name, count FROM tags WHERE name LIKE ? ESCAPE '\\' ORDER BY count DESC, name LIMIT ? OFFSET ?").all(pattern, limit, offset) as Array<{ name: string, count: number }>
      return { count, results }
    })
  }
}

export type Search = ReturnType<typeof createSearch>
