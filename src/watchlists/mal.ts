// MyAnimeList's list export format, both ways:
//   <myanimelist><myinfo>…</myinfo><anime><series_animedb_id>1</series_animedb_id>
//   <my_watched_episodes>26</my_watched_episodes><my_score>9</my_score>
//   <my_status>Completed</my_status><my_comments><![CDATA[…]]></my_comments>…</anime>…</myanimelist>
// MAL serves it gzip-compressed; uploads may be either. Parsing uses
// fast-xml-parser (no regular expressions over XML). Reading an upload is
// bounded: decompression stops at a cap on the bytes it produces, and parsing
// stops at a cap on the entries. It is work for a worker thread
// (mal-upload.ts): a file at the caps takes seconds.
import { createGunzip } from 'node:zlib'
import type { XMLBuilder, XMLParser } from 'fast-xml-parser'
import { MalFileError } from './errors.js'
import type { EntryStatus } from './repository.js'

/** MAL's status names (and the numeric codes of older exports) → ours. */
const statusFromMal: Record<string, EntryStatus> = {
  watching: 'watching',
  completed: 'completed',
  'on-hold': 'paused',
  dropped: 'dropped',
  'plan to watch': 'planned',
  1: 'watching',
  2: 'completed',
  3: 'paused',
  4: 'dropped',
  6: 'planned'
}

const statusToMal: Record<EntryStatus, string> = {
  watching: 'Watching',
  completed: 'Completed',
  paused: 'On-Hold',
  dropped: 'Dropped',
  planned: 'Plan to Watch'
}

/** The limits of one import. */
export interface MalUploadLimits {
  /** Largest upload, and largest XML once decompressed, in bytes. */
  maxBytes: number
  /** Most <anime> entries. */
  maxEntries: number
}

const badImport = (detail: string): MalFileError => new MalFileError('invalid', detail)
const tooLargeImport = (detail: string): MalFileError => new MalFileError('too-large', detail)

export const uploadTooLarge = (maxBytes: number): MalFileError => tooLargeImport(`The file is larger than ${maxBytes} bytes.`)

const isGzip = (data: Uint8Array): boolean => data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b

/**
 * The XML text of an upload, gunzipped when it is gzip (by its magic bytes,
 * whatever the content type said). Decompression streams and stops as soon as
 * it has produced more than `maxBytes`: a small file cannot expand without bound.
 */
export async function uploadText (data: Uint8Array, maxBytes: number): Promise<string> {
  if (data.length > maxBytes) throw uploadTooLarge(maxBytes)
  let bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  if (isGzip(data)) {
    const gunzip = createGunzip({ chunkSize: 256 << 10 })
    const chunks: Buffer[] = []
    let total = 0
    gunzip.end(data)
    try {
      for await (const chunk of gunzip as AsyncIterable<Buffer>) {
        total += chunk.length
        if (total > maxBytes) throw tooLargeImport(`The file is larger than ${maxBytes} bytes once decompressed.`)
        chunks.push(chunk)
      }
    } catch (error) {
      if (error instanceof MalFileError) throw error
      throw badImport(`The file is not valid gzip: ${(error as Error).message}.`)
    } finally {
      gunzip.destroy()
    }
    bytes = Buffer.concat(chunks, total)
  }
  const text = bytes.toString('utf8')
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}

// fast-xml-parser (some 20 modules) loads on the first MAL import or export, not at
// every start of the service.
let xml: { XMLValidator: typeof import('fast-xml-parser').XMLValidator, XMLParser: typeof XMLParser, builder: XMLBuilder } | undefined
async function loadXml (): Promise<NonNullable<typeof xml>> {
  if (xml !== undefined) return xml
  const { XMLBuilder, XMLParser, XMLValidator } = await import('fast-xml-parser')
  xml = {
    XMLValidator,
    XMLParser,
    // Text is escaped (&amp; &lt; …) rather than wrapped in CDATA as MAL does: the same to any XML parser, and it stays on one line.
    builder: new XMLBuilder({ format: true, indentBy: '\t', commentPropName: '#comment', suppressEmptyNode: false })
  }
  return xml
}

/** The fields of an entry the import reads, as the file has them (text, trimmed; '' when absent). */
export interface MalFileEntry {
  series_animedb_id: string
  my_status: string
  my_score: string
  my_watched_episodes: string
  my_comments: string
}

const entryFields = ['series_animedb_id', 'my_status', 'my_score', 'my_watched_episodes', 'my_comments'] as const
const entryPaths = new Set(entryFields.map((field) => `myanimelist.anime.${field}`))

const text = (value: unknown): string => typeof value === 'string' ? value : typeof value === 'number' ? String(value) : ''

/**
 * The entries of a MAL export, their fields as text; a clear 400 for anything
 * that is not one, 413 past `maxEntries` entries (parsing stops there).
 */
