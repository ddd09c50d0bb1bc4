// Text search over the index: which entries a query matches, and how well.
//
// A query's words (folded: case and Latin diacritics ignored) match, in tiers
// (a lower tier always ranks first):
//  0. title: every query word starts a word of the title (`toky` finds Tokyo);
//  1. synonym: every query word starts a word of one synonym;
//  2. words: every query word starts a word of the title or of a synonym;
//  3. substring: the query inside a title or synonym: a one-word query inside a
//     word, or the words in a row (the first ending a word, the middle ones
//     whole, the last starting one; separators are not compared). Used when the
//     tiers above find nothing, and always for text in scripts written without
//     spaces (Japanese, Chinese…), where a "word" is a whole phrase, from one
//     character up;
//  4–6. typo: when tier 2 finds nothing, tiers 0–2 again with each query word
//     of 4+ letters also matching the indexed words one edit away (insertion,
//     deletion, substitution or transposition; at most 8, the most used first),
//     found through a deletion index (typoKeys).
// Within a tier: the field (title or synonym) where more query words are whole
// words (not only the start of one) first; then the field the query covers
// whole and in order, then the one that starts with the query's words in a
// row, then the one holding them in a row elsewhere, then the one whose first
// word matches the query's first; then the shortest field (fewest words; for
// substrings, fewest characters); in tier 2 (and 6) the entries
// with more query words in their title first, then the shortest entry; then by
// id. An entry ranks by its best tier.
import { count, emptyBits, has, isEmpty, or, setList, type Bits } from './bits.js'
import type { Engine } from './engine.js'
import { alphabetic, deletions, hash32, MIN_TYPO_LENGTH, noSpaceChar, noSpaceScripts, queryWords, withinOneEdit } from './text.js'

const MAX_TYPO_ALTERNATIVES = 8
const SUBSTRING_MIN_LENGTH = 3
/** Query words whose scans are kept per searcher (see remembered), and the longest list kept. */
const MAX_REMEMBERED = 256
const MAX_REMEMBERED_LENGTH = 2048

export interface TextMatch {
  /** Every matching doc. */
  docs: Bits
  /** The relevance key of a matching doc: lower ranks first. */
  key: (d: number) => number
  /** Matching docs that rank before every other match (the title tier), where known. */
  first: Bits | null
  /** Where given: a cheap lower bound of key(d), so that ranking can skip the docs whose bound says they cannot make the page. */
  bound?: (d: number) => number
}

type Range = readonly [number, number]

/** (tier, class, length) as one number, ordered as written. */
const pack = (tier: number, cls: number, length: number): number => (tier * 256 + Math.min(cls, 255)) * 1024 + Math.min(length, 1023)
/** The keys of one tier: pack(tier, …) … pack(tier + 1, 0, 0) - 1. */
const TIER = 256 * 1024

/** Marks on vocabulary terms for one query: bit i set when the term matches query word i. */
class Marks {
  private readonly gens: Uint32Array
  private readonly bits: Int32Array
  private gen = 0
  constructor (size: number) {
    this.gens = new Uint32Array(size)
    this.bits = new Int32Array(size)
  }

  reset (): void { this.gen++ }
  mark (t: number, bit: number): void {
    if (this.gens[t] !== this.gen) { this.gens[t] = this.gen; this.bits[t] = 0 }
    this.bits[t]! |= bit
  }

  of (t: number): number { return this.gens[t] === this.gen ? this.bits[t]! : 0 }
}

function popcount (x: number): number {
  let c = 0
  for (; x !== 0; x &= x - 1) c++
  return c
}

export class TextSearcher {
  private readonly words: Marks
  /** Terms equal to a query word (or to a typo alternative of it): bit i for word i. */
  private readonly wholeWords: Marks
  private readonly pieces: Marks
  private readonly terms: number

  /** The vocabulary's text, read once here (a file-loaded index decodes it on first read). */
  private readonly vocabText: string

  constructor (private readonly engine: Engine) {
    this.vocabText = engine.data.vocabText
    this.terms = engine.data.termStart.length - 1
    this.words = new Marks(this.terms)
    this.wholeWords = new Marks(this.terms)
    this.pieces = new Marks(this.terms)
  }

