// Jikan's `anime` resource of every served entry with a MyAnimeList id, held
// per catalogue version in a compact form, so that GET /v4/anime/{id} (and the
// pages of anime lists) answer without a database read or a JSON build.
//
// The resource has the same keys in the same order for every entry, and many of
// its values (the trailer, the broadcast, the nulls of what AOD lacks) are the
// same for every entry too. So the resource's text is cut at its top-level keys:
// a template shared by all entries holds the key names and the values that
// never change, and each entry holds only the JSON of its own values, packed in
// one buffer (a few hundred bytes an entry instead of the resource's 2.5 kB).
// An answer is the template and the entry's values copied in turn, with the
// request's origin written where company URLs link to this service (held as
// positions, not as text). A page of resources is written into one buffer,
// allocated once. Values that repeat others in another form are not held at all
// but written from them: `titles` from `title` and `title_synonyms`, `url` from
// `mal_id`. (The resources written out to a file and read back with one
// positioned read per lookup, outside the process's memory, were tried: under
// load the read cost the service as much CPU as the write.)
import { createVersionedLoad, indexOf, type VersionedLoadOptions } from '../catalogue/answers.js'
import { ByteList } from '../catalogue/byte-list.js'
import { IntList } from '../catalogue/int-list.js'
import type { FullEntry, FullEntryRange } from '../catalogue/full-entries.js'
import { NO_PICTURE, NO_THUMBNAIL } from '../catalogue/normalize.js'
import type { SiteName } from '../catalogue/sites.js'
import { animeResource } from './anime.js'
import { malAnimeUrlOf, malIdOf } from './sites.js'

/** Stands for the request's origin in built resources (company URLs); replaced by it when sent. */
export const ORIGIN = '\uE000origin\uE000'

/** How a resource links a company: through this service's /v4/producers, at the asking origin. */
export const companyUrl = (id: number): string => `${ORIGIN}/v4/producers/${id}`

/** The resource of an entry as JSON text, origins left as ORIGIN. */
export const animeResourceJson = (entry: FullEntry, malId: number): string => JSON.stringify(animeResource(entry, malId, companyUrl))

/** Two entries that differ in every field: a value the same in both resources does not depend on the entry. */
const probes: FullEntry[] = [
  {
    id: 1,
    title: 'Probe',
    anime_type: 'TV',
    num_episodes: 12,
    status: 'Ongoing',
    year: 2001,
    season: 'SPRING',
    picture: 'https://cdn.example/1.jpg',
    thumbnail: 'https://cdn.example/1t.jpg',
    duration: 1440,
    score: 7.5,
    tags: ['action', 'comedy', 'school', 'shounen', 'hentai', 'erotica', 'gore'],
    sources: [malAnimeUrlOf(1)],
    synonyms: ['Probe synonym'],
    studios: [{ id: 1, name: 'Studio' }],
    producers: [{ id: 2, name: 'Producer' }]
  },
  {
    id: 2,
    title: 'Other',
    anime_type: 'Unknown',
    num_episodes: 0,
    status: 'Unknown',
    year: null,
    season: null,
    picture: NO_PICTURE,
    thumbnail: NO_THUMBNAIL,
    duration: null,
    score: null,
    tags: [],
    sources: [malAnimeUrlOf(2)],
    synonyms: [],
    studios: [],
    producers: []
  }
]

/**
 * The resource's shape: objects whose keys are the same for every entry are
 * walked into; a value the same in both probes is constant (part of the
 * template); any other value is the entry's own (a leaf).
 */
type Shape = { kind: 'constant', json: string } | { kind: 'leaf', path: string } | { kind: 'object', keys: string[], shapes: Shape[] }

/**
 * The template: the texts between the leaves (leaves + 1 of them); for each
 * leaf, the earlier leaf whose value it repeats (the picture is both
 * `image_url` and `large_image_url`), or -1 when it has values of its own; and
 * whether its values link to this service (companies: ORIGIN in them).
 */
interface Template {
  shape: Shape
  leaves: string[]
  sameAs: number[]
  pieces: Buffer[]
  linksHere: boolean[]
  /** How each leaf is written from others (DERIVED_NONE: from its own value or the one it repeats), and from which leaves. */
  derived: Derivation[]
  derivedFrom: number[][]
  /** Whether the leaf's value is in the entry's record (neither a repeat nor derived). */
  stored: boolean[]
  /**
   * The leaves whose values are read from the record when the resource's writing
   * reaches leaf j: decodeList[decodeStart[j] … decodeStart[j + 1]), in the
   * record's order: a leaf's own, and before a derived leaf the later leaves it
   * is written from.
   */
  decodeStart: Int32Array
  decodeList: Int32Array
}

/** Leaves written from other leaves' values. */
const DERIVED_NONE = 0
/** `titles`: `[{"type":"Default","title":<title>}`, then `,{"type":"Synonym","title":<s>}` for each of `title_synonyms`, then `]`. */
const DERIVED_TITLES = 1
/** `url`: MyAnimeList's page of `mal_id`. */
const DERIVED_MAL_URL = 2
type Derivation = typeof DERIVED_NONE | typeof DERIVED_TITLES | typeof DERIVED_MAL_URL

const titlesHead = '[{"type":"Default","title":'
const synonymHead = ',{"type":"Synonym","title":'
/** The JSON of a MyAnimeList page is this, the id's digits, and a closing quote. */
const malUrlHead = JSON.stringify(malAnimeUrlOf(1)).slice(0, -2)
const [titlesHeadBytes, synonymHeadBytes, malUrlHeadBytes] = [titlesHead, synonymHead, malUrlHead].map((text) => Buffer.from(text)) as [Buffer, Buffer, Buffer]

/** The JSON of `titles` written from the JSON of `title` and of `title_synonyms` (as the held resources write it). */
function titlesJson (title: string, synonyms: string): string | null {
  const list = JSON.parse(synonyms) as unknown
  if (!Array.isArray(list) || !list.every((synonym) => typeof synonym === 'string')) return null
  return `${titlesHead}${title}}${list.map((synonym) => `${synonymHead}${JSON.stringify(synonym)}}`).join('')}]`
}

