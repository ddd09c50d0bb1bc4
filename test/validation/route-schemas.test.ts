// The request validator compiles schemas without checking them against JSON
// Schema's meta-schema first (src/validation/validator.ts: that check would
// compile the meta-schema on a start's first request). The check is here
// instead: every schema of every route the app registers is valid JSON Schema.
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import t from 'tap'
import { Ajv, type AnySchemaObject } from 'ajv'
import app, { serverOptions } from '../../src/app.js'
import { aodRecord, writeAod } from '../helpers/aod.js'
import { tempDir } from '../helpers/app.js'

const meta = new Ajv({ strict: false, allowUnionTypes: true })

/** What is wrong with `schema` as JSON Schema, or '' when nothing is. */
const problems = (schema: unknown): string => meta.validateSchema(schema as AnySchemaObject) === true ? '' : meta.errorsText(meta.errors)

t.test('the meta-schema check finds a broken schema', async (t) => {
  t.not(problems({ type: 'object', properties: { n: { type: 'integer', minimum: '3' } } }), '')
  t.not(problems({ type: 'strnig' }), '')
  t.equal(problems({ type: 'object', properties: { n: { type: 'integer', minimum: 3, 'x-flag': true } } }), '')
})

t.test('every route\'s schemas are valid JSON Schema', async (t) => {
  const dir = tempDir(t)
  const fastify = Fastify({ ...serverOptions, logger: false, pluginTimeout: 120_000 })
  t.teardown(() => fastify.close())
  const parts: Array<{ name: string, schema: unknown }> = []
  fastify.addHook('onRoute', (route) => {
    const schema = route.schema as Record<string, unknown> | undefined
    if (schema === undefined) return
    const name = `${String(route.method)} ${route.url}`
    for (const part of ['params', 'querystring', 'body', 'headers'] as const) {
      if (schema[part] !== undefined) parts.push({ name: `${name} ${part}`, schema: schema[part] })
    }
    for (const [status, response] of Object.entries((schema.response ?? {}) as Record<string, unknown>)) {
      parts.push({ name: `${name} response ${status}`, schema: response })
    }
  })
  await fastify.register(fp(app), { rateLimitMax: 0, dataDir: dir, defaultCatalogue: writeAod(dir, [aodRecord(1)]) })
  await fastify.ready()
  t.ok(parts.length > 50, `the app's routes have schemas (${parts.length} parts)`)
  const bad = parts.map(({ name, schema }) => ({ name, problem: problems(schema) })).filter(({ problem }) => problem !== '')
  t.same(bad, [], 'none is refused by the meta-schema')
})
