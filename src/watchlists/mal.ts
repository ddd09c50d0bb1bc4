// MyAnimeList's list export format, both ways:
//   <myanimelist><myinfo>…</myinfo><anime><series_animedb_id>1</series_animedb_id>
//   <my_watched_episodes>26</my_watched_episodes><my_score>9</my_score>
//   <my_status>Completed</my_status><my_comments><![CDATA[…]]></my_comments>…</anime>…</myanimelist>
// MAL serves it gzip-compressed; uploads may be either. Parsing uses
// fast-xml-parser (no regular expressions over XML); decompression is capped
// so that a small gzip file cannot expand without bound.
import { gunzipSync } from 'node:zlib'
import type { XMLBuilder, XMLParser } from 'fast-xml-parser'
import { ApiError } from '../errors.js'
import type { EntryStatus } from './repository.js'

/** Largest upload, and largest XML once decompressed. */
export const MAL_MAX_BYTES = 16 << 20

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

export interface MalEntry {
  malId: number
  status: EntryStatus
  /** null: not scored (MAL writes 0). */
  rating: number | null
  episodesWatched: number
  note: string
}

export const badImport = (detail: string): ApiError => new ApiError(400, { detail })

const isGzip = (data: Buffer): boolean => data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b

/** The XML text of an upload, gunzipped when it is gzip (by its magic bytes, whatever the content type said). */
export function uploadText (data: Buffer): string {
  if (data.length > MAL_MAX_BYTES) throw badImport(`The file is larger than ${MAL_MAX_BYTES} bytes.`)
  if (!isGzip(data)) return data.toString('utf8')
  try {
    return gunzipSync(data, { maxOutputLength: MAL_MAX_BYTES }).toString('utf8')
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw badImport(`The file is larger than ${MAL_MAX_BYTES} bytes once decompressed.`)
    throw badImport(`The file is not valid gzip: ${(error as Error).message}.`)
  }
}

// fast-xml-parser (some 20 modules) loads on the first MAL import or export, not at
// every start of the service.
let xml: { XMLValidator: typeof import('fast-xml-parser').XMLValidator, parser: XMLParser, builder: XMLBuilder } | undefined
async function loadXml (): Promise<NonNullable<typeof xml>> {
  if (xml !== undefined) return xml
  const { XMLBuilder, XMLParser, XMLValidator } = await import('fast-xml-parser')
  xml = {
    XMLValidator,
    parser: new XMLParser({
      ignoreAttributes: true,
      parseTagValue: false,
      trimValues: true,
      ignoreDeclaration: true,
      ignorePiTags: true,
      // DOCTYPE entities expand within fast-xml-parser's limits (100 entities, 1,000
      // expansions, 100,000 characters): no billion laughs; beyond them parsing fails.
      processEntities: true,
      isArray: (name, path) => name === 'anime' && String(path) === 'myanimelist.anime'
    }),
    // Text is escaped (&amp; &lt; …) rather than wrapped in CDATA as MAL does: the same to any XML parser, and it stays on one line.
    builder: new XMLBuilder({ format: true, indentBy: '\t', commentPropName: '#comment', suppressEmptyNode: false })
  }
  return xml
}

const text = (value: unknown): string => typeof value === 'string' ? value : typeof value === 'number' ? String(value) : ''

function wholeNumber (value: unknown, field: string, index: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = text(value).trim()
  if (raw === '') return 0
  if (!/^\d{1,9}$/.test(raw) || Number(raw) > max) throw badImport(`Entry ${index + 1}: <${field}> is not a whole number from 0 to ${max}.`)
  return Number(raw)
}

/** The entries of a MAL export; a clear 400 for anything that is not one. */
export async function parseMalExport (xml: string): Promise<MalEntry[]> {
  const { XMLValidator, parser } = await loadXml()
  const valid = XMLValidator.validate(xml)
  if (valid !== true) throw badImport(`Malformed XML: ${valid.err.msg} (line ${valid.err.line}).`)
  let document: Record<string, unknown>
  try {
    document = parser.parse(xml) as Record<string, unknown>
  } catch (error) {
    throw badImport(`Malformed XML: ${(error as Error).message}.`)
  }
  const roots = Object.keys(document).filter((key) => !key.startsWith('?') && !key.startsWith('#'))
  if (roots.length !== 1 || roots[0] !== 'myanimelist') {
    throw badImport(`Not a MyAnimeList export: the root element is <${roots.join('>, <')}>, expected <myanimelist>.`)
  }
  const root = document.myanimelist
  const items = typeof root === 'object' && root !== null ? ((root as Record<string, unknown>).anime ?? []) as unknown[] : []
  return items.map((item, index) => {
    const fields = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>
    const malId = wholeNumber(fields.series_animedb_id, 'series_animedb_id', index)
    if (malId === 0) throw badImport(`Entry ${index + 1}: <series_animedb_id> is missing.`)
    const statusText = text(fields.my_status).trim()
    const status = statusText === '' ? 'planned' : statusFromMal[statusText.toLowerCase()]
    if (status === undefined) throw badImport(`Entry ${index + 1}: unknown <my_status> "${statusText}".`)
    const score = wholeNumber(fields.my_score, 'my_score', index, 10)
    return {
      malId,
      status,
      rating: score === 0 ? null : score,
      episodesWatched: wholeNumber(fields.my_watched_episodes, 'my_watched_episodes', index),
      note: text(fields.my_comments).trim()
    }
  })
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
