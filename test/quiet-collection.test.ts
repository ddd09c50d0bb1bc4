// The quiet collection's rule, tick by tick, with the process's figures given;
// V8's gc() taken without node's --expose-gc (the tests run without it).
import vm from 'node:vm'
import t from 'tap'
import { createQuietCollector, QUIET_COLLECTION, v8Gc } from '../src/quiet-collection.js'

const MB = 1e6
const QUIET = QUIET_COLLECTION.quietTicks

/** A collector over figures the test sets: `held` and `busy` are read at each tick. */
function harness (growth = 8 * MB, start = 100 * MB) {
  const state = { held: start, busy: 0, collections: 0, told: [] as Array<[number, number]> }
  const collector = createQuietCollector({
    collect: () => { state.collections++ },
    held: () => state.held,
    busy: () => state.busy,
    growth,
    collected: (before, after) => { state.told.push([before, after]) }
  })
  /** `n` ticks: whether each collected. */
  const ticks = (n: number): boolean[] => Array.from({ length: n }, () => collector.tick())
  return { state, tick: () => collector.tick(), ticks }
}

t.test('the default quiet spell is longer than the 5 s over which V8 measures the allocation rate', async (t) => {
  t.ok(QUIET * QUIET_COLLECTION.intervalMs > 5000)
})

t.test('collects once the loop has been quiet for the whole spell and memory grew by the threshold', async (t) => {
  const { state, tick, ticks } = harness()
  state.held = 120 * MB
  t.same(ticks(QUIET - 1), Array(QUIET - 1).fill(false), 'not before the spell is over')
  t.equal(tick(), true, 'the last tick of the spell collects')
  t.equal(state.collections, 1)
})

t.test('a busy tick starts the quiet count again', async (t) => {
  const { state, tick, ticks } = harness()
  state.held = 120 * MB
  ticks(QUIET - 1)
  state.busy = 0.5
  t.equal(tick(), false, 'busy')
  state.busy = 0.01
  t.same(ticks(QUIET - 1), Array(QUIET - 1).fill(false), 'quiet again, not for long enough yet')
  t.equal(tick(), true)
  t.equal(state.collections, 1)
})

t.test('no collection while memory has not grown by the threshold', async (t) => {
  const { state, tick, ticks } = harness(8 * MB)
  state.held = 107.9 * MB
  t.same(ticks(3 * QUIET), Array(3 * QUIET).fill(false))
  state.held = 108 * MB
  t.equal(tick(), true, 'grown by exactly the threshold, the loop long quiet')
})

t.test('after a collection the mark is the memory one tick later, and tells what it gave back', async (t) => {
  const { state, tick, ticks } = harness()
  state.held = 150 * MB
  t.equal(ticks(QUIET).at(-1), true)
  state.held = 110 * MB // V8 freed the pages
  t.equal(tick(), false)
  t.same(state.told, [[150 * MB, 110 * MB]])
  state.held = 117 * MB
  t.same(ticks(3 * QUIET), Array(3 * QUIET).fill(false), 'under 110 + 8 MB')
  state.held = 118 * MB
  t.equal(tick(), true, '8 MB above the new mark, quiet all along')
  t.equal(state.collections, 2)
})

t.test('memory that stays after a collection raises the mark: no collection at every spell', async (t) => {
  const { state, ticks } = harness()
  state.held = 150 * MB
  t.equal(ticks(QUIET).at(-1), true)
  t.same(ticks(5 * QUIET), Array(5 * QUIET).fill(false), 'held memory is not collected again')
  t.equal(state.collections, 1)
  t.same(state.told, [[150 * MB, 150 * MB]])
})

t.test('a tick whose share of work is at the quiet limit is busy', async (t) => {
  const { state, ticks } = harness()
  state.held = 150 * MB
  state.busy = QUIET_COLLECTION.quietShare
  t.same(ticks(3 * QUIET), Array(3 * QUIET).fill(false))
  t.equal(state.collections, 0)
})

t.test("V8's gc() without --expose-gc: a function that collects, and no context made later gets one", async (t) => {
  const gc = v8Gc()
  t.type(gc, 'function')
  let held: object | undefined = { some: 'object' }
  const ref = new WeakRef(held)
  held = undefined
  // A WeakRef keeps its target until the end of the job that made it.
  await new Promise((resolve) => setImmediate(resolve))
  gc()
  t.equal(ref.deref(), undefined, 'an object nothing holds is gone after it')
  t.equal(vm.runInNewContext('typeof gc'), 'undefined', 'a context made afterwards has no gc()')
  t.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined', 'nor has the main one')
})
