// The search engine's index of one catalogue version: everything discovery
// reads, as typed arrays and a few strings, built from the catalogue's SQLite
// file (the store of record) in one read transaction. Built in a worker thread
// for large catalogues (index-worker.ts) and handed over whole, so a version's
// index is either all there or not used (engine/source.ts).
//
// Entries are numbered by "doc": their position in id order (0 … n-1). Lists
// "per x" are CSR: xStart[i] … xStart[i + 1] are the positions of i's items.
import type { Db } from '../db.js'
import { IntList } from '../int-list.js'
import { allBelow, asciiLower, compareCodePoints, deletions, fold, hash32, noSpaceChar, typoIndexed, wordsOf } from './text.js'

/** What build() produces, as a number: saved index files of another format are built again (index-file.ts). Raise it with any change to IndexData or to how build() fills it. */
export const INDEX_FORMAT = 1

/**
 * A list of docs (or of tag ids): 2 bytes an item where every value fits
 * (catalogues of up to 65,536 entries, which the served ones are), else 4.
 * Files saved with 4-byte lists load and answer alike (index-file.ts).
 */
export type DocList = Int32Array | Uint16Array

/** `values` (each below `limit`) in 2-byte items where `limit` allows it: half the memory of the index's largest lists. */
export function narrowList (values: Int32Array, limit: number): DocList {
  return limit <= 0x10000 ? Uint16Array.from(values) : values
}

export interface IndexData {
  /** The catalogue version (meta.version) this index describes. */
  version: number
  /** When that version was imported (meta.imported_at): with the version, which catalogue this is. */
  importedAt: string
  /** Served entries. */
  n: number
  /** doc → anime id, ascending. */
  ids: Int32Array
  // ---- facets (filters and orderings)
  typeNames: string[]
  /** doc → index in typeNames (sorted, so also the order of `ordering=type`). */
  type: Uint8Array
  statusNames: string[]
  status: Uint8Array
  /** Index 0 is "no season". */
  seasonNames: string[]
  season: Uint8Array
  /** 0: unknown. */
  year: Int16Array
  episodes: Int32Array
  /** NaN: unknown. */
  score: Float64Array
  /** The lowest MyAnimeList id among the entry's sources; NaN: none. */
  malId: Float64Array
  /** doc → rank of its title in NOCASE order (equal titles, equal ranks). */
  titleRank: Int32Array
  /** Titles, joined: doc d's is titleText.slice(titleStart[d], titleStart[d + 1]). */
  titleText: string
  titleStart: Int32Array
  // ---- tags (filters, tag counts, similar, recommendations)
  /** Sorted by code point. */
  tagNames: string[]
  tagCount: Int32Array
  /** ln(n / entries with the tag). */
  idf: Float64Array
  tagDocStart: Int32Array
  tagDocs: DocList
  docTagStart: Int32Array
  docTags: DocList
  // ---- companies and sites (filters, /v4 counts)
  /** Company ids (the registry's) that have entries, ascending. */
  companyIds: Int32Array
  companyDocStart: Int32Array
  companyDocs: DocList
  siteNames: string[]
  siteDocStart: Int32Array
  siteDocs: DocList
  // ---- relations (AOD's relatedAnime resolved to served entries, both ways)
  relStart: Int32Array
  rel: DocList
  // ---- text
  /** The vocabulary: folded words, sorted (UTF-16 order), each followed by \n; term t starts at termStart[t]. */
  vocabText: string
  termStart: Int32Array
  /** Per term: the docs with it anywhere (title or synonyms), and those with it in the title. */
  termDocStart: Int32Array
  termDocs: DocList
  termTitleStart: Int32Array
  termTitleDocs: DocList
  /** Per doc: its fields (title first, then synonyms); per field: its words (term ids) in order, and its length in UTF-16 units. */
  docFieldStart: Int32Array
  fieldTokenStart: Int32Array
  tokens: Int32Array
  fieldChars: Int32Array
  /** Typo correction: hash32 of each indexed word and of its deletions, sorted, with the word's term id. */
  typoKeys: Uint32Array
  typoTerms: Int32Array
  /** Substrings in scripts without spaces: per character (code point, sorted), the terms containing it. */
  charKeys: Int32Array
  charTermStart: Int32Array
  charTerms: Int32Array
}