/** The JSON of `url` written from the JSON of `mal_id`. */
const malUrlJson = (malId: string): string => `${malUrlHead}${malId}"`

/** Which derivation leaf j has, and the leaves it is written from (none where the resource lacks them). */
function derivationsOf (leaves: string[]): Array<{ kind: Derivation, from: number[] }> {
  const at = (path: string): number => leaves.indexOf(path)
  return leaves.map((path) => {
    const from = path === 'titles' ? [at('title'), at('title_synonyms')] : path === 'url' ? [at('mal_id')] : []
    if (from.length === 0 || from.some((j) => j < 0)) return { kind: DERIVED_NONE, from: [] }
    return { kind: path === 'titles' ? DERIVED_TITLES : DERIVED_MAL_URL, from }
  })
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

function shapeOf (a: unknown, b: unknown, path: string): Shape {
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a)
    if (keys.join('\0') === Object.keys(b).join('\0')) return { kind: 'object', keys, shapes: keys.map((key) => shapeOf(a[key], b[key], path === '' ? key : `${path}.${key}`)) }
  }
  const json = JSON.stringify(a)
  return json === JSON.stringify(b) ? { kind: 'constant', json } : { kind: 'leaf', path }
}

function templateOf (): Template {
  const [a, b] = probes.map((probe) => animeResource(probe, malIdOf(probe.sources)!, companyUrl))
  const shape = shapeOf(a, b, '')
  const leaves: string[] = []
  const texts: string[] = []
  let text = ''
  const walk = (node: Shape): void => {
    if (node.kind === 'constant') text += node.json
    else if (node.kind === 'leaf') {
      leaves.push(node.path)
      texts.push(text)
      text = ''
    } else {
      text += '{'
      node.keys.forEach((key, i) => {
        text += `${i === 0 ? '' : ','}${JSON.stringify(key)}:`
        walk(node.shapes[i]!)
      })
      text += '}'
    }
  }
  walk(shape)
  texts.push(text)
  // A leaf equal to an earlier one in both probes (which differ in every field) repeats it.
  const inA: string[] = []
  const inB: string[] = []
  leavesOf(shape, a, inA)
  leavesOf(shape, b, inB)
  const sameAs = leaves.map((_, j) => inA.findIndex((json, i) => i < j && json === inA[j] && inB[i] === inB[j]))
  const derivations = derivationsOf(leaves)
  const stored = leaves.map((_, j) => sameAs[j]! < 0 && derivations[j]!.kind === DERIVED_NONE)
  // The record's order: each stored leaf where it is written, or earlier, where a derived leaf needs it.
  const decoded = new Set<number>()
  const decodeStart = new Int32Array(leaves.length + 1)
  const decodeList: number[] = []
  leaves.forEach((_, j) => {
    for (const leaf of [...derivations[j]!.from, j]) {
      if (stored[leaf] && !decoded.has(leaf)) { decoded.add(leaf); decodeList.push(leaf) }
    }
    decodeStart[j + 1] = decodeList.length
  })
  return {
    shape,
    leaves,
    sameAs,
    pieces: texts.map((t) => Buffer.from(t)),
    linksHere: inA.map((json) => json.includes(ORIGIN)),
    derived: derivations.map((d) => d.kind),
    derivedFrom: derivations.map((d) => d.from),
    stored,
    decodeStart,
    decodeList: Int32Array.from(decodeList)
  }
}

const template = templateOf()
/** The bytes of the template's texts, which every resource has. */
const templateSize = template.pieces.reduce((sum, piece) => sum + piece.length, 0)

/** Pushes the JSON of `value`'s leaves onto `values`; false when `value` does not have the shape. */
function leavesOf (shape: Shape, value: unknown, values: string[], raws?: unknown[]): boolean {
  if (shape.kind === 'object') {
    if (!isObject(value)) return false
    const keys = Object.keys(value)
    if (keys.length !== shape.keys.length) return false
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] !== shape.keys[i] || !leavesOf(shape.shapes[i]!, value[keys[i]!], values, raws)) return false
    }
    return true
  }
  const json = JSON.stringify(value) as string | undefined
  if (json === undefined) return false
  if (shape.kind === 'constant') return json === shape.json
  values.push(json)
  raws?.push(value)
  return true
}

/**
 * The JSON of each of the entry's own values, in template order (the values
 * themselves pushed onto `raws`, when given); null when its
 * resource does not fit the template (a value the probes said is constant is
 * not, or one they said repeats another does not): such an entry is built
 * when asked, not held.
 */
function valuesOf (entry: FullEntry, malId: number, raws?: unknown[]): string[] | null {
  const values: string[] = []
  if (!leavesOf(template.shape, animeResource(entry, malId, companyUrl), values, raws)) return null
  // ORIGIN anywhere else (a title that holds its text) would be taken for it: such an entry is built.
  return values.every((json, j) => (template.sameAs[j]! < 0 || values[template.sameAs[j]!] === json) && (template.linksHere[j]! || !json.includes(ORIGIN)) && derivedRight(values, j)) ? values : null
}

/** Whether leaf j's value is what would be written from the values it is derived from (true for a leaf not derived). */
function derivedRight (values: string[], j: number): boolean {
  const from = template.derivedFrom[j]!
  switch (template.derived[j]) {
    case DERIVED_TITLES: return values[j] === titlesJson(values[from[0]!]!, values[from[1]!]!)
    case DERIVED_MAL_URL: return /^[0-9]+$/.test(values[from[0]!]!) && values[j] === malUrlJson(values[from[0]!]!)
    default: return true
  }
}

/**
 * The distinct values of one key, packed: value v is bytes starts[v] … starts[v + 1],
 * with the request's origin to be written at its offsets originAt[originStarts[v]] …
 * originAt[originStarts[v + 1] - 1] (from the value's start, ascending); originStarts is
 * null for the keys that never link to this service.
 */
