// SHUTDOWN_DRAIN: on SIGTERM the service reports not ready at once and keeps
// answering, on new connections too, while a load balancer takes it out; only
// then does it stop accepting. Steady load through real sockets across the
// signal, as a balancer that polls /ready sends it: no request may fail, and
// every answer a process gives once it drains says `Connection: close`.
import path from 'node:path'
import t from 'tap'
import { eventually, getOnce, spawnServer, stopUnderLoad, type Answer } from '../helpers/server.js'

/** Whether the cluster's primary has logged `workers` workers listening. */
const workersListening = (output: () => string, workers: number) => () => (output().match(/"msg":"worker listening"/g) ?? []).length >= workers
/** Whether `processes` serving processes (the single one, or a cluster's workers) have logged that they listen. */
const listening = (output: () => string, processes: number) => () => (output().match(/"msg":"Server listening at /g) ?? []).length >= processes

t.test('SIGTERM under steady load: /ready turns 503 at once, every request is answered during the drain with Connection: close, none fails', async (t) => {
  for (const workers of [1, 2]) {
    await t.test(`WORKERS=${workers}`, async (t) => {
      // A drain longer than the load, whatever the machine's speed; SIGINT (Ctrl-C, or a second
      // signal from a service manager) ends it. The next test checks that a drain ends by itself.
      const server = await spawnServer(t, { SHUTDOWN_DRAIN: '1h', WORKERS: String(workers) })
      // The signal reaches every worker once all serve (a worker still starting is a later test's case).
      t.ok(await eventually(listening(server.output, workers)), 'every serving process listens')
      const paths = Array.from({ length: 20 }, (_, i) => `/anime/entry/${i + 1}`)
      const run = await stopUnderLoad(server.port, () => server.child.kill('SIGTERM'), paths, { workers })
      t.equal(server.child.exitCode, null, 'still running: draining')
      server.child.kill('SIGINT')
      t.equal((await server.exited).code, 0, 'exit code 0')
      t.same(run.readyProblems, [], '/ready answered 200 until it turned')
      t.equal(run.notReadyAtBy.size, workers, 'each serving process answered /ready with 503')
      t.same(run.outcomes.filter((o) => o.status !== 200).map((o) => o.error ?? o.status), [], `no request failed (${run.outcomes.length} sent)`)
      // A request sent after the process that answered it said 503 on /ready arrived during its drain.
      const inDrain = run.outcomes.filter((o) => o.sentAt > (run.notReadyAtBy.get(o.worker ?? '') ?? Infinity))
      t.ok(inDrain.length >= 24, `requests sent during the drain were answered (${inDrain.length})`)
      t.same(inDrain.filter((o) => o.connection !== 'close').map((o) => `${o.worker ?? ''}: ${o.connection ?? 'no Connection header'}`), [], 'every answer during the drain says Connection: close')
      t.equal(new Set(inDrain.map((o) => o.worker)).size, workers, 'every worker answered during the drain')
      t.equal((server.output().match(/drained: no longer accepting connections/g) ?? []).length, workers, 'each worker stopped accepting once the drain ended')
    })
  }
})

t.test('the drain ends by itself after SHUTDOWN_DRAIN', async (t) => {
  const drainMs = 1000
  const server = await spawnServer(t, { SHUTDOWN_DRAIN: `${drainMs}ms` })
  const signalledAt = Date.now()
  server.child.kill('SIGTERM')
  const { code } = await server.exited
  const exitedAfter = Date.now() - signalledAt
  t.equal(code, 0, 'exit code 0')
  t.ok(exitedAfter >= drainMs, `it kept serving through the drain (exited ${exitedAfter} ms after the signal)`)
  t.match(server.output(), /"signal":"SIGTERM","drainMs":1000,.*"msg":"shutting down"[^]*drained: no longer accepting connections/)
})

t.test('a worker that the SIGTERM reaches while it starts listening drains like the others, and no connection handed to it is cut', async (t) => {
  // The fixture has the second worker to listen signal the primary, which forwards SIGTERM to both
  // workers: it reaches that worker once the primary hands it connections, before listen() has returned.
  const atListen = path.join(import.meta.dirname, '..', 'fixtures', 'sigterm-at-listen.mjs')
  const server = await spawnServer(t, {
    WORKERS: '2',
    SHUTDOWN_DRAIN: '1h',
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${atListen}`
  })
  t.ok(await eventually(workersListening(server.output, 2)), 'both workers listen')
  // New connections go to the workers in turn.
  const requests = Array.from({ length: 24 }, (_, i) => i % 2 === 0 ? { path: '/ready', expected: 503 } : { path: '/anime/entry/1', expected: 200 })
  const answers: Array<{ path: string, expected: number, answer: Answer }> = []
  for (const request of requests) answers.push({ ...request, answer: await getOnce(server.port, request.path) })
  t.same(answers.filter((a) => a.answer.status !== a.expected).map((a) => `${a.path}: ${a.answer.error ?? a.answer.status}`), [], '/ready says 503 and entries are served')
  t.same(answers.filter((a) => a.answer.connection !== 'close').map((a) => a.path), [], 'every answer says Connection: close')
  t.equal(new Set(answers.map((a) => a.answer.worker)).size, 2, 'both workers answered')
  server.child.kill('SIGINT')
  const { code } = await server.exited
  t.equal(code, 0, 'SIGINT ends the drain: exit code 0')
  t.equal((server.output().match(/"signal":"SIGTERM","drainMs":3600000,.*"msg":"shutting down"/g) ?? []).length, 2, 'both workers drained')
  t.notMatch(server.output(), /worker died/)
})
