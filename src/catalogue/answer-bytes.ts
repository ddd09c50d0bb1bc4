// Where answers written as bytes (a page of entries joined from their held
// answers, Jikan's resources and pages) are written: parts of slabs of 256 KiB
// shared by the answers written one after another. A slab is let go once every
// answer in it is (they are sent, not kept). A buffer per answer instead came,
// for answers under 64 KiB (a search page, most /v4 pages), from the C
// library's main pool, where thousands waited for V8's next collection to be
// freed, and the holes they left among longer-lived allocations stayed
// resident; Buffer.allocUnsafe's own pool is 8 KiB, from that pool too. A slab
// (and an answer too large for one) is 64 KiB or more, so the C library maps
// it on its own and gives it back whole when freed. A slab that outlives a few
// young collections waits for a full one; smaller slabs keep less waiting.

/** Bytes of each slab. */
const SLAB_SIZE = 1 << 18
/** Answers larger than this get a buffer of their own, which the C library maps apart too. */
const OWN_SIZE = 1 << 16

let slab: Buffer | null = null
let slabAt = 0

/** A buffer of `size` bytes to write an answer into. */
export function answerBytes (size: number): Buffer {
  if (size > OWN_SIZE) return Buffer.allocUnsafeSlow(size)
  if (slab === null || slabAt + size > SLAB_SIZE) {
    slab = Buffer.allocUnsafeSlow(SLAB_SIZE)
    slabAt = 0
  }
  const out = slab.subarray(slabAt, slabAt + size)
  // The next answer starts aligned, as in Buffer's own pool.
  slabAt = (slabAt + size + 7) & ~7
  return out
}