interface Values { bytes: Buffer, starts: Int32Array, originStarts: Int32Array | null, originAt: Int32Array }

/**
 * One catalogue version's resources. An entry's own data is one record, read
 * in one pass while its resource is written (a page of entries touches a few
 * runs of memory per entry, not one per key): for each leaf with values of its
 * own, in template order, the index of its value among the key's distinct
 * values (`tables`); or, from entry `modeFrom[j]` on, for keys whose values
 * nearly all differ (titles, pictures), the value's bytes after their length,
 * and for lists whose items repeat more than the lists do (genre sets,
 * producers), how many items and the index of each among the key's distinct
 * items (`items`). Numbers in records are LEB128 varints.
 */
interface Held {
  /** Catalogue ids of the entries held, ascending. */
  ids: Int32Array
  /** Entry i's record is records[recordStarts[i], recordStarts[i + 1]). */
  records: Buffer
  recordStarts: Int32Array
  /** Entry i's resource is sizes[i] bytes long with origins[i] origins written in. */
  sizes: Int32Array
  origins: Uint16Array
  /** Each key's distinct values (null: a key that repeats another), and distinct items (null: not kept as a list). */
  tables: Array<Values | null>
  items: Array<Values | null>
  /** How key j's values are kept (a Mode) from entry modeFrom[j] on; entries before it refer to tables[j]. */
  modes: Mode[]
  modeFrom: number[]
  /** MyAnimeList ids, ascending (any safe integer), and the catalogue id each stands for (the lowest, as id mapping answers). */
  malIds: Float64Array
  byMal: Int32Array
  /** Where in `ids` the entry each of malIds stands for is (-1: not held); and malIds as a hash table (see malPosition). */
  malHeld: Int32Array
  malSlots: Int32Array
}

/**
 * A hash of a MyAnimeList id (any safe integer): a lookup by id finds its
 * entry in one or two probes of a table instead of two binary searches over
 * the catalogue (some thirty reads spread over a few hundred kilobytes).
 */
function malHash (malId: number): number {
  const h = Math.imul((malId >>> 0) ^ Math.imul((malId / 4294967296) >>> 0, 0x9e3779b1), 0x85ebca6b)
  return h ^ (h >>> 15)
}

/** malIds as an open-addressing table: slot → position in malIds + 1 (0: empty), at least half empty. */
function malSlotsOf (malIds: Float64Array): Int32Array {
  let size = 16
  while (size < malIds.length * 2) size *= 2
  const slots = new Int32Array(size)
  const mask = size - 1
  for (let p = 0; p < malIds.length; p++) {
    let slot = malHash(malIds[p]!) & mask
    while (slots[slot] !== 0) slot = (slot + 1) & mask
    slots[slot] = p + 1
  }
  return slots
}

/** Where `malId` is in held.malIds; -1 when it is not there. */
function malPosition (held: Held, malId: number): number {
  const { malSlots, malIds } = held
  const mask = malSlots.length - 1
  for (let slot = malHash(malId) & mask; ; slot = (slot + 1) & mask) {
    const p = malSlots[slot]!
    if (p === 0) return -1
    if (malIds[p - 1] === malId) return p - 1
  }
}

/** How many entries a key's values are told apart over before deciding whether they repeat. */
const DEDUPE_TRIAL = 2000
/** Fewer distinct lists than 1 in this many entries of the trial stay whole in their table (a small table stays in the CPU's cache). */
const LIST_MIN_SHARE = 32

/** How an entry's value of a key is in its record: the index in the key's table, the bytes, or the items' indexes. */
const TABLE = 0
const INLINE = 1
const LIST = 2
type Mode = typeof TABLE | typeof INLINE | typeof LIST

/** One key's distinct values as they load: each new value appended; repeated ones found by text while they repeat enough to pay for the map. */
class ValueTable {
  private readonly bytes = new ByteList()
  private readonly ends = new IntList()
  /** Per value, the end of its origins in originAt. */
  private readonly originEnds = new IntList()
  private readonly originAt = new IntList()
  private count = 0
  private pending: string[] = []
  private byteSize = 0
  private seen = 0
  private known: Map<string, number> | null = new Map()

  constructor (private readonly trial: number) {}

  /** How many distinct values it has. */
  get size (): number { return this.count }

  /** Whether the values told apart so far nearly all differ (decided after DEDUPE_TRIAL of them). */
  get distinct (): boolean { return this.known === null }

  /** Adds the next entry's value; returns its index among the distinct values. */
  add (json: string): number {
    this.seen++
    const known = this.known?.get(json)
    if (known !== undefined) return known
    const index = this.count++
    let text = json
    if (json.includes(ORIGIN)) {
      // The ORIGINs are left out of the bytes; where each stood is kept instead.
      const parts = json.split(ORIGIN)
      let at = 0
      for (let i = 0; i < parts.length - 1; i++) {
        at += Buffer.byteLength(parts[i]!)
        this.originAt.push(at)
      }
      text = parts.join('')
    }
    this.originEnds.push(this.originAt.length)
    this.byteSize += Buffer.byteLength(text)
    this.ends.push(this.byteSize)
    this.pending.push(text)
    if (this.known !== null) {
      this.known.set(json, index)
      // Values nearly all different (titles, pictures): a map would only cost memory.
      if (this.seen === this.trial && this.known.size > this.trial / 2) this.known = null
    }
    return index
  }

  /** Writes the values added since the last flush into one buffer (one per slice: no string per value outlives its slice). */
  flush (): void {
    if (this.pending.length === 0) return
    this.bytes.appendString(this.pending.join(''))
    this.pending = []
  }

  pack (): Values {
    this.flush()
    const starts = new Int32Array(this.ends.length + 1)
    starts.set(this.ends.view(), 1)
    let originStarts: Int32Array | null = null
    if (this.originAt.length > 0) {
      originStarts = new Int32Array(this.count + 1)
      originStarts.set(this.originEnds.view(), 1)
    }
    return { bytes: this.bytes.done(), starts, originStarts, originAt: this.originAt.done() }
  }
}

