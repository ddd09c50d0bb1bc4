// One catalogue version's index with what discovery asks of it: doc lookups,
// filters as bitsets, orderings and pages. Immutable once built; the text
// matching (text-match.ts), similar (similar.ts) and recommendations
// (recommend.ts) read it too.
import type { Filters, OrderingTerm } from '../search.js'
import { allBits, and, andNot, count, emptyBits, has, or, setList, toList, type Bits } from './bits.js'
import type { DocList, IndexData } from './index-data.js'
import { textPart } from './index-file.js'
import { asciiLower, compareCodePoints } from './text.js'

/** doc × DOC_RADIX + doc ordinal: one float orders by a key, then by doc (id). */
export const DOC_RADIX = 2 ** 20
const MAX_SAFE = 2 ** 53

/** The k smallest of `keys`, ascending (all of them when fewer). */
export function smallest (keys: Float64Array, k: number): Float64Array {
  if (k <= 0) return new Float64Array(0)
  if (keys.length <= k * 4) return keys.slice().sort().subarray(0, k)
  // Quickselect the k-th, then sort the k below it.
  const a = keys.slice()
  let lo = 0
  let hi = a.length - 1
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1]!
    let i = lo
    let j = hi
    while (i <= j) {
      while (a[i]! < pivot) i++
      while (a[j]! > pivot) j--
      if (i <= j) { const x = a[i]!; a[i] = a[j]!; a[j] = x; i++; j-- }
    }
    if (k - 1 <= j) hi = j
    else if (k - 1 >= i) lo = i
    else break
  }
  return a.subarray(0, k).sort()
}

/**
 * sums[d] for docs from … to - 1: the sum of `perTag` over d's tags (in
 * ascending order, as the postings would add them), over √norms[d] when
 * `norms` is given and that is above 0. The one pass over every doc's tags:
 * the index's tag weights (idf per tag, at set-up) and each recommendation's
 * scores, so that the set-up has made it hot for the first recommendation.
 */
export function tagSums (data: Pick<IndexData, 'docTagStart' | 'docTags'>, perTag: Float64Array, norms: Float64Array | null, sums: Float64Array, from: number, to: number): void {
  const { docTagStart, docTags } = data
  for (let d = from; d < to; d++) {
    let sum = 0
    for (let i = docTagStart[d]!; i < docTagStart[d + 1]!; i++) sum += perTag[docTags[i]!]!
    sums[d] = norms !== null && norms[d]! > 0 ? sum / Math.sqrt(norms[d]!) : sum
  }
}

export type OrderField = Exclude<OrderingTerm['field'], 'relevance'>

export class Engine {
  readonly version: number
  readonly n: number
  private readonly docById: Int32Array
  private readonly tagsByLower = new Map<string, number[]>()
  private readonly lowerTagNames: string[]
  /** Tag indices by use, most used first, ties by name. */
  private readonly tagsByUse: Int32Array
  private readonly ordinals = new Map<string, { values: Int32Array, radix: number }>()
  private readonly permutations = new Map<string, Int32Array>()
  private titlePermutation: Int32Array | null = null
  private weights: Float64Array | null = null
  private readonly typeByName: Map<string, number>
  private readonly statusByName: Map<string, number>

  constructor (readonly data: IndexData) {
    this.version = data.version
    this.n = data.n
    const maxId = data.n === 0 ? 0 : data.ids[data.n - 1]!
    this.docById = new Int32Array(maxId + 1).fill(-1)
    for (let d = 0; d < data.n; d++) this.docById[data.ids[d]!] = d
    this.lowerTagNames = data.tagNames.map(asciiLower)
    this.lowerTagNames.forEach((name, t) => { this.tagsByLower.set(name, [...(this.tagsByLower.get(name) ?? []), t]) })
    this.tagsByUse = Int32Array.from(data.tagNames, (_, t) => t)
      .sort((a, b) => data.tagCount[b]! - data.tagCount[a]! || compareCodePoints(data.tagNames[a]!, data.tagNames[b]!))
    this.typeByName = new Map(data.typeNames.map((name, i) => [name, i]))
    this.statusByName = new Map(data.statusNames.map((name, i) => [name, i]))
    // One pass over the docs' tags, done with the rest of the index's set-up rather than by the first request that needs it.
    this.tagWeights()
  }

