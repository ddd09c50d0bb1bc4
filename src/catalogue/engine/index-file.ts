// The index of one catalogue version saved beside the catalogue file
// (catalogue.index), so that a start finds it ready instead of building it:
// loading is a file read and typed-array views over it, where a build reads the
// whole catalogue and takes seconds of CPU and a few hundred MB of transient
// memory. The file says which catalogue version (and import) it describes and
// is used only when that is the one the catalogue file holds; anything else
// (older format, other version, other byte order, a torn or foreign file) is
// ignored and the index built again, then saved again.
//
// Layout: MAGIC, the header's length (uint32 LE), the header (JSON: what is
// not an array of numbers or a long text, and where each of those is), then
// the arrays and after them the texts, each at a multiple of 8 bytes from the
// start of the data part. Texts are stored as UTF-16 so that they come back
// unit for unit. A start reads the arrays into one buffer, which the index's
// typed arrays view for as long as it is used, and the texts into another,
// which is let go once they are decoded into strings: held in the arrays'
// buffer, they would be in memory twice.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { threadId } from 'node:worker_threads'
import { ResizableBuffer, type Resizable } from '../byte-list.js'
import { INDEX_FORMAT, type IndexData } from './index-data.js'

export const INDEX_FILE = 'catalogue.index'
const MAGIC = Buffer.from('ANIMEIDX')

/** Which catalogue an index file describes: the catalogue's version and import time, and the file's format. */
export interface IndexIdentity { version: number, importedAt: string }

type ArrayKind = 'Int32Array' | 'Uint32Array' | 'Int16Array' | 'Uint16Array' | 'Uint8Array' | 'Float64Array'
// Each array's kind is in the header: a list saved 4 bytes an item loads as such (see DocList).
const kinds = { Int32Array, Uint32Array, Int16Array, Uint16Array, Uint8Array, Float64Array }

interface Header {
  format: number
  endian: string
  values: Record<string, unknown>
  arrays: Record<string, [ArrayKind, number, number]>
  texts: Record<string, [number, number]>
  size: number
}

const align8 = (n: number): number => (n + 7) & ~7

/** The file's bytes for `data`. */
export function serializeIndex (data: IndexData): Buffer[] {
  const header: Header = { format: INDEX_FORMAT, endian: os.endianness(), values: {}, arrays: {}, texts: {}, size: 0 }
  const parts: Buffer[] = []
  let at = 0
  const add = (bytes: Buffer): number => {
    const offset = at
    parts.push(bytes)
    at += bytes.length
    const pad = align8(at) - at
    if (pad > 0) { parts.push(Buffer.alloc(pad)); at += pad }
    return offset
  }
  const texts: Array<[string, string]> = []
  for (const [key, value] of Object.entries(data)) {
    if (ArrayBuffer.isView(value)) {
      const array = value as Int32Array
      header.arrays[key] = [array.constructor.name as ArrayKind, add(Buffer.from(array.buffer, array.byteOffset, array.byteLength)), array.length]
    } else if (typeof value === 'string' && value.length > 256) {
      texts.push([key, value])
    } else {
      header.values[key] = value
    }
  }
  // The texts last, so that a start can read them apart from the arrays (see loadIndexFile).
  for (const [key, value] of texts) header.texts[key] = [add(Buffer.from(value, 'utf16le')), value.length]
  header.size = at
  const json = Buffer.from(JSON.stringify(header))
  const head = Buffer.alloc(align8(MAGIC.length + 4 + json.length))
  MAGIC.copy(head, 0)
  head.writeUInt32LE(json.length, MAGIC.length)
  json.copy(head, MAGIC.length + 4)
  return [head, ...parts]
}

/** Where the header ends and the data part begins, and the header; null when `bytes` do not start an index file this code reads. */
function headOf (bytes: Buffer): { header: Header, base: number } | null {
  if (bytes.length < MAGIC.length + 4 || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return null
  const length = bytes.readUInt32LE(MAGIC.length)
  if (MAGIC.length + 4 + length > bytes.length) return null
  let header: Header
  try {
    header = JSON.parse(bytes.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + length)) as Header
  } catch {
    return null
  }
  if (header.format !== INDEX_FORMAT || header.endian !== os.endianness()) return null
  return { header, base: align8(MAGIC.length + 4 + length) }
}

/** A stretch of an index file in memory: its bytes from offset `at` of the file (a text's own part in a resizable buffer, shrunk to nothing once the text is decoded). */
interface Part { at: number, bytes: Buffer }