const originSize = Buffer.byteLength(ORIGIN)

/** A catalogue version's resources as they load: the records, a slice at a time, and the keys' tables. */
class Loading {
  readonly ids = new IntList()
  readonly mal = new Map<number, number>()
  /** A table for each key with values of its own (null: it repeats another). */
  readonly tables: Array<ValueTable | null>
  /** Each key's distinct items while its values are lists (told apart from the start: null once a value is not a list, or the key is not kept as lists). */
  readonly items: Array<ValueTable | null>
  readonly modes: Mode[] = template.sameAs.map(() => TABLE)
  readonly modeFrom = template.sameAs.map(() => Infinity)
  private readonly recordEnds = new IntList()
  private readonly sizes = new IntList()
  private readonly origins = new IntList()
  private readonly records = new ByteList()
  /** The slice's records, written here and copied out at its end. */
  private scratch = Buffer.allocUnsafeSlow(1 << 16)
  private at = 0

  constructor (private readonly trial: number) {
    this.tables = template.stored.map((stored) => stored ? new ValueTable(trial) : null)
    this.items = template.stored.map((stored) => stored ? new ValueTable(Infinity) : null)
  }

  /**
   * Adds an entry's values and the values themselves (valuesOf); false when it
   * cannot be held (more origins than its count can say): it is built when asked.
   */
  add (id: number, values: string[], raws: unknown[]): boolean {
    let size = 0
    let origins = 0
    for (const json of values) {
      size += Buffer.byteLength(json)
      if (json.includes(ORIGIN)) {
        const n = json.split(ORIGIN).length - 1
        origins += n
        size -= n * originSize
      }
    }
    if (origins > 0xffff) return false
    const index = this.ids.length
    if (index === this.trial) this.decide()
    // Each list's items, where its key is kept as lists (told apart from the start, until decided).
    const itemsOf: Array<string[] | null> = values.map((json, j) => {
      if (this.items[j] === null || this.items[j] === undefined || (index >= this.trial && this.modes[j] !== LIST)) return null
      const raw = raws[j]
      return Array.isArray(raw) ? raw.map((item) => JSON.stringify(item)) : null
    })
    for (let j = 0; j < values.length; j++) {
      const items = itemsOf[j]
      if (items !== null && items !== undefined && `[${items.join(',')}]` !== values[j]) itemsOf[j] = null
      if (index < this.trial && (items === null || itemsOf[j] === null)) this.items[j] = null
      else if (index >= this.trial && this.modes[j] === LIST && itemsOf[j] === null) return false
    }
    // In the record's order (template.decodeList: each stored leaf once).
    for (const j of template.decodeList) {
      const table = this.tables[j]!
      const json = values[j]!
      const items = itemsOf[j]
      if (index < this.modeFrom[j]!) {
        this.varint(table.add(json))
        if (items !== null && items !== undefined) for (const item of items) this.items[j]!.add(item)
      } else if (this.modes[j] === LIST) {
        this.varint(items!.length)
        for (const item of items!) this.varint(this.items[j]!.add(item))
      } else {
        const length = Buffer.byteLength(json)
        this.varint(length)
        this.room(length)
        this.at += this.scratch.write(json, this.at)
      }
    }
    this.ids.push(id)
    this.recordEnds.push(this.records.length + this.at)
    this.sizes.push(size + templateSize)
    this.origins.push(origins)
    return true
  }

  /** After the trial: how each key is kept from here on. */
  private decide (): void {
    this.tables.forEach((table, j) => {
      if (table === null) return
      const items = this.items[j]
      if (table.distinct && !template.linksHere[j]!) {
        // Values nearly all different (titles, pictures): in the record.
        this.modes[j] = INLINE
        this.modeFrom[j] = this.trial
      } else if (items !== null && items !== undefined && table.size >= Math.max(2, this.trial / LIST_MIN_SHARE) && items.size < table.size) {
        // Many lists of fewer items (genre sets, producers): the items' indexes, the items in a small table.
        this.modes[j] = LIST
        this.modeFrom[j] = this.trial
      }
      if (this.modes[j] !== LIST) this.items[j] = null
    })
  }

  private room (bytes: number): void {
    if (this.at + bytes <= this.scratch.length) return
    const bigger = Buffer.allocUnsafeSlow(Math.max(this.scratch.length * 2, this.at + bytes))
    this.scratch.copy(bigger, 0, 0, this.at)
    this.scratch = bigger
  }

  private varint (value: number): void {
    this.room(5)
    while (value >= 0x80) {
      this.scratch[this.at++] = (value & 0x7f) | 0x80
      value >>>= 7
    }
    this.scratch[this.at++] = value
  }

  /** Ends a slice: its records into a buffer of their own, its values into their tables'. */
  flush (): void {
    for (const table of this.tables) table?.flush()
    for (const table of this.items) table?.flush()
    if (this.at === 0) return
    this.records.append(this.scratch.subarray(0, this.at))
    this.at = 0
  }

  finish (): Held {
    this.flush()
    const recordStarts = new Int32Array(this.recordEnds.length + 1)
    recordStarts.set(this.recordEnds.view(), 1)
    const malIds = Float64Array.from(this.mal.keys()).sort()
    const ids = this.ids.done()
    const byMal = Int32Array.from(malIds, (malId) => this.mal.get(malId)!)
    return {
      ids,
      records: this.records.done(),
      recordStarts,
      sizes: this.sizes.done(),
      origins: Uint16Array.from(this.origins.view()),
      tables: this.tables.map((table) => table?.pack() ?? null),
      items: this.items.map((table, j) => this.modes[j] === LIST ? table!.pack() : null),
      modes: this.modes,
      modeFrom: this.modeFrom,
      malIds,
      byMal,
      malHeld: Int32Array.from(byMal, (id) => indexOf(ids, id)),
      malSlots: malSlotsOf(malIds)
    }
  }
}

export interface ResourceSource {
  fullEntryRange: (afterId: number, limit: number, site: SiteName) => FullEntryRange
}