export async function readMalEntries (document: string, maxEntries: number): Promise<MalFileEntry[]> {
  const { XMLValidator, XMLParser } = await loadXml()
  const valid = XMLValidator.validate(document)
  if (valid !== true) throw badImport(`Malformed XML: ${valid.err.msg} (line ${valid.err.line}).`)
  let entries = 0
  const tooMany = tooLargeImport(`The file has more than ${maxEntries} entries; nothing was imported.`)
  const parser = new XMLParser({
    ignoreAttributes: true,
    parseTagValue: false,
    trimValues: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    // DOCTYPE entities expand within fast-xml-parser's limits (100 entities, 1,000
    // expansions, 100,000 characters): no billion laughs; beyond them parsing fails.
    processEntities: true,
    isArray: (name, path) => name === 'anime' && String(path) === 'myanimelist.anime',
    // Called as each element closes: entries are counted as they are read, and of
    // an entry only the fields the import uses are kept.
    updateTag: (name, path) => {
      if (path === 'myanimelist.anime' && ++entries > maxEntries) throw tooMany
      if (String(path).startsWith('myanimelist.anime.') && !entryPaths.has(String(path))) return false
      return name
    }
  })
  let parsed: Record<string, unknown>
  try {
    parsed = parser.parse(document) as Record<string, unknown>
  } catch (error) {
    if (error === tooMany) throw tooMany
    throw badImport(`Malformed XML: ${(error as Error).message}.`)
  }
  const roots = Object.keys(parsed).filter((key) => !key.startsWith('?') && !key.startsWith('#'))
  if (roots.length !== 1 || roots[0] !== 'myanimelist') {
    throw badImport(`Not a MyAnimeList export: the root element is <${roots.join('>, <')}>, expected <myanimelist>.`)
  }
  const root = parsed.myanimelist
  const items = typeof root === 'object' && root !== null ? ((root as Record<string, unknown>).anime ?? []) as unknown[] : []
  return items.map((item) => {
    const fields = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>
    return Object.fromEntries(entryFields.map((field) => [field, text(fields[field]).trim()])) as unknown as MalFileEntry
  })
}

/** The tag of the file behind each field of an entry's body, for the import's report. */
export const malTagOf: Record<string, keyof MalFileEntry> = {
  status: 'my_status',
  rating: 'my_score',
  episodes_watched: 'my_watched_episodes',
  note: 'my_comments'
}

/**
 * An entry of the file as the body PUT /watchlists/:id/anime/:animeId takes, to be
 * validated as PUT's is. MAL's own conventions become ours first: its status names
 * and codes, score 0 for "not scored", empty fields for "none"; any other text is
 * left as it is, for the validation to judge.
 */
export function malEntryBody (entry: MalFileEntry): Record<string, unknown> {
  const body: Record<string, unknown> = {
    status: entry.my_status === '' ? 'planned' : statusFromMal[entry.my_status.toLowerCase()] ?? entry.my_status,
    rating: /^0*$/.test(entry.my_score) ? null : entry.my_score,
    episodes_watched: entry.my_watched_episodes === '' ? 0 : entry.my_watched_episodes
  }
  if (entry.my_comments !== '') body.note = entry.my_comments
  return body
}

export interface ExportEntry {
  malId: number
  title: string
  type: string
  episodes: number
  status: EntryStatus
  rating: number | null
  episodesWatched: number
  note: string
}

// What XML 1.0 does not allow (its Char production): C0 controls but tab, newline
// and carriage return; lone surrogates; U+FFFE and U+FFFF. Notes may hold them
// (PUT refuses only NUL and lone surrogates, and older imports stored anything),
// and so may titles from the catalogue; a strict parser would refuse the file.
const notXmlChar = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu

/** `text` with each character XML 1.0 does not allow replaced by U+FFFD, as a decoder marks what it cannot read. */
export const xmlSafe = (text: string): string => text.replace(notXmlChar, '\ufffd')

/** A list in MAL's export format; `left out` says which entries have no MyAnimeList id. */
export async function buildMalExport (owner: string, entries: ExportEntry[], leftOut: number[]): Promise<string> {
  const { builder } = await loadXml()
  const total = (status: EntryStatus) => entries.filter((e) => e.status === status).length
  const document: Record<string, unknown> = {
    myanimelist: {
      ...(leftOut.length > 0 ? { '#comment': ` ${leftOut.length} entries have no MyAnimeList id and are left out: anime ids ${leftOut.join(', ')} ` } : {}),
      myinfo: {
        user_id: 0,
        user_name: xmlSafe(owner),
        user_export_type: 1,
        user_total_anime: entries.length,
        user_total_watching: total('watching'),
        user_total_completed: total('completed'),
        user_total_onhold: total('paused'),
        user_total_dropped: total('dropped'),
        user_total_plantowatch: total('planned')
      },
      anime: entries.map((e) => ({
        series_animedb_id: e.malId,
        series_title: xmlSafe(e.title),
        series_type: xmlSafe(e.type),
        series_episodes: e.episodes,
        my_id: 0,
        my_watched_episodes: e.episodesWatched,
        my_start_date: '0000-00-00',
        my_finish_date: '0000-00-00',
        my_rated: '',
        my_score: e.rating ?? 0,
        my_storage: '',
        my_storage_value: '0.00',
        my_status: statusToMal[e.status],
        my_comments: xmlSafe(e.note),
        my_times_watched: 0,
        my_rewatch_value: '',
        my_priority: 'LOW',
        my_tags: '',
        my_rewatching: 0,
        my_rewatching_ep: 0,
        my_discuss: 1,
        my_sns: 'default',
        update_on_import: 1
      }))
    }
  }
  return `<?xml version="1.0" encoding="UTF-8" ?>\n${builder.build(document) as string}`
}
