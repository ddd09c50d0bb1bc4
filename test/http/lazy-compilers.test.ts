// Response serializers compile on first use (src/http/lazy-compilers.ts): the
// same answers as Fastify's eager default, and every schema of the app still
// compiles.
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import t from 'tap'
import app, { serverOptions } from '../../src/app.js'
import { lazySchemaController } from '../../src/http/lazy-compilers.js'
import { compileEveryValidator, compileValidator } from '../../src/validation/index.js'
import { tempDir } from '../helpers/app.js'

t.test('every schema of the app compiles with Fastify\'s eager compilers', async (t) => {
  const { schemaController: _lazy, ...eager } = serverOptions
  const fastify = Fastify({ ...eager, logger: false, pluginTimeout: 120_000 })
  t.teardown(() => fastify.close())
  await fastify.register(fp(app), { rateLimitMax: 0, dataDir: tempDir(t) })
  // ready() compiles every route's serializers: a schema that cannot compile throws here.
  await t.resolves(async () => { await fastify.ready() })
  // The request validators compile on first use too: compile every one the app made.
  t.doesNotThrow(() => compileEveryValidator(), 'every request schema compiles')
  t.equal((await fastify.inject('/anime/entry/1')).statusCode, 200)
})

t.test('a request validator compiles on its first use, and a broken schema fails there', async (t) => {
  const broken = compileValidator({ type: 'object', properties: { n: { type: 'no such type' } } }, 'querystring')
  t.throws(() => broken({ n: 1 }), 'the broken schema throws when first used, not when made')
  const fine = compileValidator({ type: 'object', properties: { n: { type: 'integer', minimum: 1 } } }, 'querystring')
  t.equal(fine({ n: '3' }), true, 'a value read from the query string passes')
  t.equal(fine({ n: '0' }), false, 'and one out of range fails')
  t.match(fine.errors, [{ keyword: 'minimum' }], 'with ajv\'s errors')
  t.throws(() => compileEveryValidator(), 'forcing the rest meets the broken one')
})

const schema = {
  querystring: { type: 'object', properties: { n: { type: 'integer', minimum: 1 } }, required: ['n'] },
  response: { 200: { type: 'object', properties: { n: { type: 'integer' }, label: { type: 'string' } } } }
}

async function small (t: { teardown: (fn: () => unknown) => void }, lazy: boolean) {
  const fastify = Fastify({ logger: false, ...(lazy ? { schemaController: lazySchemaController() } : {}) })
  t.teardown(() => fastify.close())
  fastify.get('/n', { schema }, async (request) => ({ n: (request.query as { n: number }).n, label: 'x', secret: 'not in the schema' }))
  return fastify
}

t.test('lazily compiled serializers answer as the eager ones', async (t) => {
  const lazy = await small(t, true)
  const eager = await small(t, false)
  for (const url of ['/n?n=3', '/n?n=0', '/n', '/n?n=abc', '/n?n=2&n=4']) {
    const [a, b] = await Promise.all([lazy.inject(url), eager.inject(url)])
    t.equal(a.statusCode, b.statusCode, `${url}: status`)
    t.equal(a.body, b.body, `${url}: body`)
  }
  t.same((await lazy.inject('/n?n=3')).json(), { n: 3, label: 'x' }, 'the response schema drops what it does not list')
})

t.test('a schema is compiled when its route is first used, not at start', async (t) => {
  const broken = { response: { 200: { type: 'object', properties: { n: { type: 'no such type' } } } } }
  const eager = Fastify({ logger: false })
  t.teardown(() => eager.close())
  eager.get('/broken', { schema: broken }, async () => ({}))
  await t.rejects(async () => { await eager.ready() }, 'the eager default fails at start')

  const lazy = Fastify({ logger: false, schemaController: lazySchemaController() })
  t.teardown(() => lazy.close())
  lazy.get('/broken', { schema: broken }, async () => ({}))
  lazy.get('/fine', async () => ({ ok: true }))
  await lazy.ready()
  t.equal((await lazy.inject('/fine')).statusCode, 200, 'other routes answer')
  t.equal((await lazy.inject('/broken?n=1')).statusCode, 500, 'the broken route fails its requests')
})