/** The buffers of `data`'s typed arrays: handed over, not copied, to another thread. */
export function transferList (data: IndexData): ArrayBuffer[] {
  return Object.values(data).flatMap((value) => ArrayBuffer.isView(value) ? [value.buffer as ArrayBuffer] : [])
}

/** CSR of (key, value) pairs with keys in 0 … keys-1; values of a key sorted and distinct. */
function csr (keys: number, pairKeys: IntList, pairValues: IntList): { start: Int32Array, values: Int32Array } {
  const start = new Int32Array(keys + 1)
  for (let i = 0; i < pairKeys.length; i++) start[pairKeys.data[i]! + 1]!++
  for (let k = 0; k < keys; k++) start[k + 1]! += start[k]!
  const fill = start.slice(0, keys)
  const values = new Int32Array(pairKeys.length)
  for (let i = 0; i < pairKeys.length; i++) values[fill[pairKeys.data[i]!]!++] = pairValues.data[i]!
  // Sort and deduplicate each key's values in place, then compact.
  let out = 0
  const compacted = new Int32Array(keys + 1)
  for (let k = 0; k < keys; k++) {
    const part = values.subarray(start[k]!, start[k + 1]!).sort()
    compacted[k] = out
    for (let i = 0; i < part.length; i++) if (i === 0 || part[i] !== part[i - 1]) values[out++] = part[i]!
  }
  compacted[keys] = out
  return { start: compacted, values: values.slice(0, out) }
}

/** Sorted distinct strings and each one's index. */
function dictionary (values: Iterable<string>, compare?: (a: string, b: string) => number): { names: string[], index: Map<string, number> } {
  const names = [...new Set(values)].sort(compare)
  return { names, index: new Map(names.map((name, i) => [name, i])) }
}

type Row = [number, string, string, string, string, string, number | null, string | null, number, number | null, string]

/** The catalogue version the file holds now, and when it was imported. */
export function indexIdentity (db: Db): { version: number, importedAt: string } {
  const meta = new Map(db.prepare("SELECT key, value FROM meta WHERE key IN ('version', 'imported_at')").raw().all() as Array<[string, string]>)
  return { version: Number(meta.get('version') ?? 0), importedAt: meta.get('imported_at') ?? '' }
}

export function buildIndexData (db: Db): IndexData {
  return db.transaction(() => build(db)).deferred()
}