  term (t: number): string {
    const { termStart } = this.engine.data
    return this.vocabText.slice(termStart[t], termStart[t + 1]! - 1)
  }

  /** The first term not below `text`. */
  private lowerBound (text: string): number {
    let lo = 0
    let hi = this.terms
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.term(mid) < text) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Terms starting with `prefix`: a range of the sorted vocabulary. */
  prefixRange (prefix: string): Range {
    const lo = this.lowerBound(prefix)
    const last = prefix.charCodeAt(prefix.length - 1)
    if (last === 0xffff) {
      let hi = lo
      while (hi < this.terms && this.term(hi).startsWith(prefix)) hi++
      return [lo, hi]
    }
    return [lo, this.lowerBound(prefix.slice(0, -1) + String.fromCharCode(last + 1))]
  }

  private exact (word: string): number {
    const t = this.lowerBound(word)
    return t < this.terms && this.term(t) === word ? t : -1
  }

  /** Terms containing `piece`. */
  containing (piece: string): number[] {
    const { charKeys, charTermStart, charTerms } = this.engine.data
    const chars = [...new Set(piece)].filter((c) => noSpaceChar.test(c))
    const out: number[] = []
    if (chars.length > 0) {
      // The rarest character's terms, checked.
      let best: Range | null = null
      for (const c of chars) {
        let lo = 0
        let hi = charKeys.length
        const code = c.codePointAt(0)!
        while (lo < hi) { const mid = (lo + hi) >>> 1; if (charKeys[mid]! < code) lo = mid + 1; else hi = mid }
        if (lo === charKeys.length || charKeys[lo] !== code) return []
        const range: Range = [charTermStart[lo]!, charTermStart[lo + 1]!]
        if (best === null || range[1] - range[0] < best[1] - best[0]) best = range
      }
      // One character: every term listed under it holds it. Else compared in place (no copy of each term).
      const whole = chars.length === 1 && chars[0] === piece
      for (let i = best![0]; i < best![1]; i++) {
        const t = charTerms[i]!
        if (whole || this.termHolds(t, piece)) out.push(t)
      }
      return out
    }
    // Other scripts: a scan of the vocabulary (only when the word tiers found nothing).
    return [...this.remembered(`*${piece}`, () => this.scanFor(piece))]
  }

  /** Terms containing `piece`, by a scan of the whole vocabulary. */
  private scanFor (piece: string): number[] {
    const { termStart } = this.engine.data
    const vocabText = this.vocabText
    const out: number[] = []
    for (let at = vocabText.indexOf(piece); at !== -1;) {
      let lo = 0
      let hi = this.terms - 1
      while (lo < hi) { const mid = (lo + hi + 1) >>> 1; if (termStart[mid]! <= at) lo = mid; else hi = mid - 1 }
      out.push(lo)
      at = vocabText.indexOf(piece, termStart[lo + 1]!)
    }
    return out
  }

  /** Whether term t contains `piece`, compared in the vocabulary's text. */
  private termHolds (t: number, piece: string): boolean {
    const { termStart } = this.engine.data
    const vocabText = this.vocabText
    const last = termStart[t + 1]! - 1 - piece.length
    const first = piece.charCodeAt(0)
    for (let at = termStart[t]!; at <= last; at++) {
      if (vocabText.charCodeAt(at) !== first) continue
      let k = 1
      while (k < piece.length && vocabText.charCodeAt(at + k) === piece.charCodeAt(k)) k++
      if (k === piece.length) return true
    }
    return false
  }

  /**
   * Per query word, what the two scans over the vocabulary found (the terms
   * containing a piece of text in a script with spaces, a word's typo
   * alternatives): people type the same words again (and page through the
   * same query), and the index does not change under a searcher. A few
   * hundred words, the oldest dropped first.
   */
  private readonly found = new Map<string, readonly number[] | readonly string[]>()

