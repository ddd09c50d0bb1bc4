// SHUTDOWN_DRAIN: on SIGTERM the service reports not ready at once and keeps
// answering, on new connections too, while a load balancer takes it out; only
// then does it stop accepting. Steady load through real sockets across the
// signal, as a balancer that polls /ready sends it: no request may fail.
import t from 'tap'
import { spawnServer, stopUnderLoad } from '../helpers/server.js'

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
      t.ok(run.notReadyAt - run.stoppedAt < drainMs, `/ready answered 503 ${run.notReadyAt - run.stoppedAt} ms after the signal`)
      t.same(run.outcomes.filter((o) => o.status !== 200).map((o) => o.error ?? o.status), [], `no request failed (${run.outcomes.length} sent)`)
      const afterSignal = run.outcomes.filter((o) => o.sentAt > run.stoppedAt)
      t.ok(afterSignal.length >= 20, `requests sent after the signal were answered (${afterSignal.length})`)
      t.ok(exitedAfter >= drainMs, `it kept serving through the drain (exited ${exitedAfter} ms after the signal)`)
      t.match(server.output(), /drained: no longer accepting connections/)
    })
  }
})

t.test('SIGINT during the drain ends it', async (t) => {
  const server = await spawnServer(t, { SHUTDOWN_DRAIN: '60s' })
  server.child.kill('SIGTERM')
  await new Promise((resolve) => setTimeout(resolve, 500))
  const interruptedAt = Date.now()
  server.child.kill('SIGINT')
  const { code } = await server.exited
  t.equal(code, 0)
  t.ok(Date.now() - interruptedAt < 15_000, `stopped ${Date.now() - interruptedAt} ms after SIGINT, not after the 60 s drain`)
})