function build (db: Db): IndexData {
  const { version, importedAt } = indexIdentity(db)
  const rows = db.prepare(`SELECT id, title, synonyms, tags, anime_type, status, year, season, num_episodes, score, related
    FROM anime WHERE active = 1 ORDER BY id`).raw().all() as Row[]
  const n = rows.length
  const ids = Int32Array.from(rows, (r) => r[0])
  const docOf = new Map<number, number>()
  ids.forEach((id, d) => docOf.set(id, d))

  // ---- facets
  const types = dictionary(rows.map((r) => r[4]), compareCodePoints)
  const statuses = dictionary(rows.map((r) => r[5]), compareCodePoints)
  const seasonNames = ['', ...dictionary(rows.flatMap((r) => r[7] === null ? [] : [r[7]])).names]
  const seasonIndex = new Map(seasonNames.map((name, i) => [name, i]))
  const type = Uint8Array.from(rows, (r) => types.index.get(r[4])!)
  const status = Uint8Array.from(rows, (r) => statuses.index.get(r[5])!)
  const season = Uint8Array.from(rows, (r) => r[7] === null ? 0 : seasonIndex.get(r[7])!)
  const year = Int16Array.from(rows, (r) => r[6] ?? 0)
  const episodes = Int32Array.from(rows, (r) => r[8])
  const score = Float64Array.from(rows, (r) => r[9] ?? NaN)
  const titleStart = new Int32Array(n + 1)
  rows.forEach((r, d) => { titleStart[d + 1] = titleStart[d]! + r[1].length })
  const titleText = rows.map((r) => r[1]).join('')
  const lowered = rows.map((r) => asciiLower(r[1]))
  const byTitle = Int32Array.from({ length: n }, (_, d) => d).sort((a, b) => compareCodePoints(lowered[a]!, lowered[b]!) || a - b)
  const titleRank = new Int32Array(n)
  for (let i = 1; i < n; i++) titleRank[byTitle[i]!] = titleRank[byTitle[i - 1]!]! + (lowered[byTitle[i]!] === lowered[byTitle[i - 1]!] ? 0 : 1)

  // ---- tags
  const docTagLists = rows.map((r) => JSON.parse(r[3]) as string[])
  const tags = dictionary(docTagLists.flat(), compareCodePoints)
  const tagKeys = new IntList()
  const tagValues = new IntList()
  docTagLists.forEach((list, d) => { for (const tag of list) { tagKeys.push(tags.index.get(tag)!); tagValues.push(d) } })
  const tagPostings = csr(tags.names.length, tagKeys, tagValues)
  const docTagPairs = csr(n, tagValues, tagKeys)
  const tagCount = Int32Array.from(tags.names, (_, t) => tagPostings.start[t + 1]! - tagPostings.start[t]!)
  const idf = Float64Array.from(tagCount, (count) => Math.log(n / count))

  // ---- relations: relatedAnime URLs through the id registry (every URL ever seen), both ways
  const relatedLists = rows.map((r) => JSON.parse(r[10]) as string[])
  const wanted = new Set(relatedLists.flat())
  const urlToId = new Map<string, number>()
  for (const [url, animeId] of db.prepare('SELECT url, anime_id FROM source_ids').raw().iterate() as Iterable<[string, number]>) {
    if (wanted.has(url)) urlToId.set(url, animeId)
  }
  const relFrom = new IntList()
  const relTo = new IntList()
  relatedLists.forEach((urls, a) => {
    for (const url of urls) {
      const id = urlToId.get(url)
      const b = id === undefined ? undefined : docOf.get(id)
      if (b === undefined || b === a) continue
      relFrom.push(a); relTo.push(b)
      relFrom.push(b); relTo.push(a)
    }
  })
  const relations = csr(n, relFrom, relTo)

  // ---- companies and sites
  const companyList = new IntList()
  const companyKeys = new IntList()
  const companyValues = new IntList()
  for (const [companyId, animeId] of db.prepare('SELECT company_id, anime_id FROM anime_companies ORDER BY company_id').raw().iterate() as Iterable<[number, number]>) {
    const d = docOf.get(animeId)
    if (d === undefined) continue
    if (companyList.length === 0 || companyList.data[companyList.length - 1] !== companyId) companyList.push(companyId)
    companyKeys.push(companyList.length - 1); companyValues.push(d)
  }
  const companies = csr(companyList.length, companyKeys, companyValues)
  const siteRows = db.prepare('SELECT site, site_id, anime_id FROM anime_sites').raw().all() as Array<[string, string, number]>
  const sites = dictionary(siteRows.map((r) => r[0]))
  const siteKeys = new IntList()
  const siteValues = new IntList()
  const malId = new Float64Array(n).fill(NaN)
  for (const [site, siteId, animeId] of siteRows) {
    const d = docOf.get(animeId)
    if (d === undefined) continue
    siteKeys.push(sites.index.get(site)!); siteValues.push(d)
    if (site === 'myanimelist') {
      const number = Number(siteId)
      if (Number.isInteger(number) && !(number >= malId[d]!)) malId[d] = number
    }
  }
  const sitePostings = csr(sites.names.length, siteKeys, siteValues)

  // ---- text: fields (title, then each synonym), their words, the vocabulary
  const docFieldStart = new Int32Array(n + 1)
  const fieldTokenStartList = new IntList()
  const fieldCharsList = new IntList()
  const rawTokens = new IntList()
  const vocabulary = new Map<string, number>()
  rows.forEach((r, d) => {
    const fields = [r[1], ...(JSON.parse(r[2]) as string[])]
    docFieldStart[d + 1] = docFieldStart[d]! + fields.length
    for (const text of fields) {
      fieldTokenStartList.push(rawTokens.length)
      fieldCharsList.push(text.length)
      for (const word of wordsOf(text)) {
        const folded = fold(word)
        let t = vocabulary.get(folded)
        if (t === undefined) { t = vocabulary.size; vocabulary.set(folded, t) }
        rawTokens.push(t)
      }
    }
  })
  fieldTokenStartList.push(rawTokens.length)
  const terms = [...vocabulary.keys()].sort()
  const rank = new Int32Array(terms.length)
  terms.forEach((term, t) => { rank[vocabulary.get(term)!] = t })
  const tokens = rawTokens.done().map((t) => rank[t]!)
  const fieldTokenStart = fieldTokenStartList.done()
  const termStart = new Int32Array(terms.length + 1)
  terms.forEach((term, t) => { termStart[t + 1] = termStart[t]! + term.length + 1 })
  const vocabText = terms.join('\n') + (terms.length > 0 ? '\n' : '')

  const docKeys = new IntList()
  const docValues = new IntList()
  const titleKeys = new IntList()
  const titleValues = new IntList()
  for (let d = 0; d < n; d++) {
    const title = docFieldStart[d]!
    for (let i = fieldTokenStart[title]!; i < fieldTokenStart[docFieldStart[d + 1]!]!; i++) {
      docKeys.push(tokens[i]!); docValues.push(d)
      if (i < fieldTokenStart[title + 1]!) { titleKeys.push(tokens[i]!); titleValues.push(d) }
    }
  }
  const termDocs = csr(terms.length, docKeys, docValues)
  const termTitleDocs = csr(terms.length, titleKeys, titleValues)

  // Typo correction: (hash of a deletion, term), sorted by hash, as key × 2^21 + term in one float.
  const typoPacked: number[] = []
  terms.forEach((term, t) => {
    if (typoIndexed(term)) for (const key of deletions(term)) typoPacked.push(hash32(key) * 2 ** 21 + t)
  })
  const typoSorted = Float64Array.from(typoPacked).sort()
  const typoKeys = Uint32Array.from(typoSorted, (x) => Math.floor(x / 2 ** 21))
  const typoTerms = Int32Array.from(typoSorted, (x) => x % 2 ** 21)

  // Characters of scripts without spaces → the terms holding them.
  const charPacked: number[] = []
  terms.forEach((term, t) => {
    if (allBelow(term, 0x530)) return
    for (const char of new Set(term)) if (noSpaceChar.test(char)) charPacked.push(char.codePointAt(0)! * 2 ** 21 + t)
  })
  const charSorted = Float64Array.from(charPacked).sort()
  const charKeyList = new IntList()
  const charStartList = new IntList()
  const charTerms = Int32Array.from(charSorted, (x) => x % 2 ** 21)
  charSorted.forEach((x, i) => {
    const key = Math.floor(x / 2 ** 21)
    if (charKeyList.length === 0 || charKeyList.data[charKeyList.length - 1] !== key) { charKeyList.push(key); charStartList.push(i) }
  })
  charStartList.push(charSorted.length)

  return {
    version,
    importedAt,
    n,
    ids,
    typeNames: types.names,
    type,
    statusNames: statuses.names,
    status,
    seasonNames,
    season,
    year,
    episodes,
    score,
    malId,
    titleRank,
    titleText,
    titleStart,
    tagNames: tags.names,
    tagCount,
    idf,
    tagDocStart: tagPostings.start,
    tagDocs: narrowList(tagPostings.values, n),
    docTagStart: docTagPairs.start,
    docTags: narrowList(docTagPairs.values, tags.names.length),
    companyIds: companyList.done(),
    companyDocStart: companies.start,
    companyDocs: narrowList(companies.values, n),
    siteNames: sites.names,
    siteDocStart: sitePostings.start,
    siteDocs: narrowList(sitePostings.values, n),
    relStart: relations.start,
    rel: narrowList(relations.values, n),
    vocabText,
    termStart,
    termDocStart: termDocs.start,
    termDocs: narrowList(termDocs.values, n),
    termTitleStart: termTitleDocs.start,
    termTitleDocs: narrowList(termTitleDocs.values, n),
    docFieldStart,
    fieldTokenStart,
    tokens,
    fieldChars: fieldCharsList.done(),
    typoKeys,
    typoTerms,
    charKeys: charKeyList.done(),
    charTermStart: charStartList.done(),
    charTerms
  }
}