  private remembered<T extends readonly number[] | readonly string[]> (key: string, work: () => T): T {
    const known = this.found.get(key)
    if (known !== undefined) {
      // Most recently used last: the map's order is the eviction order.
      this.found.delete(key)
      this.found.set(key, known)
      return known as T
    }
    const value = work()
    // Long lists (a piece found in most of the vocabulary) are not kept: a few kB at most each.
    if (value.length <= MAX_REMEMBERED_LENGTH) {
      this.found.set(key, value)
      if (this.found.size > MAX_REMEMBERED) this.found.delete(this.found.keys().next().value!)
    }
    return value
  }

  /** Indexed words one edit away from `word`, those in most entries first. */
  alternatives (word: string): string[] {
    return [...this.remembered(`~${word}`, () => this.findAlternatives(word))]
  }

  private findAlternatives (word: string): string[] {
    const { typoKeys, typoTerms, termDocStart } = this.engine.data
    const candidates = new Set<number>()
    for (const key of new Set(deletions(word).map(hash32))) {
      let lo = 0
      let hi = typoKeys.length
      while (lo < hi) { const mid = (lo + hi) >>> 1; if (typoKeys[mid]! < key) lo = mid + 1; else hi = mid }
      for (let i = lo; i < typoKeys.length && typoKeys[i] === key; i++) candidates.add(typoTerms[i]!)
    }
    const found: Array<[string, number]> = []
    for (const t of candidates) {
      const text = this.term(t)
      if (text !== word && withinOneEdit(word, text)) found.push([text, termDocStart[t + 1]! - termDocStart[t]!])
    }
    return found.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, MAX_TYPO_ALTERNATIVES).map(([text]) => text)
  }

  /** Docs with a term of `terms` (or of the ranges) anywhere, or in the title. */
  private docsOf (ranges: readonly Range[], titleOnly: boolean): Bits {
    const data = this.engine.data
    const start = titleOnly ? data.termTitleStart : data.termDocStart
    const list = titleOnly ? data.termTitleDocs : data.termDocs
    const bits = emptyBits(this.engine.n)
    for (const [lo, hi] of ranges) for (let t = lo; t < hi; t++) setList(bits, list, start[t]!, start[t + 1]!)
    return bits
  }

  /**
   * Tiers base … base + 2 for words matching these term ranges (`whole`: the
   * terms equal to each word, -1 for none); null when no entry has every word.
   */
  private wordTiers (ranges: Range[][], whole: number[][], base: number): TextMatch | null {
    const { words, wholeWords, engine } = this
    words.reset()
    wholeWords.reset()
    // Marks only where the scorer compares with more than one range per word (WordScorer).
    if (!WordScorer.singleRanges(ranges, whole)) {
      ranges.forEach((list, i) => { for (const [lo, hi] of list) for (let t = lo; t < hi; t++) words.mark(t, 1 << i) })
      whole.forEach((list, i) => { for (const t of list) if (t >= 0) wholeWords.mark(t, 1 << i) })
    }
    let docs: Bits | null = null
    let title: Bits | null = null
    for (const list of ranges) {
      const anywhere = this.docsOf(list, false)
      docs = docs === null ? anywhere : andInto(docs, anywhere)
      if (isEmpty(docs)) return null
    }
    for (const list of ranges) {
      const inTitle = this.docsOf(list, true)
      title = title === null ? inTitle : andInto(title, inTitle)
    }
    const nw = ranges.length
    const full = (1 << nw) - 1
    const scorer = new WordScorer(engine, words, wholeWords, nw, full, base, ranges, whole)
    if (nw === 1 && WordScorer.singleRanges(ranges, whole)) {
      // One word, one range: in the title tier the key needs only the title's
      // first word and length, and whether the word is whole in it (a posting list).
      const [lo, hi] = ranges[0]![0]!
      const exact = whole[0]![0]!
      const wholeInTitle = exact < 0 ? emptyBits(engine.n) : this.docsOf([[exact, exact + 1]], true)
      const inTitle = title!
      const { first, length } = engine.titles()
      const key = (d: number): number => {
        if (!has(inTitle, d)) return scorer.key(d)
        const words = length[d]!
        const cls = first[d]! >= lo && first[d]! < hi ? (words === 1 ? 0 : 1) : 2
        return base * TIER + ((has(wholeInTitle, d) ? 0 : 1) * 8 + cls) * 1024 + Math.min(words, 1023)
      }
      // In the title tier the key is cheap: the bound is the key; outside it, the next tier's least key.
      return { docs: docs!, key, first: title, bound: (d) => has(inTitle, d) ? key(d) : (base + 1) * TIER }
    }
    const key = (d: number): number => scorer.key(d)
    // In the title tier the key is (words not whole × 8 + class) × 1024 +
    // length, and the class is 0 or 1 only when the title's first word
    // matches the query's first (0 when it is as long as the query), 2 or more
    // otherwise: a bound from two small arrays. Outside it, the next tier's least key.
    const { first, length } = engine.titles()
    const single = WordScorer.singleRanges(ranges, whole)
    const [lo0, hi0] = ranges[0]![0]!
    const inTitle = title!
    const marks = this.words
    const firstMatches = single ? (f: number) => f >= lo0 && f < hi0 : (f: number) => f >= 0 && (marks.of(f) & 1) !== 0
    const bound = (d: number): number => {
      if (!has(inTitle, d)) return (base + 1) * TIER
      const words = length[d]!
      return base * TIER + (firstMatches(first[d]!) ? (words === nw ? 0 : 1) : 2) * 1024 + Math.min(words, 1023)
    }
    return { docs: docs!, key, first: title, bound }
  }

  /** Tier 3: the words in a row inside a title or synonym. */
  private substring (words: string[]): TextMatch | null {
    const { pieces, engine } = this
    const { termDocStart, termDocs } = engine.data
    pieces.reset()
    const nw = Math.min(words.length, 31)
    const sets: number[][] = []
    if (nw === 1) {
      sets.push(this.containing(words[0]!))
    } else {
      // Cheap lookups first: a word no term has ends the search.
      for (let k = 1; k < nw - 1; k++) {
        const t = this.exact(words[k]!)
        if (t < 0) return null
        sets[k] = [t]
      }
      const [lo, hi] = this.prefixRange(words[nw - 1]!)
      if (lo === hi) return null
      sets[nw - 1] = Array.from({ length: hi - lo }, (_, i) => lo + i)
      sets[0] = this.containing(words[0]!).filter((t) => this.term(t).endsWith(words[0]!))
    }
    let docs: Bits | null = null
    for (let k = 0; k < nw; k++) {
      if (sets[k]!.length === 0) return null
      const bits = emptyBits(engine.n)
      for (const t of sets[k]!) { pieces.mark(t, 1 << k); setList(bits, termDocs, termDocStart[t]!, termDocStart[t + 1]!) }
      docs = docs === null ? bits : andInto(docs, bits)
    }
    // One word: its terms as a set of bits (a few kB, read from the caches), not the marks (two arrays the size of the vocabulary).
    let single: Bits | null = null
    if (nw === 1) {
      single = emptyBits(this.terms)
      for (const t of sets[0]!) single[t >>> 5]! |= 1 << (t & 31)
    }
    const scorer = new PieceScorer(engine, pieces, nw, single)
    const key = (d: number): number => scorer.key(d)
    if (nw > 1) {
      // Every word somewhere is not enough: keep the docs where they are in a row.
      const verified = emptyBits(engine.n)
      forEach(docs!, (d) => { if (key(d) !== Infinity) verified[d >>> 5]! |= 1 << (d & 31) })
      docs = verified
    }
    return isEmpty(docs!) ? null : { docs: docs!, key, first: null, bound: () => 3 * TIER }
  }

  /** What `q` matches; null when nothing can. */
  match (q: string): TextMatch | null {
    const text = q.replace(/\p{Cc}/gu, ' ').trim().replace(/\s+/g, ' ')
    const words = queryWords(text)
    if (words.length === 0) return null
    const noSpaces = noSpaceScripts.test(text)
    const ranges: Range[][] = words.map((w) => [this.prefixRange(w)])
    if (ranges.every((list) => list[0]![1] > list[0]![0])) {
      const tiers = this.wordTiers(ranges, words.map((w) => [this.exact(w)]), 0)
      if (tiers !== null) return noSpaces ? combine(tiers, this.substring(words), tiers.first) : tiers
    }
    const substring = noSpaces || [...text].length >= SUBSTRING_MIN_LENGTH ? this.substring(words) : null
    // Correct the words that start no indexed word; if each does, any of them may be the typo.
    const eligible = words.map((w) => [...w].length >= MIN_TYPO_LENGTH && alphabetic.test(w))
    const unknown = words.map((w, i) => eligible[i]! && ranges[i]![0]![0] === ranges[i]![0]![1])
    const correct = unknown.some(Boolean) ? unknown : eligible
    let corrected = false
    const alternatives = words.map((w, i) => {
      const found = correct[i] === true ? this.alternatives(w) : []
      if (found.length > 0) corrected = true
      return found
    })
    const typoRanges = words.map((w, i) => [ranges[i]![0]!, ...alternatives[i]!.map((a) => this.prefixRange(a))])
    const typo = corrected ? this.wordTiers(typoRanges, words.map((w, i) => [w, ...alternatives[i]!].map((a) => this.exact(a))), 4) : null
    return combine(substring, typo, substring === null ? typo?.first ?? null : null)
  }
}

