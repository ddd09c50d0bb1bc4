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
// request's origin written where company URLs hold ORIGIN.
import { createVersionedLoad, indexOf, type VersionedLoadOptions } from '../catalogue/answers.js'
import { IntList } from '../catalogue/int-list.js'
import type { FullEntry, FullEntryRange } from '../catalogue/full-entries.js'
import { NO_PICTURE, NO_THUMBNAIL } from '../catalogue/normalize.js'
import type { SiteName } from '../catalogue/sites.js'
import { animeResource } from './anime.js'
import { malAnimeUrlOf, malIdOf } from './sites.js'

/** Stands for the request's origin in built resources (company URLs); replaced by it when sent. */
export const ORIGIN = '\uE000origin\uE000'
const originBytes = Buffer.from(ORIGIN)

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
 * The template: the texts between the leaves (leaves + 1 of them), without and
 * with `{"data":` around; and for each leaf, the earlier leaf whose value it
 * repeats (the picture is both `image_url` and `large_image_url`), or -1 when
 * it has values of its own.
 */
interface Template { shape: Shape, leaves: string[], sameAs: number[], pieces: Buffer[], wrapped: Buffer[] }

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
  const wrappedTexts = texts.map((t, i) => (i === 0 ? '{"data":' : '') + t + (i === texts.length - 1 ? '}' : ''))
  // A leaf equal to an earlier one in both probes (which differ in every field) repeats it.
  const inA: string[] = []
  const inB: string[] = []
  leavesOf(shape, a, inA)
  leavesOf(shape, b, inB)
  const sameAs = leaves.map((_, j) => inA.findIndex((json, i) => i < j && json === inA[j] && inB[i] === inB[j]))
  return { shape, leaves, sameAs, pieces: texts.map((t) => Buffer.from(t)), wrapped: wrappedTexts.map((t) => Buffer.from(t)) }
}

const template = templateOf()

/** Pushes the JSON of `value`'s leaves onto `values`; false when `value` does not have the shape. */
function leavesOf (shape: Shape, value: unknown, values: string[]): boolean {
  if (shape.kind === 'object') {
    if (!isObject(value)) return false
    const keys = Object.keys(value)
    if (keys.length !== shape.keys.length) return false
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] !== shape.keys[i] || !leavesOf(shape.shapes[i]!, value[keys[i]!], values)) return false
    }
    return true
  }
  const json = JSON.stringify(value) as string | undefined
  if (json === undefined) return false
  if (shape.kind === 'constant') return json === shape.json
  values.push(json)
  return true
}

/**
 * The JSON of each of the entry's own values, in template order; null when its
 * resource does not fit the template (a value the probes said is constant is
 * not, or one they said repeats another does not): such an entry is built
 * when asked, not held.
 */
function valuesOf (entry: FullEntry, malId: number): string[] | null {
  const values: string[] = []
  if (!leavesOf(template.shape, animeResource(entry, malId, companyUrl), values)) return null
  return template.sameAs.every((i, j) => i < 0 || values[i] === values[j]) ? values : null
}

/**
 * The distinct values of one key, packed: value v is bytes starts[v] … starts[v + 1],
 * holding origins[v] ORIGINs.
 */
interface Values { bytes: Buffer, starts: Int32Array, origins: Uint16Array }

/** Which value of a key each entry has: entry i's is refs[i], or value i itself where refs is null (every entry's value its own, in entry order). */
type Refs = Uint8Array | Uint16Array | Int32Array | null

/** One catalogue version's resources. */
interface Held {
  /** Catalogue ids of the entries held, ascending. */
  ids: Int32Array
  /** Entry i's value of varying key j is value refs[j][i] of values[j] (a repeating key shares its values and refs). */
  refs: Refs[]
  values: Values[]
  /** MyAnimeList ids, ascending (any safe integer), and the catalogue id each stands for (the lowest, as id mapping answers). */
  malIds: Float64Array
  byMal: Int32Array
}

