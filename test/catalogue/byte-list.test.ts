// ByteList: what whole-catalogue loads collect slice by slice, read back
// byte for byte across the buffer's growth.
import t from 'tap'
import { ByteList } from '../../src/catalogue/byte-list.js'

t.test('strings and bytes appended across growth come back whole, in order, in a buffer of their own length', async (t) => {
  const list = new ByteList()
  const expected: Buffer[] = []
  // Multi-byte characters, an empty piece and pieces larger than the first buffer.
  const pieces = ['{"title":"Kōkaku Kidōtai"}', '', 'x'.repeat(70_000), '日本語', 'y'.repeat(200_000)]
  for (let round = 0; round < 3; round++) {
    for (const text of pieces) {
      t.equal(list.appendString(text), Buffer.byteLength(text))
      expected.push(Buffer.from(text))
    }
    const raw = Buffer.from([round, 0xff, 0x00, 0x80])
    list.append(raw)
    expected.push(raw)
  }
  const whole = Buffer.concat(expected)
  t.equal(list.length, whole.length)
  const done = list.done()
  t.equal(done.length, whole.length)
  t.ok(done.equals(whole))
  t.equal(list.length, 0, 'emptied once done')
})

t.test('an empty list gives an empty buffer', async (t) => {
  t.equal(new ByteList().done().length, 0)
})

t.test('bytes past the reserved range move to a larger one, whole; a list goes on after done', async (t) => {
  const list = new ByteList(1 << 20)
  const piece = Buffer.alloc(300_000, 0x61)
  for (let i = 0; i < 10; i++) { piece[0] = i; list.append(piece) }
  t.equal(list.length, 3_000_000)
  const done = list.done()
  t.equal(done.length, 3_000_000)
  for (let i = 0; i < 10; i++) t.equal(done[i * 300_000], i)
  t.equal(done[2_999_999], 0x61)
  t.equal((done.buffer as ArrayBuffer & { resizable?: boolean }).resizable, false, 'the bytes are in a plain buffer')
  list.appendString('again')
  t.equal(list.done().toString(), 'again')
})