  /** The doc of anime `id`, or -1 when it is not served. */
  docOf (id: number): number {
    return Number.isInteger(id) && id >= 0 && id < this.docById.length ? this.docById[id]! : -1
  }

  idOf (d: number): number { return this.data.ids[d]! }

  title (d: number): string { return textPart(this.data, 'titleText', this.data.titleStart[d]!, this.data.titleStart[d + 1]!) }

  private titleSummary: { first: Int32Array, length: Uint16Array } | null = null

  /**
   * Per doc, its title's first word (term) and how many words it has (at most
   * 65535): small arrays that stay in the CPU's caches, where the title's words
   * themselves are one read at a random place each (text-match.ts ranks
   * one-word queries from these).
   */
  titles (): { first: Int32Array, length: Uint16Array } {
    if (this.titleSummary === null) {
      const { docFieldStart, fieldTokenStart, tokens } = this.data
      const first = new Int32Array(this.n).fill(-1)
      const length = new Uint16Array(this.n)
      for (let d = 0; d < this.n; d++) {
        const f = docFieldStart[d]!
        const words = fieldTokenStart[f + 1]! - fieldTokenStart[f]!
        length[d] = Math.min(words, 65535)
        if (words > 0) first[d] = tokens[fieldTokenStart[f]!]!
      }
      this.titleSummary = { first, length }
    }
    return this.titleSummary
  }

  // ---- tags

  /** Tags named `name` up to ASCII case (SQLite's NOCASE, as tag filters always were). */
  tagsNamed (name: string): number[] { return this.tagsByLower.get(asciiLower(name)) ?? [] }

  /** Tags with how many served entries have each, most used first; `prefix` starts the name, ASCII case-insensitive. */
  tagPage (prefix: string, limit: number, offset: number): { count: number, results: Array<{ name: string, count: number }> } {
    const lower = asciiLower(prefix)
    const matching = lower === '' ? this.tagsByUse : this.tagsByUse.filter((t) => this.lowerTagNames[t]!.startsWith(lower))
    const results = [...matching.subarray(offset, offset + limit)].map((t) => ({ name: this.data.tagNames[t]!, count: this.data.tagCount[t]! }))
    return { count: matching.length, results }
  }

  /** Sum of the idf of each doc's tags (similar, recommendations). */
  tagWeights (): Float64Array {
    if (this.weights === null) {
      this.weights = new Float64Array(this.n)
      tagSums(this.data, this.data.idf, null, this.weights, 0, this.n)
    }
    return this.weights
  }

  // ---- filters

  private postingsBits (tags: number[], start: Int32Array, list: DocList): Bits {
    const bits = emptyBits(this.n)
    for (const t of tags) setList(bits, list, start[t]!, start[t + 1]!)
    return bits
  }

  /**
   * The docs with a page on `name`, kept per site (a dozen at most): Jikan's /v4
   * lists are all restricted to MyAnimeList's, so every one of their searches
   * would otherwise set most of the catalogue's bits again. A copy, since
   * filterBits narrows in place.
   */
  private siteBits (name: string): Bits {
    const { siteNames, siteDocStart, siteDocs } = this.data
    const site = siteNames.indexOf(name)
    if (site < 0) return emptyBits(this.n)
    let kept = this.siteSets.get(site)
    if (kept === undefined) {
      kept = this.postingsBits([site], siteDocStart, siteDocs)
      this.siteSets.set(site, kept)
    }
    return kept.slice()
  }

  private readonly siteSets = new Map<number, Bits>()