/** How many entries a key's values are told apart over before deciding whether they repeat. */
const DEDUPE_TRIAL = 2000

/** One key's values as they load: each new value appended; repeated ones found by text while they repeat enough to pay for the map. */
class ValueTable {
  private readonly chunks: Buffer[] = []
  private readonly ends = new IntList()
  private readonly origins = new IntList()
  /** The value index of each entry added. */
  readonly refs = new IntList()
  private pending: string[] = []
  private size = 0
  private seen = 0
  private known: Map<string, number> | null = new Map()

  /** Adds the next entry's value. */
  add (json: string): void {
    this.seen++
    const known = this.known?.get(json)
    if (known !== undefined) {
      this.refs.push(known)
      return
    }
    const index = this.origins.length
    this.refs.push(index)
    this.size += Buffer.byteLength(json)
    this.ends.push(this.size)
    this.origins.push(json.includes(ORIGIN) ? json.split(ORIGIN).length - 1 : 0)
    this.pending.push(json)
    if (this.known !== null) {
      this.known.set(json, index)
      // Values nearly all different (titles, pictures): a map would only cost memory.
      if (this.seen === DEDUPE_TRIAL && this.known.size > DEDUPE_TRIAL / 2) this.known = null
    }
  }

  /** Writes the values added since the last flush into one buffer (one per slice: no string per value outlives its slice). */
  flush (): void {
    if (this.pending.length === 0) return
    this.chunks.push(Buffer.from(this.pending.join('')))
    this.pending = []
  }

  pack (): Values {
    this.flush()
    const bytes = Buffer.allocUnsafeSlow(this.size)
    let at = 0
    for (const chunk of this.chunks) at += chunk.copy(bytes, at)
    const starts = new Int32Array(this.ends.length + 1)
    starts.set(this.ends.view(), 1)
    return { bytes, starts, origins: Uint16Array.from(this.origins.view()) }
  }

  /** Each entry's value index, in the narrowest array that holds them; null when each entry's value is its own, in order. */
  packRefs (): Refs {
    const refs = this.refs.view()
    const values = this.origins.length
    if (values === refs.length && refs.every((v, i) => v === i)) return null
    return values <= 0x100 ? Uint8Array.from(refs) : values <= 0x10000 ? Uint16Array.from(refs) : refs.slice()
  }
}

interface Loading {
  ids: IntList
  /** A table for each key with values of its own (null: it repeats another). */
  tables: Array<ValueTable | null>
  mal: Map<number, number>
}

export interface ResourceSource {
  fullEntryRange: (afterId: number, limit: number, site: SiteName) => FullEntryRange
}