export interface ResourceStoreOptions extends VersionedLoadOptions {
  /** How many entries a key's values are told apart over before deciding whether they repeat (tests make it small). */
  dedupeTrial?: number
  /** Bytes of resources kept as last written (see WRITTEN_MAX_BYTES); 0 keeps none. */
  writtenMaxBytes?: number
  /** Bytes of lookups' answers kept as first written (see KeptAnswers; JIKAN_WRITTEN_MAX); 0, the default, keeps none. */
  keptMaxBytes?: number
}

/**
 * Bound of the resources kept as last written, in bytes (some 800 resources):
 * an entry of a page asked for lately (popular searches, the first pages of
 * top and seasons) is copied whole into the next answer that has it, instead
 * of written again from its record (some fifty small copies from places spread
 * over the held tables).
 */
export const WRITTEN_MAX_BYTES = 2 * 2 ** 20

/** Bytes of each buffer KeptAnswers appends answers to. */
const KEPT_CHUNK = 1 << 20

/**
 * Lookups' answers (`{"data": …}`) kept as first written, by their entry's
 * index in one held version, up to a bound of bytes, so that a lookup asked
 * again sends them as they are, as GET /anime/entry/:id sends its held
 * answers. Writing an answer from the compact form copies some sixty pieces
 * from places spread over the held tables; in a busy service those are no
 * longer in the CPU's caches, and the write costs a lookup several times what
 * it does in a loop (docs/jikan.md). An answer is kept for the origin it was
 * written for, when it links to this service (its companies' URLs); asked for
 * at another origin, it is written again and that copy kept instead, while
 * the bound allows. Nothing is ever written over: a kept answer may still be
 * on its way to a client.
 */
class KeptAnswers {
  private of: Held | null = null
  private answers: Array<Buffer | undefined> = []
  private origins: string[] = []
  private chunk: Buffer | null = null
  private chunkAt = 0
  private used = 0

  constructor (private readonly maxBytes: number) {}

  /** Entry `index`'s answer in `held` for `origin`, if kept (`linked`: it links to this service, so the origin must match). */
  get (held: Held, index: number, origin: string, linked: boolean): Buffer | undefined {
    if (held !== this.of) return undefined
    const answer = this.answers[index]
    return answer === undefined || (linked && this.origins[index] !== origin) ? undefined : answer
  }

  /** Keeps a copy of `answer` as entry `index`'s in `held` for `origin`, while the bound allows; returns the copy kept, or `answer`. */
  put (held: Held, index: number, origin: string, answer: Buffer): Buffer {
    if (held !== this.of) {
      // Another version: the answers of the last one go with it.
      this.of = held
      this.answers = new Array<Buffer | undefined>(held.ids.length)
      this.origins = new Array<string>(held.ids.length)
      this.chunk = null
      this.used = 0
    }
    if (this.used + answer.length > this.maxBytes) return answer
    if (this.chunk === null || this.chunkAt + answer.length > this.chunk.length) {
      this.chunk = Buffer.allocUnsafeSlow(Math.max(KEPT_CHUNK, answer.length))
      this.chunkAt = 0
    }
    const kept = this.chunk.subarray(this.chunkAt, this.chunkAt + answer.length)
    kept.set(answer)
    this.chunkAt += answer.length
    this.used += answer.length
    this.answers[index] = kept
    this.origins[index] = origin
    return kept
  }
}

/** A resource as last written: where in the ring, how long, and the origin written in (it serves another origin when it links nowhere here). */
interface Written { index: number, at: number, length: number, origin: string }

/**
 * Resources as last written, by their entry's index in the held version: a
 * ring of bytes written in turn, the oldest copies overwritten first (first in,
 * first out: a miss costs one copy and no allocation, which a cache ordered by
 * use did not allow).
 */
class WrittenRing {
  private bytes: Buffer | null = null
  private head = 0
  private readonly copies = new Map<number, Written>()
  /** The copies in the order written; the oldest from `first` on. */
  private order: Written[] = []
  private first = 0

  constructor (private readonly capacity: number) {}

  /** Entry `index`'s copy for `origin`, if kept (`linked`: its resource links to this service, so the origin must match). */
  get (index: number, origin: string, linked: boolean): Buffer | undefined {
    const copy = this.copies.get(index)
    if (copy === undefined || (linked && copy.origin !== origin)) return undefined
    return this.bytes!.subarray(copy.at, copy.at + copy.length)
  }

  /** Keeps `from[start, end)` as entry `index`'s resource, written for `origin`. */
  put (index: number, origin: string, from: Buffer, start: number, end: number): void {
    const length = end - start
    if (length > this.capacity >>> 3) return
    this.bytes ??= Buffer.allocUnsafeSlow(this.capacity)
    if (this.head + length > this.capacity) {
      // Round to the start: the copies after the head (the oldest) go first.
      while (this.first < this.order.length && this.order[this.first]!.at >= this.head) this.drop()
      this.head = 0
    }
    while (this.first < this.order.length && this.order[this.first]!.at >= this.head && this.order[this.first]!.at < this.head + length) this.drop()
    this.bytes.set(from.subarray(start, end), this.head)
    const copy = { index, at: this.head, length, origin }
    this.copies.set(index, copy)
    this.order.push(copy)
    this.head += length
  }

  clear (): void {
    this.copies.clear()
    this.order = []
    this.first = 0
    this.head = 0
  }

  private drop (): void {
    const copy = this.order[this.first++]!
    if (this.copies.get(copy.index) === copy) this.copies.delete(copy.index)
    // The dropped part of the list let go now and then, not at every drop.
    if (this.first >= 1024 && this.first * 2 >= this.order.length) {
      this.order = this.order.slice(this.first)
      this.first = 0
    }
  }
}