  private tagBits (names: string[]): Bits {
    const { tagDocStart, tagDocs, tagCount } = this.data
    const bits = emptyBits(this.n)
    for (const t of new Set(names.flatMap((name) => this.tagsNamed(name)))) {
      if (tagCount[t]! < this.denseTagMin) { setList(bits, tagDocs, tagDocStart[t]!, tagDocStart[t + 1]!); continue }
      let dense = this.tagSets.get(t)
      if (dense === undefined) {
        dense = emptyBits(this.n)
        setList(dense, tagDocs, tagDocStart[t]!, tagDocStart[t + 1]!)
        this.tagSets.set(t, dense)
      }
      or(bits, dense)
    }
    return bits
  }

  /**
   * The docs whose `column` holds `value`, kept per (column, value): the few
   * types, statuses and seasons, and the years asked for (a few kB each, at most
   * one per distinct value held), so that a filter on them is a copy, not a
   * pass over every doc. Only read: codeBits copies (filterBits narrows in place).
   */
  private valueBits (column: Uint8Array | Int16Array, value: number): Bits {
    let byValue = this.valueSets.get(column)
    if (byValue === undefined) { byValue = new Map(); this.valueSets.set(column, byValue) }
    let bits = byValue.get(value)
    if (bits === undefined) {
      bits = emptyBits(this.n)
      let found = false
      for (let d = 0; d < this.n; d++) if (column[d] === value) { bits[d >>> 5]! |= 1 << (d & 31); found = true }
      // Values no doc holds are not kept: whatever a client asks for, at most one set per value the catalogue has.
      if (found) byValue.set(value, bits)
    }
    return bits
  }

  private readonly valueSets = new Map<Uint8Array | Int16Array, Map<number, Bits>>()

  /** Docs whose `column` holds any of `wanted`: a new set. */
  private codeBits (column: Uint8Array | Int16Array, wanted: number[]): Bits {
    const bits = emptyBits(this.n)
    for (const value of new Set(wanted)) or(bits, this.valueBits(column, value))
    return bits
  }

  /** Tags this common are kept as bitsets (no larger than their postings): a tag filter on them is a copy. */
  private get denseTagMin (): number { return Math.max(64, this.n >>> 5) }

  private readonly tagSets = new Map<number, Bits>()

