// Bytes a whole-catalogue load collects slice by slice (held answers, Jikan
// records and values). They grow in one resizable ArrayBuffer: its address
// range is reserved up front and pages are mapped only as bytes are written,
// so growing copies nothing and leaves no smaller buffer behind. When done, the
// bytes are copied into a buffer of their own length and the growing one is
// shrunk to nothing, which gives its pages back at once. A buffer that doubled
// instead left each smaller one (some twice the final size in all) resident
// until V8's next full collection, which a quiet service may not run for long.
// A buffer per slice came, for slices under 64 KiB, from the C library's main
// pool, and left holes there.

/** Address range reserved per list; past it the bytes move to a range twice as large (one copy). */
const RESERVE = 1 << 28
/** How much the mapped part grows by at least: few resizes, and what is mapped past the bytes is never touched. */
const STEP = 1 << 20

/** ES2024's resizable ArrayBuffer (Node 20 has it; the ES2023 library types do not describe it). */
export interface Resizable extends ArrayBuffer { readonly maxByteLength: number, readonly resizable: boolean, resize (size: number): void }
export const ResizableBuffer = ArrayBuffer as unknown as new (size: number, options: { maxByteLength: number }) => Resizable

export class ByteList {
  private store: Resizable
  private bytes = Buffer.alloc(0)
  length = 0

  /** `reserve`: the address range to reserve at first, in bytes. */
  constructor (reserve = RESERVE) {
    this.store = new ResizableBuffer(0, { maxByteLength: reserve })
  }

  private room (more: number): void {
    const need = this.length + more
    if (need <= this.bytes.length) return
    const size = Math.max(need, Math.min(this.store.byteLength * 2, this.store.byteLength + 16 * STEP), STEP)
    if (size <= this.store.maxByteLength) {
      this.store.resize(size)
    } else {
      const bigger = new ResizableBuffer(size, { maxByteLength: Math.max(size, this.store.maxByteLength * 2) })
      new Uint8Array(bigger).set(new Uint8Array(this.store, 0, this.length))
      this.store.resize(0)
      this.store = bigger
    }
    this.bytes = Buffer.from(this.store, 0, this.store.byteLength)
  }

  append (chunk: Uint8Array): void {
    this.room(chunk.length)
    this.bytes.set(chunk, this.length)
    this.length += chunk.length
  }

  /** Appends `text` as UTF-8; returns its length in bytes. */
  appendString (text: string): number {
    const size = Buffer.byteLength(text)
    this.room(size)
    this.bytes.write(text, this.length, size, 'utf8')
    this.length += size
    return size
  }

  /**
   * The bytes, in a buffer of their own length (outside Buffer's pool: held for
   * long; a plain one, since code reading a view of a resizable buffer checks
   * its length on every access); the list's own pages are given back.
   */
  done (): Buffer {
    const out = Buffer.allocUnsafeSlow(this.length)
    this.bytes.copy(out, 0, 0, this.length)
    this.store.resize(0)
    this.bytes = Buffer.alloc(0)
    this.length = 0
    return out
  }
}
