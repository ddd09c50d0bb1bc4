// A growable list of 32-bit integers: what a build over a whole catalogue
// collects (the search index's pairs, the ids of held answers) without a
// JavaScript array of numbers, 8 bytes a number on V8's heap.
export class IntList {
  data = new Int32Array(1024)
  length = 0
  push (value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2)
      bigger.set(this.data)
      this.data = bigger
    }
    this.data[this.length++] = value
  }

  /** The values so far, without a copy (changed by later pushes). */
  view (): Int32Array { return this.data.subarray(0, this.length) }
  /** The values, in an array of their own length. */
  done (): Int32Array { return this.data.slice(0, this.length) }
}