/** Keys of the word tiers (see the header), without allocating. */
class WordScorer {
  private readonly docFieldStart: Int32Array
  private readonly fieldTokenStart: Int32Array
  private readonly tokens: Int32Array
  /** The current field's tokens' marks (bit k: matches word k). */
  private masks = new Int32Array(64)
  /**
   * When each word matches one range of terms and equals at most one (no typo
   * alternatives): word k's range is ranges[2k] … ranges[2k + 1] - 1 and its
   * equal term exact[k]. Comparing a term with these is cheaper than looking
   * it up in the marks (two reads at random places of arrays the size of the
   * vocabulary).
   */
  private readonly ranges: Int32Array | null
  private readonly exact: Int32Array | null

  constructor (engine: Engine, private readonly marks: Marks, private readonly wholeMarks: Marks, private readonly nw: number, private readonly full: number,
    private readonly base: number, ranges: Range[][], whole: number[][]) {
    this.docFieldStart = engine.data.docFieldStart
    this.fieldTokenStart = engine.data.fieldTokenStart
    this.tokens = engine.data.tokens
    const single = WordScorer.singleRanges(ranges, whole)
    this.ranges = single ? Int32Array.from(ranges.flatMap((list) => [list[0]![0], list[0]![1]])) : null
    this.exact = single ? Int32Array.from(whole, (list) => list[0]!) : null
  }