export interface ResourceStore {
  /**
   * The catalogue id of the entry with MyAnimeList id `malId` in catalogue
   * version `version`: null when that version has none; undefined when the
   * version is not held (yet): ask the database.
   */
  entryOf: (version: string, malId: number) => number | null | undefined
  /**
   * The resource of the entry with MyAnimeList id `malId`, as Jikan's `{"data": …}`
   * for `origin` (bytes): null when version `version` has no such entry;
   * undefined when not held (the version is not, or the entry is not): build it.
   * With `keptMaxBytes`, the same bytes again for the same entry (KeptAnswers).
   */
  lookup: (version: string, malId: number, origin: string) => Buffer | null | undefined
  /**
   * Entry `id`'s resource as JSON for `origin` (bytes), wrapped as Jikan's
   * `{"data": …}` when `wrap`; undefined when not held (the version is not, or
   * the entry is not): build it.
   */
  resource: (version: string, id: number, origin: string, wrap?: boolean) => Buffer | undefined
  /**
   * The resources of entries `ids` for `origin`, in order and separated by
   * commas, between `before` and `after` (a page of a list), as one buffer;
   * undefined when any of them is not held. A large one is written into a
   * buffer of pages: give it back with release once it is sent.
   */
  join: (version: string, ids: readonly number[], origin: string, before: string, after: string) => Buffer | undefined
  /**
   * Takes back a page join returned, once sent (the socket has it): its
   * memory is written into by a later page, so it must not be read again.
   * Anything else, or a page given back before, is left alone.
   */
  release: (page: Buffer) => void
  /** Starts loading `version` if it is newer than the one held. */
  prepare: (version: string) => void
  held: () => string | null
  close: () => void
}

/**
 * The resources of every served entry with a MyAnimeList id, one catalogue
 * version at a time, read in slices (createVersionedLoad: a new version starts
 * loading when first asked for; until it is held, callers build answers as
 * before).
 */
