// Sets of docs as bitsets (one bit per doc, 32 to a word): filters, text
// matches and their combinations are word-wide ANDs and ORs.

export type Bits = Uint32Array

export const wordsFor = (n: number): number => (n + 31) >>> 5

export const emptyBits = (n: number): Bits => new Uint32Array(wordsFor(n))

/** Every doc of 0 … n-1. */
export function allBits (n: number): Bits {
  const bits = new Uint32Array(wordsFor(n)).fill(0xffffffff)
  if ((n & 31) !== 0) bits[bits.length - 1] = (1 << (n & 31)) - 1
  return bits
}

export const has = (bits: Bits, d: number): boolean => (bits[d >>> 5]! & (1 << (d & 31))) !== 0
export const set = (bits: Bits, d: number): void => { bits[d >>> 5]! |= 1 << (d & 31) }

/** Sets the docs of list[from … to). */
export function setList (bits: Bits, list: Int32Array | Uint16Array, from: number, to: number): void {
  for (let i = from; i < to; i++) { const d = list[i]!; bits[d >>> 5]! |= 1 << (d & 31) }
}

export function and (target: Bits, other: Bits): Bits {
  for (let i = 0; i < target.length; i++) target[i]! &= other[i]!
  return target
}

export function or (target: Bits, other: Bits): Bits {
  for (let i = 0; i < target.length; i++) target[i]! |= other[i]!
  return target
}

export function andNot (target: Bits, other: Bits): Bits {
  for (let i = 0; i < target.length; i++) target[i]! &= ~other[i]!
  return target
}

function popcount32 (x: number): number {
  x -= (x >>> 1) & 0x55555555
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24
}

export function count (bits: Bits): number {
  let total = 0
  for (let i = 0; i < bits.length; i++) if (bits[i] !== 0) total += popcount32(bits[i]!)
  return total
}

/** The docs of `bits`, ascending. */
export function toList (bits: Bits): Int32Array {
  const out = new Int32Array(count(bits))
  let at = 0
  for (let i = 0; i < bits.length; i++) {
    let word = bits[i]!
    while (word !== 0) {
      const low = word & -word
      out[at++] = (i << 5) + 31 - Math.clz32(low)
      word ^= low
    }
  }
  return out
}

/** The k-th doc of `bits` (0-based, ascending), or -1. */
export function nth (bits: Bits, k: number): number {
  for (let i = 0; i < bits.length; i++) {
    const c = popcount32(bits[i]!)
    if (k >= c) { k -= c; continue }
    let word = bits[i]!
    for (;;) {
      const low = word & -word
      if (k === 0) return (i << 5) + 31 - Math.clz32(low)
      word ^= low
      k--
    }
  }
  return -1
}

export function isEmpty (bits: Bits): boolean {
  for (let i = 0; i < bits.length; i++) if (bits[i] !== 0) return false
  return true
}
