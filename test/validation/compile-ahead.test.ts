// Compilations put off until the service listens (src/validation/compile-ahead.ts):
// a route whose schemas are marked with compileSoon has its validator and
// serializer compiled once the server listens, before any request, with the
// same answers as when they compile on first use.
import Fastify from 'fastify'
import t from 'tap'
import { lazySchemaController } from '../../src/http/lazy-compilers.js'
import { validatorCompiler } from '../../src/http/validation.js'
import { compilePending, compileSoon, pendingCompilations } from '../../src/validation/index.js'
import { createForeground } from '../../src/catalogue/engine/turns.js'
import { putOff } from '../../src/validation/compile-ahead.js'

const schemas = () => ({
  querystring: { type: 'object', properties: { n: { type: 'integer', minimum: 1 } }, required: ['n'] },
  response: { 200: { type: 'object', properties: { n: { type: 'integer' }, label: { type: 'string' } } } }
})

/** A server with one route on `schema`, our lazy compilers; `soon`: its schemas marked with compileSoon. */
async function serverWith (t: { teardown: (fn: () => unknown) => void }, soon: boolean) {
  const schema = schemas()
  if (soon) compileSoon(schema.querystring, schema.response[200])
  const fastify = Fastify({ logger: false, schemaController: lazySchemaController() })
  fastify.setValidatorCompiler(validatorCompiler)
  fastify.get('/n', { schema }, async (request) => ({ n: (request.query as { n: number }).n, label: 'x', extra: 'dropped' }))
  t.teardown(() => fastify.close())
  await fastify.ready()
  return fastify
}

t.test('a marked route\'s validator and serializer compile once the server listens, before any request', async (t) => {
  const before = pendingCompilations()
  await serverWith(t, false)
  t.equal(pendingCompilations(), before, 'an unmarked route puts nothing off')
  const fastify = await serverWith(t, true)
  // One validator (cached per schema); a serializer for GET and one for the HEAD route Fastify adds beside it.
  t.equal(pendingCompilations(), before + 3, 'the marked route puts off its validator and its serializers')
  const done = compilePending()
  await fastify.listen({ host: '127.0.0.1', port: 0 })
  await done
  t.equal(pendingCompilations(), 0, 'compiled without a request')
})

t.test('answers are the same whether compiled ahead or on first use', async (t) => {
  const ahead = await serverWith(t, true)
  await compilePending()
  const lazy = await serverWith(t, false)
  for (const url of ['/n?n=3', '/n?n=0', '/n', '/n?n=x']) {
    const [a, b] = [await ahead.inject(url), await lazy.inject(url)]
    t.same([a.statusCode, a.body], [b.statusCode, b.body], url)
  }
  t.equal((await ahead.inject('/n?n=3')).body, '{"n":3,"label":"x"}', 'the serializer shapes the answer')
})

t.test('a compilation that throws is left to its route; the others still run', async (t) => {
  const broken = { type: 'object' }
  const fine = { type: 'object' }
  compileSoon(broken, fine)
  let ran = false
  putOff(broken, () => { throw new Error('cannot compile') })
  putOff(fine, () => { ran = true })
  await t.resolves(compilePending())
  t.equal(ran, true, 'the one after the broken one ran')
  t.equal(pendingCompilations(), 0)
})

t.test('run as background work, compilations wait while a client waits for an answer', async (t) => {
  const schema = { type: 'object' }
  compileSoon(schema)
  let compiled = false
  putOff(schema, () => { compiled = true })
  const foreground = createForeground({ maxDeferMs: 60_000 })
  let endWork!: () => void
  const work = foreground.during(() => new Promise<void>((resolve) => { endWork = resolve }))
  const done = compilePending(foreground.background)
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
  t.equal(compiled, false, 'not while the client waits')
  endWork()
  await work
  await done
  t.equal(compiled, true, 'once it is answered')
  t.equal(pendingCompilations(), 0)
})
