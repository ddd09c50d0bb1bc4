// Live catalogue updates: download an anime-offline-database file over HTTP(S)
// and stream it straight into the importer, so the atomic switch covers it.
//
// The download is checked on the way in: the HTTP status, the byte count against
// Content-Length (a cut download fails even if it happened to stop between two
// records), a stalled connection, the compression's framing (the importer tells
// zstd and gzip by their first bytes, see compression.ts). Any failure rolls the
// import back: the old catalogue keeps being served, and the error says what
// went wrong.
import fs from 'node:fs'
import path from 'node:path'
import { once } from 'node:events'
import { importCatalogue, keepRecord, type ImportOptions, type ImportReport } from './import.js'
import { DOWNLOAD_COPY } from './integrity.js'
import { decompressByContent } from './compression.js'
import { CompressionError, UpdateError } from './import-errors.js'
import { deadEntrySites, deadKeys, parseDeadEntries, type DeadEntries } from './dead-entries.js'
import { getMeta, openCatalogueDb, setMeta, type Db } from './db.js'
import { PRIVATE_FILE_MODE } from '../storage/files.js'

export { UpdateError } from './import-errors.js'

export interface UpdateProgress {
  /** Bytes received so far (compressed, as sent). */
  received: number
  /** Content-Length, where the server gave one. */
  total: number | null
  /** Anime records read so far. */
  records: number
  compressed: boolean
}

export interface UpdateOptions extends Pick<ImportOptions, 'ids' | 'acceptNewIds'> {
  onProgress?: (progress: UpdateProgress) => void
  /** Give up when no byte arrives for this long (default 60 s). */
  idleTimeoutMs?: number
  signal?: AbortSignal
  now?: () => number
  /**
   * Where the source's dead-entry lists are: a URL with `{site}`, relative to
   * `url` or absolute (see dead-entries.ts); null or absent: not looked for.
   * Lists not published (404) or unreadable are reported and done without.
   */
  deadEntries?: string | null
  /**
   * Writes the download, as received, to this file too (replaced only once the
   * import committed; see integrity.ts: a damaged catalogue is rebuilt from it).
   */
  keepAs?: string
  /**
   * Download only if the file changed since the last update from this same URL
   * (HTTP If-None-Match / If-Modified-Since, validators kept in the catalogue's
   * metadata). Default true; false downloads and imports regardless.
   */
  ifChanged?: boolean
}

/** The server answered 304: the file is the one imported last time from this URL. */
export interface NotModified {
  notModified: true
  url: string
}

/** What became of one site's dead-entry list. */
export interface DeadListReport {
  site: string
  url: string
  /** Ids it lists, when it was read and used; null otherwise. */
  ids: number | null
  /** Why not, when not: `not published`, `HTTP 500`, `not a dead-entry list: …`. */
  problem: string | null
}

export interface UpdateReport extends ImportReport {
  url: string
  /** Bytes downloaded (compressed size for .zst). */
  downloaded: number
  compressed: boolean
  /** The dead-entry lists looked for (empty when not looked for). */
  deadLists: DeadListReport[]
  /** The release tag a URL on the way named (see releaseTag), or null. */
  release: string | null
  notModified?: false
}

/** Largest dead-entry list read, as sent (compressed or not) and as JSON text. */
const MAX_DEAD_LIST_BYTES = 64 * 1024 * 1024