/** `data` from the bytes of an index file; null when they are not one this code reads. Views over `bytes` (not copies). */
export function deserializeIndex (bytes: Buffer): IndexData | null {
  const head = headOf(bytes)
  if (head === null || head.base + head.header.size !== bytes.length) return null
  return decode(head.header, head.base, [{ at: 0, bytes }])
}

/** The index from its header and `parts`, which together hold the whole file; typed arrays view the parts' bytes. */
function decode (header: Header, base: number, parts: Part[]): IndexData | null {
  // Typed arrays need their element size's alignment: a part whose arrays do not start at a multiple of 8 is copied once.
  const aligned = parts.map(({ at, bytes }) => ({ at, bytes: (bytes.byteOffset - at) % 8 === 0 || ownText(bytes) ? bytes : Buffer.from(bytes) }))
  /** The part holding `length` bytes at `offset` of the data part, and where they begin in its buffer. */
  const find = (offset: number, length: number): { bytes: Buffer, from: number } | null => {
    const start = base + offset
    const part = aligned.find(({ at, bytes }) => at <= start && start + length <= at + bytes.length)
    return part === undefined ? null : { bytes: part.bytes, from: start - part.at }
  }
  const data: Record<string, unknown> = { ...header.values }
  for (const [key, [kind, offset, count]] of Object.entries(header.arrays)) {
    const Kind = kinds[kind]
    if (Kind === undefined) return null
    const found = find(offset, count * Kind.BYTES_PER_ELEMENT)
    if (found === null) return null
    data[key] = new Kind(found.bytes.buffer as ArrayBuffer, found.bytes.byteOffset + found.from, count)
  }
  // The texts (titles, the vocabulary) are decoded when first read: a start's
  // decode is then views only, and each text's copy into a string (tens of
  // milliseconds for a large catalogue) falls to the first request needing it.
  // Until then textPart reads pieces of a text from the bytes.
  const raw: Record<string, { bytes: Buffer, start: number }> = {}
  for (const [key, [offset, chars]] of Object.entries(header.texts)) {
    const found = find(offset, chars * 2)
    if (found === null) return null
    raw[key] = { bytes: found.bytes, start: found.from }
    decodeWhenRead(data, key, found.bytes, found.from, chars, raw)
  }
  undecoded.set(data, raw)
  return data as unknown as IndexData
}

/** Per index read from a file, where each text not decoded yet lies in its bytes. */
const undecoded = new WeakMap<object, Record<string, { bytes: Buffer, start: number }>>()

/**
 * Characters from … to - 1 of text `key` of `data`: read from the file's bytes
 * while the whole text is not decoded (a title among 40,000 need not decode
 * them all: a copy of megabytes into the heap, tens of milliseconds), else
 * sliced from it.
 */
export function textPart (data: IndexData, key: 'titleText', from: number, to: number): string {
  const at = undecoded.get(data)?.[key]
  return at === undefined ? data[key].slice(from, to) : at.bytes.toString('utf16le', at.start + from * 2, at.start + to * 2)
}

/**
 * Defines `data[key]` as the text of `chars` UTF-16 units at `from` in
 * `bytes`, decoded when first read (a function of its own, so that the getter
 * holds only these bytes: once it has run, they can go, and `raw`, where
 * textPart reads pieces of the text until then, forgets them).
 */
function decodeWhenRead (data: Record<string, unknown>, key: string, bytes: Buffer, from: number, chars: number, raw: Record<string, unknown>): void {
  Object.defineProperty(data, key, {
    configurable: true,
    enumerable: true,
    get () {
      const text = bytes.toString('utf16le', from, from + chars * 2)
      Object.defineProperty(data, key, { value: text, enumerable: true, writable: false, configurable: false })
      delete raw[key]
      // A text's own part goes now, not at V8's next full collection (a quiet service may not run one for long).
      if (ownText(bytes)) (bytes.buffer as Resizable).resize(0)
      return text
    }
  })
}

/** Whether `bytes` are a text's own part of the file (see Part). */
const ownText = (bytes: Buffer): boolean => (bytes.buffer as Resizable).resizable

/**
 * `length` bytes of the open file `fd` from `from`, in one buffer of their
 * own (so aligned for the typed arrays), read in one request where the file
 * system allows. Only the read waits for the thread pool: at start the event
 * loop is busy (the plugins' set-up, then the held answers' loads), and each
 * step of an asynchronous open, stat, read and close waited for a turn of it,
 * so the index was ready long after the service answered. (fs.promises.readFile
 * also reads in 512 KiB chunks, each waiting for a turn.)
 */
