// The quiet collection's rule, tick by tick, with the process's figures given.
import t from 'tap'
import { createQuietCollector } from '../src/quiet-collection.js'

const MB = 1e6

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
  return { state, tick: () => collector.tick() }
}

t.test('collects once the loop has been quiet for two ticks and memory grew by the threshold', async (t) => {
  const { state, tick } = harness()
  state.held = 120 * MB
  t.equal(tick(), false, 'one quiet tick is not enough')
  t.equal(tick(), true, 'the second quiet tick collects')
  t.equal(state.collections, 1)
})

t.test('a busy tick starts the quiet count again', async (t) => {
  const { state, tick } = harness()
  state.held = 120 * MB
  t.equal(tick(), false)
  state.busy = 0.5
  t.equal(tick(), false, 'busy')
  state.busy = 0.01
  t.equal(tick(), false, 'quiet again, one tick')
  t.equal(tick(), true)
  t.equal(state.collections, 1)
})

t.test('no collection while memory has not grown by the threshold', async (t) => {
  const { state, tick } = harness(8 * MB)
  state.held = 107.9 * MB
  for (let i = 0; i < 10; i++) t.equal(tick(), false)
  state.held = 108 * MB
  t.equal(tick(), true, 'grown by exactly the threshold')
})

t.test('after a collection the mark is the memory one tick later, and tells what it gave back', async (t) => {
  const { state, tick } = harness()
  state.held = 150 * MB
  tick()
  t.equal(tick(), true)
  state.held = 110 * MB // V8 freed the pages
  t.equal(tick(), false)
  t.same(state.told, [[150 * MB, 110 * MB]])
  state.held = 117 * MB
  for (let i = 0; i < 5; i++) t.equal(tick(), false, 'under 110 + 8 MB')
  state.held = 118 * MB
  t.equal(tick(), true, '8 MB above the new mark')
  t.equal(state.collections, 2)
})

t.test('memory that stays after a collection raises the mark: no collection every other tick', async (t) => {
  const { state, tick } = harness()
  state.held = 150 * MB
  tick()
  t.equal(tick(), true)
  for (let i = 0; i < 20; i++) t.equal(tick(), false, 'held memory is not collected again')
  t.equal(state.collections, 1)
  t.same(state.told, [[150 * MB, 150 * MB]])
})

t.test('a tick whose share of work is at the quiet limit is busy', async (t) => {
  const { state, tick } = harness()
  state.held = 150 * MB
  state.busy = 0.02
  for (let i = 0; i < 5; i++) t.equal(tick(), false)
  t.equal(state.collections, 0)
})