export function createResourceStore (source: ResourceSource, options: ResourceStoreOptions = {}): ResourceStore {
  const width = template.leaves.length
  const load = createVersionedLoad((afterId, limit) => source.fullEntryRange(afterId, limit, 'myanimelist'), {
    start: () => new Loading(options.dedupeTrial ?? DEDUPE_TRIAL),
    add (so, range: FullEntryRange) {
      for (const entry of range.entries) {
        const malId = malIdOf(entry.sources)
        const raws: unknown[] = []
        const values = malId === null ? null : valuesOf(entry, malId, raws)
        if (values !== null) so.add(entry.id, values, raws)
      }
      so.flush()
      for (const [siteId, id] of range.onSite) {
        const malId = Number(siteId)
        const known = so.mal.get(malId)
        if (known === undefined || id < known) so.mal.set(malId, id)
      }
    },
    finish: (so): Held => so.finish()
  }, options)

  const { pieces, sameAs, derived, decodeStart, decodeList } = template
  // The leaves the derived ones are written from (-1: none, nothing derived).
  const sourcesOf = (path: string): number[] => template.derivedFrom[template.leaves.indexOf(path)] ?? []
  const [titleLeaf = -1, synonymsLeaf = -1] = sourcesOf('titles')
  const [malLeaf = -1] = sourcesOf('url')
  let lastOrigin = ''
  let lastOriginBytes = Buffer.alloc(0)
  /** Where the entries of one join are in the held arrays (reused: one join at a time). */
  let indexes = new Int32Array(32)
  /** Per leaf of the resource being written: its value's bytes in the record (from, to), or its index in its table (ref ≥ 0). */
  const leafFrom = new Int32Array(width)
  const leafTo = new Int32Array(width)
  const leafRef = new Int32Array(width)

  /** Copies value `v` of `values` into `out` at `at`, with `origin` where it links to this service; returns the end. */
  const copyValue = (values: Values, v: number, origin: Buffer, out: Buffer, at: number): number => {
    const { bytes, starts, originStarts, originAt } = values
    const start = starts[v]!
    const end = starts[v + 1]!
    if (originStarts === null || originStarts[v] === originStarts[v + 1]) return copyRange(bytes, start, end, out, at)
    let from = start
    for (let k = originStarts[v]!; k < originStarts[v + 1]!; k++) {
      const to = start + originAt[k]!
      at = copyRange(bytes, from, to, out, at)
      at = copyRange(origin, 0, origin.length, out, at)
      from = to
    }
    return copyRange(bytes, from, end, out, at)
  }

  /** Writes entry `index`'s resource into `out` at `at`, with `origin` where it links to this service; returns the end. */
  const write = (held: Held, index: number, origin: Buffer, out: Buffer, at: number): number => {
    const { records, modes, modeFrom } = held
    let p = held.recordStarts[index]!
    for (let j = 0; j < width; j++) {
      at = copyRange(pieces[j]!, 0, pieces[j]!.length, out, at)
      for (let d = decodeStart[j]!; d < decodeStart[j + 1]!; d++) {
        const leaf = decodeList[d]!
        // The value's index in its table, the length of the bytes that follow, or the number of items.
        const n = varintAt(records, p)
        p = varintEnd
        const mode = index < modeFrom[leaf]! ? TABLE : modes[leaf]!
        if (mode === TABLE) {
          leafRef[leaf] = n
        } else if (mode === INLINE) {
          leafRef[leaf] = -1
          leafFrom[leaf] = p
          leafTo[leaf] = p += n
        } else {
          leafRef[leaf] = -2
          leafFrom[leaf] = p
          leafTo[leaf] = n
          for (let k = 0; k < n; k++) while (records[p++]! >= 0x80);
        }
      }
      const kind = derived[j]!
      at = kind === DERIVED_NONE
        ? writeLeaf(held, sameAs[j]! < 0 ? j : sameAs[j]!, origin, out, at)
        : kind === DERIVED_TITLES ? writeTitles(held, origin, out, at) : writeMalUrl(held, origin, out, at)
    }
    return copyRange(pieces[width]!, 0, pieces[width]!.length, out, at)
  }

  /** Writes the value of `leaf` read last from a record (by write); returns the end. */
  const writeLeaf = (held: Held, leaf: number, origin: Buffer, out: Buffer, at: number): number => {
    const ref = leafRef[leaf]!
    return ref >= 0
      ? copyValue(held.tables[leaf]!, ref, origin, out, at)
      : ref === -1 ? copyRange(held.records, leafFrom[leaf]!, leafTo[leaf]!, out, at) : writeList(held.items[leaf]!, held.records, leafFrom[leaf]!, leafTo[leaf]!, origin, out, at)
  }

  /** `titles`, from `title` and `title_synonyms` (titlesJson). */
  const writeTitles = (held: Held, origin: Buffer, out: Buffer, at: number): number => {
    out.set(titlesHeadBytes, at)
    at = writeLeaf(held, titleLeaf, origin, out, at + titlesHeadBytes.length)
    out[at++] = 0x7d // }
    const ref = leafRef[synonymsLeaf]!
    if (ref === -2) {
      // Held as items: each item is a synonym's JSON.
      const items = held.items[synonymsLeaf]!
      let p = leafFrom[synonymsLeaf]!
      for (let k = 0; k < leafTo[synonymsLeaf]!; k++) {
        const v = varintAt(held.records, p)
        p = varintEnd
        out.set(synonymHeadBytes, at)
        at = copyValue(items, v, origin, out, at + synonymHeadBytes.length)
        out[at++] = 0x7d // }
      }
    } else {
      // The JSON of an array of strings (no origins in it: see valuesOf), cut at its strings.
      const table = held.tables[synonymsLeaf]!
      const bytes = ref >= 0 ? table.bytes : held.records
      const end = (ref >= 0 ? table.starts[ref + 1]! : leafTo[synonymsLeaf]!) - 1
      let i = (ref >= 0 ? table.starts[ref]! : leafFrom[synonymsLeaf]!) + 1
      while (i < end) {
        const from = i
        // To the closing quote: the next quote not escaped (after an even run of backslashes).
        for (;;) {
          i = bytes.indexOf(0x22, i + 1)
          let slashes = 0
          while (bytes[i - 1 - slashes] === 0x5c) slashes++
          if ((slashes & 1) === 0) break
        }
        i++
        out.set(synonymHeadBytes, at)
        at = copyRange(bytes, from, i, out, at + synonymHeadBytes.length)
        out[at++] = 0x7d // }
        i++ // the comma
      }
    }
    out[at++] = 0x5d // ]
    return at
  }

  /** `url`, from `mal_id` (malUrlJson). */
  const writeMalUrl = (held: Held, origin: Buffer, out: Buffer, at: number): number => {
    out.set(malUrlHeadBytes, at)
    at = writeLeaf(held, malLeaf, origin, out, at + malUrlHeadBytes.length)
    out[at++] = 0x22 // "
    return at
  }

  /** Writes a list of `count` items whose indexes in `items` are the varints at records[p…]; returns the end. */
  const writeList = (items: Values, records: Buffer, p: number, count: number, origin: Buffer, out: Buffer, at: number): number => {
    out[at++] = 0x5b // [
    for (let k = 0; k < count; k++) {
      if (k > 0) out[at++] = 0x2c // ,
      const v = varintAt(records, p)
      p = varintEnd
      at = copyValue(items, v, origin, out, at)
    }
    out[at++] = 0x5d // ]
    return at
  }

  const writtenMaxBytes = options.writtenMaxBytes ?? WRITTEN_MAX_BYTES
  const written = writtenMaxBytes <= 0 ? null : new WrittenRing(writtenMaxBytes)
  const keptMaxBytes = options.keptMaxBytes ?? 0
  const answers = keptMaxBytes <= 0 ? null : new KeptAnswers(keptMaxBytes)
  /** The version `written` holds resources of (by their index in it). */
  let writtenOf: Held | null = null

  /** join, keeping what it writes in `written` when `keep` (a page: its entries are asked for again with it). */
  const joinOf = (version: string, ids: readonly number[], origin: string, before: string | Buffer, after: string | Buffer, keep: boolean): Buffer | undefined => {
    const held = load.of(version)
    if (held === undefined) return undefined
    if (indexes.length < ids.length) indexes = new Int32Array(ids.length)
    for (let i = 0; i < ids.length; i++) {
      const index = indexOf(held.ids, ids[i]!)
      if (index < 0) return undefined
      indexes[i] = index
    }
    return joinIndexes(held, ids.length, origin, before, after, keep)
  }

  /** The resources of the entries at indexes[0 … count) of `held`, joined as join does. */
  const joinIndexes = (held: Held, count: number, origin: string, before: string | Buffer, after: string | Buffer, keep: boolean): Buffer => {
    if (held !== writtenOf) {
      written?.clear()
      writtenOf = held
    }
    if (origin !== lastOrigin) {
      lastOrigin = origin
      lastOriginBytes = Buffer.from(origin)
    }
    let size = byteSize(before) + byteSize(after) + Math.max(0, count - 1)
    for (let i = 0; i < count; i++) size += held.sizes[indexes[i]!]! + held.origins[indexes[i]!]! * lastOriginBytes.length
    const out = answerBytes(size)
    let at = writeText(before, out, 0)
    for (let i = 0; i < count; i++) {
      if (i > 0) out[at++] = 0x2c // ,
      const index = indexes[i]!
      const linked = held.origins[index]! > 0
      // A lookup's kept answer holds the resource between `{"data":` and `}`.
      const answer = answers?.get(held, index, origin, linked)
      const kept = answer === undefined ? written?.get(index, origin, linked) : answer.subarray(dataHead.length, answer.length - dataTail.length)
      if (kept !== undefined) {
        out.set(kept, at)
        at += kept.length
        continue
      }
      const start = at
      at = write(held, index, lastOriginBytes, out, at)
      if (keep) written?.put(index, origin, out, start, at)
    }
    writeText(after, out, at)
    return out
  }
  const join = (version: string, ids: readonly number[], origin: string, before: string, after: string): Buffer | undefined => joinOf(version, ids, origin, before, after, true)

  return {
    entryOf (version, malId) {
      const held = load.of(version)
      if (held === undefined) return undefined
      const p = malPosition(held, malId)
      return p < 0 ? null : held.byMal[p]!
    },
    lookup (version, malId, origin) {
      const held = load.of(version)
      if (held === undefined) return undefined
      const p = malPosition(held, malId)
      if (p < 0) return null
      const index = held.malHeld[p]!
      if (index < 0) return undefined
      const answer = answers?.get(held, index, origin, held.origins[index]! > 0)
      if (answer !== undefined) return answer
      indexes[0] = index
      const writtenNow = joinIndexes(held, 1, origin, dataHead, dataTail, false)
      return answers === null ? writtenNow : answers.put(held, index, origin, writtenNow)
    },
    // A lookup uses a copy a page left, but leaves none in that ring: over a large catalogue most lookups
    // are of entries not asked for lately, and a bounded ring would cost every lookup a copy for little.
    resource: (version, id, origin, wrap = false) => wrap ? joinOf(version, [id], origin, dataHead, dataTail, false) : joinOf(version, [id], origin, '', '', false),
    join,
    release (page) { pageBuffers.give(page) },
    prepare (version) { load.of(version) },
    held: load.held,
    close: load.close
  }
}