export interface ResourceStore {
  /**
   * The catalogue id of the entry with MyAnimeList id `malId` in catalogue
   * version `version`: null when that version has none; undefined when the
   * version is not held (yet): ask the database.
   */
  entryOf: (version: string, malId: number) => number | null | undefined
  /**
   * Entry `id`'s resource as JSON for `origin` (bytes), wrapped as Jikan's
   * `{"data": …}` when `wrap`; undefined when not held (the version is not, or
   * the entry is not): build it.
   */
  resource: (version: string, id: number, origin: string, wrap?: boolean) => Buffer | undefined
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
export function createResourceStore (source: ResourceSource, options: VersionedLoadOptions = {}): ResourceStore {
  const width = template.leaves.length
  const load = createVersionedLoad((afterId, limit) => source.fullEntryRange(afterId, limit, 'myanimelist'), {
    start: (): Loading => ({ ids: new IntList(), tables: template.sameAs.map((i) => i < 0 ? new ValueTable() : null), mal: new Map() }),
    add (so, range: FullEntryRange) {
      for (const entry of range.entries) {
        const malId = malIdOf(entry.sources)
        const values = malId === null ? null : valuesOf(entry, malId)
        if (values === null) continue
        so.ids.push(entry.id)
        values.forEach((json, j) => { so.tables[j]?.add(json) })
      }
      for (const table of so.tables) table?.flush()
      for (const [siteId, id] of range.onSite) {
        const malId = Number(siteId)
        const known = so.mal.get(malId)
        if (known === undefined || id < known) so.mal.set(malId, id)
      }
    },
    finish (so): Held {
      const malIds = Float64Array.from(so.mal.keys()).sort()
      const own = so.tables.map((table) => table === null ? null : { values: table.pack(), refs: table.packRefs() })
      const of = (j: number) => own[j] ?? own[template.sameAs[j]!]!
      return {
        ids: so.ids.done(),
        refs: template.leaves.map((_, j) => of(j).refs),
        values: template.leaves.map((_, j) => of(j).values),
        malIds,
        byMal: Int32Array.from(malIds, (malId) => so.mal.get(malId)!)
      }
    }
  }, options)

  let lastOrigin = ''
  let lastOriginBytes = Buffer.alloc(0)

  /** Copies `bytes[start, end)` into `out` at `at`, each ORIGIN replaced by `origin`; returns the end. */
  const copyWithOrigin = (bytes: Buffer, start: number, end: number, origin: Buffer, out: Buffer, at: number): number => {
    let from = start
    for (;;) {
      const found = bytes.indexOf(originBytes, from)
      if (found < 0 || found >= end) break
      at = copyRange(bytes, from, found, out, at)
      at += origin.copy(out, at)
      from = found + originBytes.length
    }
    return copyRange(bytes, from, end, out, at)
  }

  return {
    entryOf (version, malId) {
      const held = load.of(version)
      if (held === undefined) return undefined
      const index = indexOf(held.malIds, malId)
      return index < 0 ? null : held.byMal[index]!
    },
    resource (version, id, origin, wrap = false) {
      const held = load.of(version)
      if (held === undefined) return undefined
      const index = indexOf(held.ids, id)
      if (index < 0) return undefined
      if (origin !== lastOrigin) {
        lastOrigin = origin
        lastOriginBytes = Buffer.from(origin)
      }
      const pieces = wrap ? template.wrapped : template.pieces
      const { refs, values } = held
      let size = 0
      let origins = 0
      for (let j = 0; j < width; j++) {
        const { starts, origins: counts } = values[j]!
        const v = refs[j]?.[index] ?? index
        size += pieces[j]!.length + starts[v + 1]! - starts[v]!
        origins += counts[v]!
      }
      size += pieces[width]!.length + origins * (lastOriginBytes.length - originBytes.length)
      const out = Buffer.allocUnsafe(size)
      let at = 0
      for (let j = 0; j < width; j++) {
        // A whole buffer by TypedArray#set: Buffer#copy checks its arguments and, for a part, makes a view.
        const piece = pieces[j]!
        out.set(piece, at)
        at += piece.length
        const { bytes, starts, origins: counts } = values[j]!
        const v = refs[j]?.[index] ?? index
        at = counts[v] === 0 ? copyRange(bytes, starts[v]!, starts[v + 1]!, out, at) : copyWithOrigin(bytes, starts[v]!, starts[v + 1]!, lastOriginBytes, out, at)
      }
      out.set(pieces[width]!, at)
      return out
    },
    prepare (version) { load.of(version) },
    held: load.held,
    close: load.close
  }
}

/**
 * Copies `bytes[start, end)` into `out` at `at`; returns the end. Most of a
 * resource's values are a few bytes, and Buffer#copy of a part makes a view (an
 * allocation) and checks its arguments each time, some 40 times per resource and
 * 1000 per page of 25: short ones are copied byte by byte, long ones by
 * TypedArray#set.
 */
export function copyRange (bytes: Uint8Array, start: number, end: number, out: Uint8Array, at: number): number {
  if (end - start > 48) {
    out.set(bytes.subarray(start, end), at)
    return at + end - start
  }
  for (let i = start; i < end; i++) out[at++] = bytes[i]!
  return at
}
