// The gate that gives searches a turn of the event loop each: callers go in
// the order they asked, one per turn, and what the loop does between turns
// (reading sockets: here, other callbacks) runs between them. The foreground:
// background slices (the start-up loads) wait while a client waits for work.
import t from 'tap'
import { createForeground, createTurns } from '../../../src/catalogue/engine/turns.js'

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

const turns = async (n: number): Promise<void> => { for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve)) }

t.test('the foreground: background slices run when no client waits, and wait while one does', async (t) => {
  const gate = createForeground({ maxDeferMs: 1e9 })
  const ran: string[] = []
  gate.background(() => { ran.push('idle') })
  t.same(ran, [], 'at a later turn, not at once')
  await turns(2)
  t.same(ran, ['idle'], 'nobody waits: it runs')

  let finish!: () => void
  const work = gate.during(() => new Promise<string>((resolve) => { finish = () => { resolve('answer') } }))
  t.ok(gate.busy())
  gate.background(() => { ran.push('a') })
  gate.background(() => { ran.push('b') })
  await turns(10)
  t.same(ran, ['idle'], 'while the work waits, the slices wait, however many turns go by')
  finish()
  t.equal(await work, 'answer', 'the work\'s result comes through')
  t.notOk(gate.busy())
  await turns(2)
  t.same(ran, ['idle', 'a', 'b'], 'the work done, the slices run, in the order asked')
})

t.test('the foreground: a failing work still lets the slices run; nested works count until the last ends', async (t) => {
  const gate = createForeground({ maxDeferMs: 1e9 })
  const ran: string[] = []
  let failOuter!: () => void
  let endInner!: () => void
  const outer = gate.during(() => new Promise<void>((_resolve, reject) => { failOuter = () => { reject(new Error('boom')) } }))
  const inner = gate.during(() => new Promise<void>((resolve) => { endInner = resolve }))
  gate.background(() => { ran.push('slice') })
  failOuter()
  await t.rejects(outer, /boom/)
  await turns(4)
  t.same(ran, [], 'one work still waits')
  endInner()
  await inner
  await turns(2)
  t.same(ran, ['slice'])
})

t.test('the foreground: a slice deferred for maxDeferMs runs even while a client still waits', async (t) => {
  const gate = createForeground({ maxDeferMs: 5 })
  let finish!: () => void
  const work = gate.during(() => new Promise<void>((resolve) => { finish = resolve }))
  const ran = new Promise<boolean>((resolve) => { gate.background(() => { resolve(gate.busy()) }) })
  t.equal(await ran, true, 'it ran while the work still waited')
  finish()
  await work
})

t.test('the foreground: background slices, whoever asks, run one per turn in the order asked, other work between them', async (t) => {
  const gate = createForeground({ maxDeferMs: 1e9 })
  const events: string[] = []
  // Two loads, each asking for its next slice when one has run (as the held answers and Jikan resources do).
  const load = (name: string, slices: number): void => {
    let done = 0
    const step = (): void => { events.push(`${name}${++done}`); if (done < slices) gate.background(step) }
    gate.background(step)
  }
  load('a', 3)
  load('b', 2)
  gate.background(() => { events.push('c') })
  let ticks = 0
  const tick = (): void => { events.push(`tick${++ticks}`); if (ticks < 12) setImmediate(tick) }
  setImmediate(tick)
  await turns(14)
  const slices = events.filter((e) => !e.startsWith('tick'))
  t.same(slices, ['a1', 'b1', 'c', 'a2', 'b2', 'a3'], 'in the order asked, the loads taking turns')
  for (let i = 1; i < slices.length; i++) {
    const between = events.slice(events.indexOf(slices[i - 1]!), events.indexOf(slices[i]!))
    t.ok(between.some((e) => e.startsWith('tick')), `a turn of other work between ${slices[i - 1]} and ${slices[i]}: ${events.join(' ')}`)
  }
})

t.test('the foreground: a slice asked long before a client came waits maxDeferMs from when the client came', async (t) => {
  let clock = 0
  const queue: Array<() => void> = []
  const gate = createForeground({ maxDeferMs: 100, now: () => clock, schedule: (next) => { queue.push(next) } })
  const ran: string[] = []
  gate.background(() => { ran.push('slice') })
  clock = 500
  let finish!: () => void
  const work = gate.during(() => new Promise<void>((resolve) => { finish = resolve }))
  queue.shift()!()
  t.same(ran, [], 'asked 500 ms ago, but the client has only just come: it waits')
  finish()
  await work
  queue.shift()!()
  t.same(ran, ['slice'], 'the client answered, it runs')
})
