// SHUTDOWN_DRAIN: on SIGTERM the service reports not ready at once and keeps
// answering, on new connections too, while a load balancer takes it out; only
// then does it stop accepting. Steady load through real sockets across the
// signal, as a balancer that polls /ready sends it: no request may fail.
import t from 'tap'
import { getOnce, spawnServer, stopUnderLoad } from '../helpers/server.js'

t.test('SIGTERM under steady load: /ready turns 503 at once, every request is answered through SHUTDOWN_DRAIN, none fails', async (t) => {
  for (const workers of ['1', '2']) {
    await t.test(`WORKERS=${workers}`, async (t) => {
      const drainMs = 3000
      const server = await spawnServer(t, { SHUTDOWN_DRAIN: `${drainMs}ms`, WORKERS: workers })
      const paths = Array.from({ length: 20 }, (_, i) => `/anime/entry/${i + 1}`)
      const run = await stopUnderLoad(server.port, () => server.child.kill('SIGTERM'), paths)
      const { code } = await server.exited
      const exitedAfter = Date.now() - run.stoppedAt
      t.equal(code, 0, 'exit code 0')
      t.same(run.readyProblems, [], '/ready answered 200 until it turned')
      t.same(run.outcomes.filter((o) => o.status !== 200).map((o) => o.error ?? o.status), [], `no request failed (${run.outcomes.length} sent)`)
      const afterSignal = run.outcomes.filter((o) => o.sentAt > run.stoppedAt)
      t.ok(afterSignal.length >= 20, `requests sent after the signal were answered (${afterSignal.length})`)
      // /ready turned during the drain, while requests were still served: some sent after it turned were answered.
      t.ok(run.outcomes.some((o) => o.sentAt > run.notReadyAt && o.status === 200), '/ready answered 503 while the service still served')
      t.ok(exitedAfter >= drainMs, `it kept serving through the drain (exited ${exitedAfter} ms after the signal)`)
      t.match(server.output(), /drained: no longer accepting connections/)
    })
  }
})

t.test('SIGINT during the drain ends it', async (t) => {
  // A drain longer than the test may run: the process exits only if SIGINT ends it.
  const server = await spawnServer(t, { SHUTDOWN_DRAIN: '1h' })
  server.child.kill('SIGTERM')
  // The drain has begun once /ready says 503.
  let ready = await getOnce(server.port, '/ready')
  while (ready.status === 200) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    ready = await getOnce(server.port, '/ready')
  }
  t.equal(ready.status, 503, 'draining: /ready says 503')
  server.child.kill('SIGINT')
  const { code } = await server.exited
  t.equal(code, 0)
  t.match(server.output(), /"signal":"SIGTERM","drainMs":3600000,.*"msg":"shutting down"/, 'the drain had begun')
  t.match(server.output(), /drained: no longer accepting connections/, 'and SIGINT ended it')
})
