// Catalogue files come plain or compressed, and the name says nothing for sure
// (a release asset redirects to a storage URL; a user renames a file). The
// first bytes do: zstd frames begin 28 B5 2F FD, gzip members 1F 8B. Both are
// decompressed as a stream, chunk by chunk, so a 100 MB catalogue never sits in
// memory whole.
import zlib from 'node:zlib'
import { Readable } from 'node:stream'
import { Decompress } from 'fzstd'
import { CompressionError, UnsupportedCompressionError } from './import-errors.js'

export { CompressionError, UnsupportedCompressionError } from './import-errors.js'

export type Compression = 'zstd' | 'gzip'

const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd]
const GZIP_MAGIC = [0x1f, 0x8b]
const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04]

const startsWith = (head: Buffer, magic: number[]): boolean => head.length >= magic.length && magic.every((byte, i) => head[i] === byte)

/** What the first bytes say the data is compressed with; null: not compressed (or not yet known). */
export function sniffCompression (head: Buffer): Compression | null {
  if (startsWith(head, ZSTD_MAGIC)) return 'zstd'
  if (startsWith(head, GZIP_MAGIC)) return 'gzip'
  if (startsWith(head, ZIP_MAGIC)) throw new UnsupportedCompressionError('a zip archive: unpack it and import the .json or .jsonl file inside')
  return null
}

async function * unzstd (input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const out: Buffer[] = []
  const decoder = new Decompress((chunk) => { out.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)) })
  const push = (chunk: Uint8Array, final: boolean): void => {
    try {
      decoder.push(chunk, final)
    } catch (error) {
      throw new CompressionError(`not valid zstd data: ${(error as Error).message}`)
    }
  }
  for await (const chunk of input) {
    push(chunk, false)
    while (out.length > 0) yield out.shift()!
  }
  push(new Uint8Array(0), true)
  while (out.length > 0) yield out.shift()!
}

async function * gunzip (input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const source = Readable.from(input, { objectMode: false })
  const inflate = zlib.createGunzip()
  // An error of the input itself (a cut download) is passed through as it is.
  let inputError: unknown
  source.on('error', (error) => { inputError = error; inflate.destroy(error) })
  source.pipe(inflate)
  try {
    for await (const chunk of inflate) yield chunk as Buffer
  } catch (error) {
    if (inputError !== undefined) throw inputError
    throw new CompressionError(`not valid gzip data: ${(error as Error).message}`)
  } finally {
    source.destroy()
  }
}

/**
 * The bytes of `input`, decompressed when its first bytes are a zstd or gzip
 * header, as they are otherwise. `detected` is told which (once, before the
 * first chunk is handed on). Throws UnsupportedCompressionError for a zip
 * archive (here), CompressionError for broken compressed data (while reading).
 */
export async function decompressByContent (
  input: AsyncIterable<Buffer | string>,
  detected: (compression: Compression | null) => void = () => {}
): Promise<AsyncIterable<Buffer>> {
  const pieces = input[Symbol.asyncIterator]()
  const head: Buffer[] = []
  let headBytes = 0
  let done = false
  // Enough bytes to tell: four (or the whole input, if shorter).
  while (headBytes < 4) {
    const next = await pieces.next()
    if (next.done === true) { done = true; break }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value
    head.push(chunk)
    headBytes += chunk.length
  }
  let compression: Compression | null
  try {
    compression = sniffCompression(Buffer.concat(head))
  } catch (error) {
    if (!done) await pieces.return?.()
    throw error
  }
  detected(compression)
  async function * whole (): AsyncGenerator<Buffer> {
    try {
      yield * head
      if (done) return
      for (let next = await pieces.next(); next.done !== true; next = await pieces.next()) {
        yield typeof next.value === 'string' ? Buffer.from(next.value) : next.value
      }
      done = true
    } finally {
      if (!done) await pieces.return?.()
    }
  }
  if (compression === 'zstd') return unzstd(whole())
  if (compression === 'gzip') return gunzip(whole())
  return whole()
}
