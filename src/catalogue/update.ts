// Live catalogue updates: download an anime-offline-database file over HTTP(S)
// and stream it straight into the importer, so the atomic switch covers it.
//
// The download is checked on the way in: the HTTP status, the byte count against
// Content-Length (a cut download fails even if it happened to stop between two
// records), a stalled connection, zstd framing (`.zst` by name or by its magic
// bytes 28 B5 2F FD). Any failure rolls the import back: the old catalogue keeps
// being served, and the error says what went wrong.
import { Decompress } from 'fzstd'
import { importCatalogue, type ImportReport } from './import.js'
import { openCatalogueDb, type Db } from './db.js'

/** A download that failed or was cut short; the message says how. */
export class UpdateError extends Error {
  constructor (message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'UpdateError'
  }
}

export interface UpdateProgress {
  /** Bytes received so far (compressed, as sent). */
  received: number
  /** Content-Length, where the server gave one. */
  total: number | null
  /** Anime records read so far. */
  records: number
  compressed: boolean
}

export interface UpdateOptions {
  onProgress?: (progress: UpdateProgress) => void
  /** Give up when no byte arrives for this long (default 60 s). */
  idleTimeoutMs?: number
  signal?: AbortSignal
  now?: () => number
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

export interface UpdateReport extends ImportReport {
  url: string
  /** Bytes downloaded (compressed size for .zst). */
  downloaded: number
  compressed: boolean
  notModified?: false
}

const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd])

function describeCause (error: unknown): string {
  const cause = (error as { cause?: { code?: string, message?: string } }).cause
  const message = (error as Error).message ?? String(error)
  if (cause?.code !== undefined) return `${message} (${cause.code})`
  if (cause?.message !== undefined) return `${message} (${cause.message})`
  return message
}

function getMeta (db: Db, key: string): string {
  return (db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key) as string | undefined) ?? ''
}

function setMeta (db: Db, key: string, value: string): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value)
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

/** Decompresses a zstd byte stream chunk by chunk (fzstd: pure JS, streaming). */
async function * unzstd (input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const out: Buffer[] = []
  const decoder = new Decompress((chunk) => { out.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)) })
  const push = (chunk: Uint8Array, final: boolean): void => {
    try {
      decoder.push(chunk, final)
    } catch (error) {
      throw new UpdateError(`the download is not valid zstd data: ${(error as Error).message}`)
    }
  }
  for await (const chunk of input) {
    push(chunk, false)
    while (out.length > 0) yield out.shift()!
  }
  push(new Uint8Array(0), true)
  while (out.length > 0) yield out.shift()!
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
    let response: Response
    try {
      // identity: Content-Length then counts the bytes we receive.
      response = await fetch(url, {
        redirect: 'follow',
        signal: controller.signal,
        headers: {
          'accept-encoding': 'identity',
          'user-agent': 'anime-api catalogue update',
          ...(options.ifChanged === false ? {} : conditionalHeaders(db, url))
        }
      })
    } catch (error) {
      if (controller.signal.reason instanceof UpdateError) throw controller.signal.reason
      throw new UpdateError(`download of ${url} failed: ${describeCause(error)}`, { cause: error })
    }
    if (response.status === 304) {
      await response.body?.cancel().catch(() => {})
      return { notModified: true, url }
    }
    if (!response.ok || response.body === null) {
      await response.body?.cancel().catch(() => {})
      throw new UpdateError(`download of ${url} failed: HTTP ${response.status} ${response.statusText}`.trimEnd())
    }
    const encoding = response.headers.get('content-encoding')
    const lengthHeader = response.headers.get('content-length')
    const total = lengthHeader !== null && /^\d+$/.test(lengthHeader) && (encoding === null || encoding === 'identity') ? Number(lengthHeader) : null

    let received = 0
    let records = 0
    // By name (asked for, or redirected to: release downloads redirect to signed
    // storage URLs), else by the first bytes below.
    let compressed = [url, response.url].some((u) => u !== '' && /\.zst$/i.test(new URL(u).pathname))
    let lastReport = 0
    const report = (force = false) => {
      if (options.onProgress === undefined) return
      const now = Date.now()
      if (!force && now - lastReport < 200) return
      lastReport = now
      options.onProgress({ received, total, records, compressed })
    }

    const body = response.body
    async function * raw (): AsyncGenerator<Buffer> {
      let first = true
      try {
        for await (const piece of body) {
          armIdle()
          const chunk = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength)
          if (first && chunk.length >= 4) {
            first = false
            if (chunk.subarray(0, 4).equals(ZSTD_MAGIC)) compressed = true
          }
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

    // Decide on decompression from the first chunk, then hand the stream on.
    async function * decoded (): AsyncGenerator<Buffer> {
      const source = raw()
      const head = await source.next()
      if (head.done === true) return
      async function * again (): AsyncGenerator<Buffer> {
        yield head.value as Buffer
        yield * source
      }
      if (compressed) yield * unzstd(again())
      else yield * again()
    }

    const imported = await importCatalogue(db, decoded(), {
      source: url,
      now: options.now,
      onProgress: (p) => { records = p.records; report() }
    })
    // The import committed; remember how the server named this version of the file.
    setMeta(db, 'update_etag', response.headers.get('etag') ?? '')
    setMeta(db, 'update_last_modified', response.headers.get('last-modified') ?? '')
    return { ...imported, url, downloaded: received, compressed }
  } finally {
    clearTimeout(idle)
    options.signal?.removeEventListener('abort', abort)
    if (!controller.signal.aborted) controller.abort()
  }
}

/** Downloads `url` into the catalogue under `dataDir`, on a connection of its own. */
export async function updateCatalogue (dataDir: string, url: string, options: UpdateOptions = {}): Promise<UpdateReport | NotModified> {
  const db = openCatalogueDb(dataDir)
  try {
    return await updateCatalogueFrom(db, url, options)
  } finally {
    db.close()
  }
}
