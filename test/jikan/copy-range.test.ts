// copyRange (src/jikan/resources.ts): the byte copy the held resources are put together with.
import t from 'tap'
import { copyRange } from '../../src/jikan/resources.js'

t.test('copies exactly the range, short (byte by byte) or long (TypedArray#set), and returns where it ends', async (t) => {
  const source = Buffer.from(Array.from({ length: 200 }, (_, i) => 'abcdefghijklmnopqrstuvwxyz'[i % 26]).join(''))
  for (const [start, end] of [[0, 0], [5, 6], [3, 51], [3, 52], [10, 200], [0, 200]] as const) {
    const out = Buffer.alloc(260, '.')
    const at = copyRange(source, start, end, out, 7)
    t.equal(at, 7 + end - start, `[${start}, ${end}): the end`)
    t.equal(out.subarray(7, at).toString(), source.subarray(start, end).toString(), `[${start}, ${end}): the bytes`)
    t.equal(out.subarray(0, 7).toString() + out.subarray(at).toString(), '.'.repeat(260 - (end - start)), `[${start}, ${end}): nothing else written`)
  }
})