/** Jikan's wrapping of one resource, `{"data": …}`, as bytes (written for every lookup). */
const dataHead = Buffer.from('{"data":')
const dataTail = Buffer.from('}')

const byteSize = (text: string | Buffer): number => typeof text === 'string' ? Buffer.byteLength(text) : text.length

/** Writes `text` into `out` at `at`; returns the end. */
function writeText (text: string | Buffer, out: Buffer, at: number): number {
  if (typeof text !== 'string') return copyRange(text, 0, text.length, out, at)
  return text === '' ? at : at + out.write(text, at)
}

/**
 * Bytes of each slab that answers are written into (answerBytes): under
 * glibc's mmap threshold (64 KiB as `npm start` sets MALLOC_MMAP_THRESHOLD_,
 * 128 KiB by default), so that a slab comes from malloc's heap and reuses its
 * memory. A slab over it is a fresh mapping: a page fault for each 4 KiB
 * written into it, and an munmap when it is collected.
 */
const SLAB_SIZE = 48 << 10
let slab: Buffer | null = null
let slabAt = 0

/**
 * A buffer of `size` bytes to write an answer into: a part of a slab shared
 * with the answers written before and after it (a resource), or, when large
 * (a page of resources, some 60 KiB), one of pageBuffers'. Buffer.allocUnsafe's
 * pool is 8 KiB, a new one for every third resource; a slab holds some twenty.
 * A slab is let go once every answer in it is (they are sent, not kept).
 */
function answerBytes (size: number): Buffer {
  if (size > SLAB_SIZE >>> 3) return pageBuffers.take(size)
  if (slab === null || slabAt + size > SLAB_SIZE) {
    slab = Buffer.allocUnsafeSlow(SLAB_SIZE)
    slabAt = 0
  }
  const out = slab.subarray(slabAt, slabAt + size)
  // The next answer starts aligned, as in Buffer's own pool.
  slabAt = (slabAt + size + 7) & ~7
  return out
}

/** Bytes of each buffer pages are written into: a page of 25 resources is some 60 KiB. */
export const PAGE_BYTES = 128 << 10
/** Free page buffers kept for reuse: more than the pages a busy service has in flight at once. */
const PAGES_KEPT = 16

/**
 * The buffers pages of resources are written into, taken back once a page is
 * sent (ResourceStore.release) and written into again. A page used to get a
 * buffer of its own, and V8 frees a buffer's memory only when a collection
 * finds it dead, while it counts the buffers allocated since its last full
 * collection against the old generation's limit: under a load of pages, several
 * megabytes of sent ones waited at any moment. After a full collection in a
 * quiet process (V8's own memory reducer, or QUIET_COLLECTION) that limit is
 * a few megabytes above what is live, and those buffers alone then started
 * full collection after full collection (docs/deployment.md). Reused, they
 * are allocated once. A page not given back (its client went away, or it was
 * not sent) is collected as any buffer; a page larger than PAGE_BYTES gets a
 * buffer of its own.
 */
class PageBuffers {
  private readonly free: ArrayBuffer[] = []
  /** The memory of the pages taken and not given back yet: each is taken back once, and nothing else is. */
  private readonly lent = new WeakSet<ArrayBuffer>()

  take (size: number): Buffer {
    if (size > PAGE_BYTES) return Buffer.allocUnsafeSlow(size)
    const memory = this.free.pop() ?? new ArrayBuffer(PAGE_BYTES)
    this.lent.add(memory)
    return Buffer.from(memory, 0, size)
  }

  give (page: Buffer): void {
    const memory = page.buffer as ArrayBuffer
    if (!this.lent.delete(memory)) return
    if (this.free.length < PAGES_KEPT) this.free.push(memory)
  }
}
const pageBuffers = new PageBuffers()

/** Where the last varint read by varintAt ended (a second result without an object per read). */
let varintEnd = 0

/** The LEB128 varint at bytes[p]; sets varintEnd. */
function varintAt (bytes: Uint8Array, p: number): number {
  let byte = bytes[p++]!
  let value = byte & 0x7f
  for (let shift = 7; byte >= 0x80; shift += 7) {
    byte = bytes[p++]!
    value |= (byte & 0x7f) << shift
  }
  varintEnd = p
  return value
}

/**
 * Copies `bytes[start, end)` into `out` at `at`; returns the end. Most of a
 * resource's values and the template's texts between them are a few bytes,
 * and Buffer#copy of a part makes a view (an allocation) and checks its
 * arguments each time, some 50 times per resource and 1200 per page of 25:
 * short ones are copied byte by byte, long ones by TypedArray#set.
 */
export function copyRange (bytes: Uint8Array, start: number, end: number, out: Uint8Array, at: number): number {
  if (end - start > 48) {
    out.set(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end), at)
    return at + end - start
  }
  for (let i = start; i < end; i++) out[at++] = bytes[i]!
  return at
}
