// The gate that gives searches a turn of the event loop each: callers go in
// the order they asked, one per turn, and what the loop does between turns
// (reading sockets: here, other callbacks) runs between them.
import t from 'tap'
import { createTurns } from '../../../src/catalogue/engine/turns.js'

t.test('one caller per turn, in the order they asked', async (t) => {
  const queue: Array<() => void> = []
  const turn = createTurns((next) => { queue.push(next) })
  const done: number[] = []
  const callers = [1, 2, 3].map((n) => turn().then(() => { done.push(n) }))
  t.equal(queue.length, 1, 'one turn asked for, however many wait')
  for (let turns = 1; turns <= 3; turns++) {
    queue.shift()!()
    await Promise.resolve()
    t.same(done, [1, 2, 3].slice(0, turns), `after turn ${turns}`)
    t.equal(queue.length, turns < 3 ? 1 : 0, turns < 3 ? 'the next turn asked for' : 'no turn left to ask for')
  }
  await Promise.all(callers)
  // Idle again: a new caller asks for a turn of its own.
  const later = turn()
  t.equal(queue.length, 1)
  queue.shift()!()
  await later
})

t.test('on the event loop, other work runs between two callers', async (t) => {
  const turn = createTurns()
  const events: string[] = []
  const callers = ['a', 'b', 'c'].map(async (name) => { await turn(); events.push(name) })
  // Other work arriving at each turn (as entry requests read from sockets would).
  let ticks = 0
  const tick = (): void => { events.push(`tick${++ticks}`); if (ticks < 4) setImmediate(tick) }
  setImmediate(tick)
  await Promise.all(callers)
  const at = (name: string): number => events.indexOf(name)
  t.ok(at('a') < at('b') && at('b') < at('c'), `in order: ${events.join(' ')}`)
  t.ok(events.slice(at('a'), at('b')).some((e) => e.startsWith('tick')), `other work between a and b: ${events.join(' ')}`)
  t.ok(events.slice(at('b'), at('c')).some((e) => e.startsWith('tick')), `other work between b and c: ${events.join(' ')}`)
})
