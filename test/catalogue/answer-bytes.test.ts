// answerBytes: where answers written as bytes go; each answer's bytes are its own.
import t from 'tap'
import { answerBytes } from '../../src/catalogue/answer-bytes.js'

t.test('answers of every size get buffers of their size that no other answer writes into', async (t) => {
  // Small and large answers in turn, more than a slab holds in all, and some too large for one.
  const sizes = [1, 9000, 40_000, 70_000, 300_000, 3, 262_144, 262_145, 1 << 20, 16, 500_000, 8]
  const answers = sizes.concat(sizes).map((size, i) => {
    const out = answerBytes(size)
    out.fill(i & 0xff)
    return out
  })
  answers.forEach((out, i) => {
    t.equal(out.length, sizes[i % sizes.length])
    t.ok(out.every((byte) => byte === (i & 0xff)), `answer ${i} kept its bytes`)
  })
})