async function readPart (fd: number, from: number, length: number, text = false): Promise<Part> {
  const bytes = text ? Buffer.from(new ResizableBuffer(length, { maxByteLength: length })) : Buffer.allocUnsafeSlow(length)
  let at = 0
  while (at < length) {
    const bytesRead = await new Promise<number>((resolve, reject) => {
      fs.read(fd, bytes, at, length - at, from + at, (error, read) => { if (error === null) resolve(read); else reject(error) })
    })
    if (bytesRead === 0) break
    at += bytesRead
  }
  return { at: from, bytes: at === length ? bytes : bytes.subarray(0, at) }
}

/**
 * The index file's header and its bytes: the arrays in one part and each
 * text in a part of its own (let go once decoded). The file is opened, sized and its header read at once (quick
 * system calls); null when it is not an index file this code reads.
 */
async function readIndexFile (file: string): Promise<{ header: Header, base: number, parts: Part[] } | null> {
  const fd = fs.openSync(file, 'r')
  try {
    const { size } = fs.fstatSync(fd)
    const start = Buffer.alloc(Math.min(size, MAGIC.length + 4))
    fs.readSync(fd, start, 0, start.length, 0)
    if (start.length < MAGIC.length + 4 || !start.subarray(0, MAGIC.length).equals(MAGIC)) return null
    const headLength = Math.min(size, MAGIC.length + 4 + start.readUInt32LE(MAGIC.length))
    const headBytes = Buffer.alloc(headLength)
    fs.readSync(fd, headBytes, 0, headLength, 0)
    const head = headOf(headBytes)
    if (head === null || head.base + head.header.size !== size) return null
    const { header, base } = head
    // Each text in a part of its own, where they all come after the arrays (a file of an earlier layout: one part).
    const texts = Object.values(header.texts).map(([offset, chars]) => ({ from: base + offset, length: chars * 2 }))
    const arraysEnd = Math.max(base, ...Object.values(header.arrays).map(([kind, offset, count]) => base + offset + count * (kinds[kind]?.BYTES_PER_ELEMENT ?? 0)))
    const apart = texts.every(({ from }) => from >= arraysEnd)
    const wanted = apart ? [{ from: 0, length: arraysEnd }, ...texts] : [{ from: 0, length: size }]
    // Read side by side (the thread pool's requests run at once), each part in one request.
    const parts = await Promise.all(wanted.map(({ from, length }, i) => readPart(fd, from, length, apart && i > 0)))
    return parts.every((part, i) => part.bytes.length === wanted[i]!.length) ? { header, base, parts } : null
  } finally {
    fs.closeSync(fd)
  }
}

/**
 * The saved index under `dataDir` (when `identity` is given, only if it is of
 * that catalogue); null when there is none (or it cannot be read). The file is
 * read at once and decoded once `beforeDecode` resolves.
 */
export async function loadIndexFile (dataDir: string, identity?: IndexIdentity, beforeDecode?: () => Promise<void>): Promise<IndexData | null> {
  let read: Awaited<ReturnType<typeof readIndexFile>>
  try {
    read = await readIndexFile(path.join(dataDir, INDEX_FILE))
  } catch {
    return null
  }
  if (read === null) return null
  await beforeDecode?.()
  const data = decode(read.header, read.base, read.parts)
  if (data === null || identity === undefined) return data
  return data.version === identity.version && data.importedAt === identity.importedAt ? data : null
}

/**
 * Saves `data` as the index file under `dataDir`: written beside it, then
 * renamed over it, so a reader (another process of the service) sees the old
 * file or the new one whole. Private to the service's user like every file
 * there. Failing to save costs only the next start's build: errors are the
 * caller's to ignore.
 */
export function saveIndexFile (dataDir: string, data: IndexData): void {
  const file = path.join(dataDir, INDEX_FILE)
  const temporary = `${file}.${process.pid}-${threadId}.tmp`
  try {
    const fd = fs.openSync(temporary, 'w', 0o600)
    try {
      for (const part of serializeIndex(data)) fs.writeSync(fd, part)
    } finally {
      fs.closeSync(fd)
    }
    fs.renameSync(temporary, file)
  } catch (error) {
    fs.rmSync(temporary, { force: true })
    throw error
  }
}