  /** Docs whose title starts with `prefix`, ASCII case-insensitive (SQLite's LIKE): a range of the NOCASE order. */
  private titlePrefixBits (prefix: string): Bits {
    const lower = asciiLower(prefix)
    if (this.titlePermutation === null) this.titlePermutation = this.permutation('title', false)
    const order = this.titlePermutation
    const head = (d: number): string => asciiLower(this.title(d).slice(0, lower.length))
    let lo = 0
    let hi = order.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (compareCodePoints(head(order[mid]!), lower) < 0) lo = mid + 1
      else hi = mid
    }
    const bits = emptyBits(this.n)
    for (let i = lo; i < order.length && head(order[i]!) === lower; i++) bits[order[i]! >>> 5]! |= 1 << (order[i]! & 31)
    return bits
  }

  /** The docs matching every filter; null when nothing filters. */
  filterBits (filters: Filters): Bits | null {
    const { data, n } = this
    let bits: Bits | null = null
    const narrow = (other: Bits): void => { bits = bits === null ? other : and(bits, other) }
    if (filters.types !== undefined) narrow(this.codeBits(data.type, filters.types.flatMap((name) => this.typeByName.get(name) ?? [])))
    if (filters.statuses !== undefined) narrow(this.codeBits(data.status, filters.statuses.flatMap((name) => this.statusByName.get(name) ?? [])))
    for (const tag of filters.tags ?? []) narrow(this.tagBits([tag]))
    for (const group of filters.tagGroups ?? []) narrow(this.tagBits(group))
    if (filters.excludeTags !== undefined && filters.excludeTags.length > 0) {
      if (bits === null) bits = allBits(n)
      andNot(bits, this.tagBits(filters.excludeTags))
    }
    if (filters.companies !== undefined) {
      const indices = filters.companies.flatMap((id) => {
        const i = binarySearch(data.companyIds, id)
        return i < 0 ? [] : [i]
      })
      narrow(this.postingsBits(indices, data.companyDocStart, data.companyDocs))
    }
    if (filters.site !== undefined) narrow(this.siteBits(filters.site))
    // Seasons are stored as AOD writes them (SPRING …); code 0 is "unknown", never matched.
    if (filters.seasons !== undefined) narrow(this.codeBits(data.season, filters.seasons.map((name) => data.seasonNames.indexOf(name.toUpperCase())).filter((code) => code > 0)))
    if (filters.titlePrefix !== undefined) narrow(this.titlePrefixBits(filters.titlePrefix))
    // A year alone (the common case): that year's kept set.
    const otherRanges = filters.yearMin !== undefined || filters.yearMax !== undefined || filters.episodesMin !== undefined ||
      filters.episodesMax !== undefined || filters.scoreMin !== undefined || filters.scoreMax !== undefined
    if (filters.year !== undefined && !otherRanges) narrow(filters.year === 0 ? emptyBits(n) : this.codeBits(data.year, [filters.year]))
    else if (filters.year !== undefined || filters.yearMin !== undefined || filters.yearMax !== undefined || filters.episodesMin !== undefined ||
      filters.episodesMax !== undefined || filters.scoreMin !== undefined || filters.scoreMax !== undefined) narrow(this.rangeBits(filters))
    return bits
  }

  /**
   * Docs within every range the filters give, in one pass over the columns:
   * years (0, unknown, is in none), episodes, scores (NaN, unknown, is in none).
   */
  private rangeBits (filters: Filters): Bits {
    const { year, episodes, score } = this.data
    const yearMin = Math.max(filters.year ?? -Infinity, filters.yearMin ?? -Infinity)
    const yearMax = Math.min(filters.year ?? Infinity, filters.yearMax ?? Infinity)
    const anyYear = filters.year === undefined && filters.yearMin === undefined && filters.yearMax === undefined
    const episodesMin = filters.episodesMin ?? -Infinity
    const episodesMax = filters.episodesMax ?? Infinity
    const anyScore = filters.scoreMin === undefined && filters.scoreMax === undefined
    const scoreMin = filters.scoreMin ?? -Infinity
    const scoreMax = filters.scoreMax ?? Infinity
    const bits = emptyBits(this.n)
    for (let d = 0; d < this.n; d++) {
      const y = year[d]!
      if (!anyYear && (y === 0 || y < yearMin || y > yearMax)) continue
      const e = episodes[d]!
      if (e < episodesMin || e > episodesMax) continue
      const s = score[d]!
      if (!anyScore && !(s >= scoreMin && s <= scoreMax)) continue
      bits[d >>> 5]! |= 1 << (d & 31)
    }
    return bits
  }

  // ---- orderings

  /** Per doc, its place for `field` (ties equal; unknown values last in either direction), and how many places there are. */
  ordinal (field: OrderField, descending: boolean): { values: Int32Array, radix: number } {
    const key = `${field}${descending ? '-' : '+'}`
    let found = this.ordinals.get(key)
    if (found === undefined) {
      const { data } = this
      const value: (d: number) => number = {
        title: (d: number) => data.titleRank[d]!,
        year: (d: number) => data.year[d] === 0 ? NaN : data.year[d]!,
        episodes: (d: number) => data.episodes[d]!,
        score: (d: number) => data.score[d]!,
        type: (d: number) => data.type[d]!,
        mal_id: (d: number) => data.malId[d]!
      }[field]
      const raw = Float64Array.from({ length: this.n }, (_, d) => value(d))
      const distinct = [...new Set(raw.filter((x) => !Number.isNaN(x)))].sort((a, b) => a - b)
      const rank = new Map(distinct.map((x, i) => [x, descending ? distinct.length - 1 - i : i]))
      const values = Int32Array.from(raw, (x) => Number.isNaN(x) ? distinct.length : rank.get(x)!)
      found = { values, radix: distinct.length + 1 }
      this.ordinals.set(key, found)
    }
    return found
  }

  /** Every doc in the order of one ordering term, ties by id. */
  permutation (field: OrderField, descending: boolean): Int32Array {
    const key = `${field}${descending ? '-' : '+'}`
    let found = this.permutations.get(key)
    if (found === undefined) {
      const { values } = this.ordinal(field, descending)
      const packed = Float64Array.from(values, (o, d) => o * DOC_RADIX + d).sort()
      found = Int32Array.from(packed, (x) => x % DOC_RADIX)
      this.permutations.set(key, found)
    }
    return found
  }

  /**
   * Docs offset … offset + size - 1 of `candidates` (ascending docs; `bits`
   * the same set) in the order of `ordering` (relevance: `relevance[i]`, the
   * key of candidates[i], lower first), ties by id.
   */
  page (candidates: Int32Array, bits: Bits | null, ordering: OrderingTerm[], relevance: Float64Array | null, offset: number, size: number): number[] {
    const terms = ordering.filter((term) => term.field !== 'relevance' || relevance !== null)
    const end = offset + size
    if (terms.length === 0) return [...candidates.subarray(offset, end)]
    // One field over many candidates: walk that field's order, keeping the candidates.
    if (terms.length === 1 && terms[0]!.field !== 'relevance' && candidates.length * 8 > this.n) {
      const order = this.permutation(terms[0]!.field as OrderField, terms[0]!.descending)
      const out: number[] = []
      let seen = 0
      for (let i = 0; i < order.length && seen < end; i++) {
        const d = order[i]!
        if (bits !== null && !has(bits, d)) continue
        if (seen++ >= offset) out.push(d)
      }
      return out
    }
    const keyers = terms.map((term) => {
      if (term.field === 'relevance') {
        const keys = relevance!
        let max = 0
        for (const k of keys) if (k > max) max = k
        return { at: (i: number) => term.descending ? max - keys[i]! : keys[i]!, radix: max + 1 }
      }
      const { values, radix } = this.ordinal(term.field, term.descending)
      return { at: (i: number) => values[candidates[i]!]!, radix }
    })
    const span = keyers.reduce((product, k) => product * k.radix, DOC_RADIX)
    if (span < MAX_SAFE) {
      const packed = new Float64Array(candidates.length)
      for (let i = 0; i < candidates.length; i++) {
        let key = 0
        for (const k of keyers) key = key * k.radix + k.at(i)
        packed[i] = key * DOC_RADIX + candidates[i]!
      }
      return [...smallest(packed, end).subarray(offset)].map((x) => x % DOC_RADIX)
    }
    const order = Int32Array.from(candidates, (_, i) => i).sort((a, b) => {
      for (const k of keyers) { const c = k.at(a) - k.at(b); if (c !== 0) return c }
      return candidates[a]! - candidates[b]!
    })
    return [...order.subarray(offset, end)].map((i) => candidates[i]!)
  }

  /** Docs offset … offset + size - 1 of `bits` (of every doc when null), ascending. */
  slice (bits: Bits | null, offset: number, size: number): number[] {
    const out: number[] = []
    if (bits === null) {
      for (let d = offset; d < Math.min(this.n, offset + size); d++) out.push(d)
      return out
    }
    let seen = 0
    for (let w = 0; w < bits.length && out.length < size; w++) {
      let word = bits[w]!
      while (word !== 0 && out.length < size) {
        const low = word & -word
        word ^= low
        if (seen++ >= offset) out.push((w << 5) + 31 - Math.clz32(low))
      }
    }
    return out
  }

  /** The docs of `bits` (every doc when null). */
  list (bits: Bits | null): Int32Array {
    return bits === null ? Int32Array.from({ length: this.n }, (_, d) => d) : toList(bits)
  }

  count (bits: Bits | null): number { return bits === null ? this.n : count(bits) }

  /** `bits` ∪ `other` into a new set. */
  union (bits: Bits, other: Bits): Bits { return or(bits.slice(), other) }
}

/** Index of `value` in ascending `list`, or -1. */
export function binarySearch (list: Int32Array, value: number): number {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (list[mid]! < value) lo = mid + 1
    else hi = mid
  }
  return lo < list.length && list[lo] === value ? lo : -1
}