  static singleRanges (ranges: Range[][], whole: number[][]): boolean {
    return ranges.every((list) => list.length === 1) && whole.every((list) => list.length === 1)
  }

  private markOf (t: number): number {
    const ranges = this.ranges
    if (ranges === null) return this.marks.of(t)
    let mask = 0
    for (let k = 0; k < this.nw; k++) if (t >= ranges[2 * k]! && t < ranges[2 * k + 1]!) mask |= 1 << k
    return mask
  }

  private wholeOf (t: number): number {
    const exact = this.exact
    if (exact === null) return this.wholeMarks.of(t)
    let mask = 0
    for (let k = 0; k < this.nw; k++) if (t === exact[k]) mask |= 1 << k
    return mask
  }

  /** Whether the query's words are the field's tokens i … i + nw - 1 (masks), in order. */
  private inARow (i: number): boolean {
    const masks = this.masks
    for (let k = 0; k < this.nw; k++) if ((masks[i + k]! & (1 << k)) === 0) return false
    return true
  }

  /**
   * (words not whole × 8 + class) × 1024 + length when field f has every word,
   * else -1 - (how many words it has). Class: 0 the query whole, 1 the words in
   * a row at its start, 2 in a row elsewhere, 3 its first word matches the
   * query's first, 4 any other.
   */
  private field (f: number): number {
    const { tokens, full, nw } = this
    const ts = this.fieldTokenStart[f]!
    const length = this.fieldTokenStart[f + 1]! - ts
    if (length > this.masks.length) this.masks = new Int32Array(length * 2)
    const masks = this.masks
    let mask = 0
    for (let i = 0; i < length; i++) { const m = this.markOf(tokens[ts + i]!); masks[i] = m; mask |= m }
    if ((mask & full) !== full) return -1 - popcount(mask & full)
    let wholeMask = 0
    for (let i = 0; i < length; i++) if (masks[i] !== 0) wholeMask |= this.wholeOf(tokens[ts + i]!)
    let cls: number
    if (length >= nw && this.inARow(0)) cls = length === nw ? 0 : 1
    else {
      cls = (masks[0]! & 1) !== 0 ? 3 : 4
      for (let j = 1; j + nw <= length; j++) if (this.inARow(j)) { cls = 2; break }
    }
    return ((nw - popcount(wholeMask & full)) * 8 + cls) * 1024 + Math.min(length, 1023)
  }