/** Reads a body to its end, refusing one over `limit` bytes. */
async function readBody (body: AsyncIterable<Uint8Array>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let length = 0
  for await (const chunk of await decompressByContent((async function * () {
    for await (const piece of body) yield Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength)
  })())) {
    length += chunk.length
    if (length > limit) throw new Error(`larger than ${limit / 1024 / 1024} MiB`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

/**
 * Downloads the dead-entry lists of every site AOD publishes them for, at
 * `template` (`{site}` filled in) relative to `base`; never throws: a list that
 * is not there or not readable is reported and left out.
 */
export async function fetchDeadLists (base: string, template: string, signal: AbortSignal): Promise<{ entries: DeadEntries, reports: DeadListReport[] }> {
  const entries: DeadEntries = new Map()
  const reports = await Promise.all(deadEntrySites.map(async (site): Promise<DeadListReport> => {
    let url = template
    try {
      url = new URL(template.replaceAll('{site}', site), base).href
      const { response } = await fetchFollowing(url, { 'user-agent': 'anime-api catalogue update' }, signal)
      if (response.status === 404 || response.status === 410) {
        await response.body?.cancel().catch(() => {})
        return { site, url, ids: null, problem: 'not published' }
      }
      if (!response.ok || response.body === null) {
        await response.body?.cancel().catch(() => {})
        return { site, url, ids: null, problem: `HTTP ${response.status}` }
      }
      const ids = parseDeadEntries((await readBody(response.body, MAX_DEAD_LIST_BYTES)).toString('utf8'))
      entries.set(site, deadKeys(site, ids))
      return { site, url, ids: ids.length, problem: null }
    } catch (error) {
      return { site, url, ids: null, problem: `not read: ${(error as Error).message}` }
    }
  }))
  return { entries, reports }
}

function describeCause (error: unknown): string {
  const cause = (error as { cause?: { code?: string, message?: string } }).cause
  const message = (error as Error).message ?? String(error)
  if (cause?.code !== undefined) return `${message} (${cause.code})`
  if (cause?.message !== undefined) return `${message} (${cause.message})`
  return message
}

/**
 * The release tag a GitHub release download URL names (`…/releases/download/2026-36/…`);
 * null for the moving `latest` tag and for any other URL.
 */
export function releaseTag (url: string): string | null {
  let pathname: string
  try { pathname = new URL(url).pathname } catch { return null }
  const match = /\/releases\/download\/([^/]+)\//.exec(pathname)
  if (match === null) return null
  let tag: string
  try { tag = decodeURIComponent(match[1]!) } catch { return null }
  return tag === 'latest' || tag.length > 100 ? null : tag
}

const REDIRECTS = 10

export interface Fetched {
  response: Response
  /** The URL asked for, then each one redirected to. */
  urls: string[]
}

/**
 * GET `url`, following redirects here rather than in fetch, so that every URL
 * on the way is known (GitHub's `releases/latest/download/…` names the weekly
 * tag only in the URL it redirects to). Throws UpdateError for a failed request
 * or too many redirects; any status else is the caller's to judge.
 */
export async function fetchFollowing (url: string, headers: Record<string, string>, signal: AbortSignal): Promise<Fetched> {
  const urls = [url]
  for (;;) {
    const current = urls.at(-1)!
    let response: Response
    try {
      response = await fetch(current, { redirect: 'manual', signal, headers })
    } catch (error) {
      if (signal.reason instanceof UpdateError) throw signal.reason
      throw new UpdateError(`download of ${url} failed: ${describeCause(error)}`, { cause: error })
    }
    const location = response.headers.get('location')
    if (![301, 302, 303, 307, 308].includes(response.status) || location === null) return { response, urls }
    await response.body?.cancel().catch(() => {})
    if (urls.length > REDIRECTS) throw new UpdateError(`download of ${url} failed: more than ${REDIRECTS} redirects`)
    const next = new URL(location, current)
    if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new UpdateError(`download of ${url} failed: redirected to a ${next.protocol} URL`)
    urls.push(next.href)
  }
}

/** Validators of the last file imported from `url`, if the catalogue came from there. */
function conditionalHeaders (db: Db, url: string): Record<string, string> {
  if (getMeta(db, 'source') !== url) return {}
  const headers: Record<string, string> = {}
  const etag = getMeta(db, 'update_etag')
  const lastModified = getMeta(db, 'update_last_modified')
  if (etag !== '') headers['if-none-match'] = etag
  if (lastModified !== '') headers['if-modified-since'] = lastModified
  return headers
}

/**
 * Downloads `url` and imports it into the catalogue `db` (atomically, see import.ts).
 * Throws UpdateError (download), NotAodError or CorruptAodError (content); the
 * catalogue is then unchanged.
 */
export async function updateCatalogueFrom (db: Db, url: string, options: UpdateOptions = {}): Promise<UpdateReport | NotModified> {
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000
  const controller = new AbortController()
  const abort = () => controller.abort(options.signal?.reason)
  options.signal?.addEventListener('abort', abort, { once: true })
  let idle: NodeJS.Timeout | undefined
  const armIdle = () => {
    clearTimeout(idle)
    idle = setTimeout(() => controller.abort(new UpdateError(`no data from ${url} for ${idleTimeoutMs < 1000 ? `${idleTimeoutMs} ms` : `${Math.round(idleTimeoutMs / 1000)} s`}`)), idleTimeoutMs)
  }

  try {
    armIdle()
    // identity: Content-Length then counts the bytes we receive.
    const { response, urls } = await fetchFollowing(url, {
      'accept-encoding': 'identity',
      'user-agent': 'anime-api catalogue update',
      ...(options.ifChanged === false ? {} : conditionalHeaders(db, url))
    }, controller.signal)
    if (response.status === 304) {
      await response.body?.cancel().catch(() => {})
      return { notModified: true, url }
    }
    if (!response.ok || response.body === null) {
      await response.body?.cancel().catch(() => {})
      throw new UpdateError(`download of ${url} failed: HTTP ${response.status} ${response.statusText}`.trimEnd())
    }
    // The lists come while the catalogue downloads; the import awaits them once the file is read.
    let deadLists: DeadListReport[] = []
    const deadEntries = options.deadEntries === undefined || options.deadEntries === null
      ? null
      : fetchDeadLists(url, options.deadEntries, controller.signal).then(({ entries, reports }) => {
        deadLists = reports
        return entries.size === 0 ? null : entries
      })
    const encoding = response.headers.get('content-encoding')
    const lengthHeader = response.headers.get('content-length')
    const total = lengthHeader !== null && /^\d+$/.test(lengthHeader) && (encoding === null || encoding === 'identity') ? Number(lengthHeader) : null

    let received = 0
    let records = 0
    // Told by the importer from the first bytes.
    let compressed = false
    let lastReport = 0
    const report = (force = false) => {
      if (options.onProgress === undefined) return
      const now = Date.now()
      if (!force && now - lastReport < 200) return
      lastReport = now
      options.onProgress({ received, total, records, compressed })
    }

    const body = response.body
    const partial = options.keepAs === undefined ? null : `${options.keepAs}.partial-${process.pid}`
    const copy = partial === null ? null : fs.createWriteStream(partial, { mode: PRIVATE_FILE_MODE })
    const copyFailed = copy === null ? null : new Promise<never>((_resolve, reject) => { copy.once('error', reject) })
    copyFailed?.catch(() => {})
    async function * raw (): AsyncGenerator<Buffer> {
      try {
        for await (const piece of body) {
          armIdle()
          const chunk = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength)
          if (copy !== null && !copy.write(chunk)) await Promise.race([once(copy, 'drain'), copyFailed])
          received += chunk.length
          if (total !== null && received > total) throw new UpdateError(`download of ${url} is longer than its Content-Length (${total} bytes)`)
          report()
          yield chunk
        }
      } catch (error) {
        if (error instanceof UpdateError) throw error
        if (controller.signal.reason instanceof UpdateError) throw controller.signal.reason
        throw new UpdateError(`download of ${url} was cut off after ${received} bytes${total === null ? '' : ` of ${total}`}: ${describeCause(error)}`, { cause: error })
      }
      if (total !== null && received < total) {
        throw new UpdateError(`download of ${url} is truncated: received ${received} of ${total} bytes`)
      }
      report(true)
    }

    const release = urls.map(releaseTag).find((tag) => tag !== null) ?? null
    let imported
    try {
      imported = await importCatalogue(db, raw(), {
        source: url,
        release,
        ids: options.ids,
        acceptNewIds: options.acceptNewIds,
        deadEntries,
        now: options.now,
        onCompression: (found) => { compressed = found !== null },
        onProgress: (p) => { records = p.records; report() }
      })
    } catch (error) {
      if (copy !== null) { copy.destroy(); await fs.promises.rm(partial!, { force: true }) }
      if (error instanceof CompressionError) throw new UpdateError(`the download is ${error.message}`)
      throw error
    }
    if (copy !== null) {
      // The import committed: its copy replaces the last one (a copy that cannot be written only costs the rebuild).
      await new Promise<void>((resolve) => copy.end(resolve))
      await fs.promises.rename(partial!, options.keepAs!).catch(() => fs.promises.rm(partial!, { force: true }))
    }
    // The import committed; remember how the server named this version of the file.
    setMeta(db, 'update_etag', response.headers.get('etag') ?? '')
    setMeta(db, 'update_last_modified', response.headers.get('last-modified') ?? '')
    return { ...imported, url, downloaded: received, compressed, deadLists, release }
  } finally {
    clearTimeout(idle)
    options.signal?.removeEventListener('abort', abort)
    if (!controller.signal.aborted) controller.abort()
  }
}

/**
 * Downloads `url` into the catalogue under `dataDir`, on a connection of its
 * own, keeping the download beside it (DOWNLOAD_COPY) and recording it as the
 * last import, to rebuild a damaged catalogue from without the network.
 */
export async function updateCatalogue (dataDir: string, url: string, options: UpdateOptions = {}): Promise<UpdateReport | NotModified> {
  const db = openCatalogueDb(dataDir)
  const keepAs = path.join(dataDir, DOWNLOAD_COPY)
  let report
  try {
    report = await updateCatalogueFrom(db, url, { keepAs, ...options })
  } finally {
    db.close()
  }
  if (report.notModified !== true && fs.existsSync(keepAs)) keepRecord(dataDir, { source: url, file: keepAs, release: report.release })
  return report
}
