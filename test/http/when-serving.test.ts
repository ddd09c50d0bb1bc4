// Work a start leaves for later (src/http/when-serving.ts) begins after the
// server's first answer, or after a wait when no request comes; never before
// the first request is answered, and never on a server that is closed first.
import Fastify from 'fastify'
import t from 'tap'
import { whenServing } from '../../src/http/when-serving.js'

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

async function until (check: () => boolean): Promise<void> {
  for (let i = 0; i < 5000 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 2))
}

t.test('begins after the first answer, not before the first request', async (t) => {
  const fastify = Fastify({ logger: false })
  t.teardown(() => fastify.close())
  let ran = 0
  let ranBeforeAnswer = false
  whenServing(fastify, () => { ran++ }, 3_600_000)
  fastify.get('/', async () => {
    ranBeforeAnswer = ran > 0
    return 'hello'
  })
  await fastify.listen({ host: '127.0.0.1', port: 0 })
  for (let i = 0; i < 20; i++) await turn()
  t.equal(ran, 0, 'listening alone does not begin it (the wait is an hour here)')
  const { port } = fastify.server.address() as { port: number }
  const answer = await fetch(`http://127.0.0.1:${port}/`)
  t.equal(await answer.text(), 'hello')
  t.equal(ranBeforeAnswer, false, 'not begun while the first request was handled')
  await until(() => ran > 0)
  t.equal(ran, 1, 'begun once the answer was sent')
  await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text())
  for (let i = 0; i < 20; i++) await turn()
  t.equal(ran, 1, 'once only')
})

t.test('begins after the wait when no request comes', async (t) => {
  const fastify = Fastify({ logger: false })
  t.teardown(() => fastify.close())
  let ran = 0
  whenServing(fastify, () => { ran++ }, 10)
  await fastify.listen({ host: '127.0.0.1', port: 0 })
  await until(() => ran > 0)
  t.equal(ran, 1)
})

t.test('a server closed before the wait ends, or right after its first answer, or never listening, never begins it', async (t) => {
  const closed = Fastify({ logger: false })
  let ran = 0
  whenServing(closed, () => { ran++ }, 10)
  await closed.listen({ host: '127.0.0.1', port: 0 })
  await closed.close()
  const answered = Fastify({ logger: false })
  whenServing(answered, () => { ran++ }, 3_600_000)
  answered.get('/', async () => 'hello')
  await answered.listen({ host: '127.0.0.1', port: 0 })
  const { port } = answered.server.address() as { port: number }
  // The answer and the close in the same turns: the work, put on a turn of its own after the answer, finds the server closing.
  await Promise.all([fetch(`http://127.0.0.1:${port}/`, { headers: { connection: 'close' } }).then((r) => r.text()), new Promise((resolve) => answered.server.once('request', (_q, response) => response.once('close', () => { void answered.close().then(resolve) })))])
  const injected = Fastify({ logger: false })
  t.teardown(() => injected.close())
  whenServing(injected, () => { ran++ }, 10)
  injected.get('/', async () => 'hello')
  t.equal((await injected.inject('/')).body, 'hello')
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal(ran, 0)
})