  key (d: number): number {
    const f0 = this.docFieldStart[d]!
    const f1 = this.docFieldStart[d + 1]!
    const inTitle = this.field(f0)
    if (inTitle >= 0) return this.base * TIER + inTitle
    let best = Infinity
    for (let f = f0 + 1; f < f1; f++) {
      const k = this.field(f)
      if (k >= 0 && k < best) best = k
    }
    if (best !== Infinity) return (this.base + 1) * TIER + best
    return pack(this.base + 2, this.nw - (-1 - inTitle), this.fieldTokenStart[f1]! - this.fieldTokenStart[f0]!)
  }
}

/** Keys of the substring tier, without allocating. */
class PieceScorer {
  private readonly docFieldStart: Int32Array
  private readonly fieldTokenStart: Int32Array
  private readonly tokens: Int32Array
  private readonly fieldChars: Int32Array
  /** `single`: for a one-word query, its terms (else null: the marks say). */
  constructor (engine: Engine, private readonly marks: Marks, private readonly nw: number, private readonly single: Bits | null) {
    this.docFieldStart = engine.data.docFieldStart
    this.fieldTokenStart = engine.data.fieldTokenStart
    this.tokens = engine.data.tokens
    this.fieldChars = engine.data.fieldChars
  }

  /** Whether field f holds the words in a row. */
  private holds (f: number): boolean {
    const { marks, tokens, nw } = this
    const ts = this.fieldTokenStart[f]!
    const te = this.fieldTokenStart[f + 1]!
    const single = this.single
    if (single !== null) {
      for (let j = ts; j < te; j++) if (has(single, tokens[j]!)) return true
      return false
    }
    for (let j = ts; j + nw <= te; j++) {
      let k = 0
      while (k < nw && (marks.of(tokens[j + k]!) & (1 << k)) !== 0) k++
      if (k === nw) return true
    }
    return false
  }

  key (d: number): number {
    const f0 = this.docFieldStart[d]!
    if (this.holds(f0)) return pack(3, 0, this.fieldChars[f0]!)
    let best = Infinity
    for (let f = f0 + 1; f < this.docFieldStart[d + 1]!; f++) if (this.fieldChars[f]! < best && this.holds(f)) best = this.fieldChars[f]!
    return best === Infinity ? Infinity : pack(3, 1, best)
  }
}

function andInto (target: Bits, other: Bits): Bits {
  for (let i = 0; i < target.length; i++) target[i]! &= other[i]!
  return target
}

function forEach (bits: Bits, fn: (d: number) => void): void {
  for (let w = 0; w < bits.length; w++) {
    let word = bits[w]!
    while (word !== 0) {
      const low = word & -word
      fn((w << 5) + 31 - Math.clz32(low))
      word ^= low
    }
  }
}

/**
 * Either match or both, `a`'s tiers all below `b`'s (the word tiers before the
 * substring tier, that before the typo tiers): a doc ranks by its better tier,
 * which is a's when it has one, so b's key is worked out only for the others.
 */
function combine (a: TextMatch | null, b: TextMatch | null, first: Bits | null): TextMatch | null {
  if (a === null || b === null) return a ?? b
  const aDocs = a.docs
  const aBound = a.bound ?? (() => -Infinity)
  const bBound = b.bound ?? (() => -Infinity)
  return {
    docs: or(aDocs.slice(), b.docs),
    key: (d) => has(aDocs, d) ? a.key(d) : b.key(d),
    first,
    bound: (d) => has(aDocs, d) ? aBound(d) : bBound(d)
  }
}

export { count as countBits }
