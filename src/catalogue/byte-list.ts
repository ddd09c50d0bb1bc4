// Bytes a whole-catalogue load collects slice by slice (held answers, Jikan
// records and values), in one buffer that doubles when full. A buffer per
// slice instead came, for slices under 64 KiB, from the C library's main pool,
// and once copied out and collected left holes there that stayed resident;
// this one starts at 64 KiB, so every buffer it takes is mapped on its own and
// given back whole when let go.
export class ByteList {
  private bytes = Buffer.allocUnsafeSlow(1 << 16)
  length = 0

  private room (more: number): void {
    if (this.length + more <= this.bytes.length) return
    const bigger = Buffer.allocUnsafeSlow(Math.max(this.bytes.length * 2, this.length + more))
    this.bytes.copy(bigger, 0, 0, this.length)
    this.bytes = bigger
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

  /** The bytes, in a buffer of their own length (outside Buffer's pool: held for long). */
  done (): Buffer {
    const out = Buffer.allocUnsafeSlow(this.length)
    this.bytes.copy(out, 0, 0, this.length)
    this.bytes = Buffer.alloc(0)
    this.length = 0
    return out
  }
}
