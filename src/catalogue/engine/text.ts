// How the search engine reads text: words, their folded form, the scripts
// written without spaces, and the small string tools the index and the queries
// share (code point order, one-edit distance, a 32-bit hash).

/** A word: letters, digits, marks and private-use characters (what the old FTS5 unicode61 tokenizer kept). */
const wordPattern = /[\p{L}\p{N}\p{M}\p{Co}]+/gu
/** Scripts written without spaces between words (Japanese, Chinese, Thai…): there a "word" is a whole phrase. */
export const noSpaceScripts = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u
export const noSpaceChar = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]$/u
/** Words typo correction handles: Latin, Greek or Cyrillic letters and digits. */
export const alphabetic = /^[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{N}\p{M}]+$/u
/** The diacritics Latin, Greek and Cyrillic letters decompose into (not kana's voicing marks: が stays が). */
const diacritics = /[\u0300-\u036f]/g
export const MAX_QUERY_WORDS = 30

/** Whether every UTF-16 unit of `text` is below `limit`. */
export function allBelow (text: string, limit: number): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= limit) return false
  return true
}

/** Lower case without diacritics: how words are indexed and looked up (`Pokémon` → `pokemon`). */
export function fold (word: string): string {
  if (allBelow(word, 0x80)) return word.toLowerCase()
  return word.normalize('NFD').replace(diacritics, '').toLowerCase().normalize('NFC')
}

/** The words of `text`, as written. */
export const wordsOf = (text: string): string[] => text.match(wordPattern) ?? []

/** The words of a query (at most MAX_QUERY_WORDS), folded. */
export const queryWords = (q: string): string[] => wordsOf(q).slice(0, MAX_QUERY_WORDS).map(fold)

/** `text` with ASCII letters in lower case: SQLite's NOCASE and LIKE, which tag names and title prefixes follow. */
export const asciiLower = (text: string): string => allBelow(text, 0x80) ? text.toLowerCase() : text.replace(/[A-Z]+/g, (s) => s.toLowerCase())

/** Compares strings by code point (UTF-8 byte order, SQLite's), not by UTF-16 unit as `<` does. */
export function compareCodePoints (a: string, b: string): number {
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) {
    let x = a.charCodeAt(i)
    let y = b.charCodeAt(i)
    if (x === y) continue
    // Surrogates (astral characters) above the rest of the BMP.
    if (x >= 0xd800) x = x >= 0xe000 ? x - 0x800 : x + 0x2000
    if (y >= 0xd800) y = y >= 0xe000 ? y - 0x800 : y + 0x2000
    return x - y
  }
  return a.length - b.length
}

/** Optimal string alignment distance of at most 1 (insertion, deletion, substitution or transposition), by code point. */
export function withinOneEdit (a: string, b: string): boolean {
  const x = [...a]
  const y = [...b]
  if (Math.abs(x.length - y.length) > 1) return false
  let i = 0
  while (i < x.length && i < y.length && x[i] === y[i]) i++
  if (i === x.length && i === y.length) return true
  const same = (p: string[], from: number, q: string[], at: number): boolean => {
    if (p.length - from !== q.length - at) return false
    for (let k = 0; from + k < p.length; k++) if (p[from + k] !== q[at + k]) return false
    return true
  }
  if (x.length === y.length) {
    if (same(x, i + 1, y, i + 1)) return true
    return x[i] === y[i + 1] && x[i + 1] === y[i] && same(x, i + 2, y, i + 2)
  }
  return x.length > y.length ? same(x, i + 1, y, i) : same(x, i, y, i + 1)
}

/** FNV-1a over UTF-16 units: keys of the typo index. */
export function hash32 (text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** `word` and each string one character shorter (by code point), distinct: the keys of a deletion (SymSpell) index. */
export function deletions (word: string): string[] {
  const chars = [...word]
  const out = new Set([word])
  for (let i = 0; i < chars.length; i++) out.add(chars.slice(0, i).join('') + chars.slice(i + 1).join(''))
  return [...out]
}

/** Typo correction applies to query words of at least this many letters… */
export const MIN_TYPO_LENGTH = 4
/** …and indexes words of at least this many (one deletion away from MIN_TYPO_LENGTH). */
export const MIN_TYPO_INDEXED = MIN_TYPO_LENGTH - 1
/** Whether typo correction indexes `term` (a folded word): Latin, Greek or Cyrillic (first character below U+0530). */
export const typoIndexed = (term: string): boolean => term.codePointAt(0)! < 0x530 && [...term].length >= MIN_TYPO_INDEXED
