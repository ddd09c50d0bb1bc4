// The request validator compiles schemas without checking them against JSON
// Schema's meta-schema first (src/validation/validator.ts: that check would
// compile the meta-schema on a start's first request). The check is here
// instead: every schema of every route the app registers is valid JSON Schema.
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import t from 'tap'
import { Ajv, type AnySchemaObject, type SchemaObject } from 'ajv'
import app, { serverOptions } from '../../src/app.js'
import { aodRecord, writeAod } from '../helpers/aod.js'
import { tempDir } from '../helpers/app.js'
import { compileValidator, type HttpPart } from '../../src/validation/index.js'

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

t.test('every route\'s request schemas: an empty object (an empty query string, `{}` as a body) gets what ajv gives it', async (t) => {
  const dir = tempDir(t)
  const fastify = Fastify({ ...serverOptions, logger: false, pluginTimeout: 120_000 })
  t.teardown(() => fastify.close())
  const parts: Array<{ name: string, part: HttpPart, schema: SchemaObject }> = []
  fastify.addHook('onRoute', (route) => {
    const schema = route.schema as Record<string, unknown> | undefined
    if (schema === undefined) return
    for (const part of ['params', 'querystring', 'body', 'headers'] as const) {
      if (schema[part] !== undefined) parts.push({ name: `${String(route.method)} ${route.url} ${part}`, part, schema: schema[part] as SchemaObject })
    }
  })
  await fastify.register(fp(app), { rateLimitMax: 0, dataDir: dir, defaultCatalogue: writeAod(dir, [aodRecord(1)]) })
  await fastify.ready()
  // ajv alone, as the validator sets it up (its own keywords do nothing to properties that are absent).
  const plain = new Ajv({ allErrors: true, verbose: true, useDefaults: true, coerceTypes: false, allowUnionTypes: true, strict: false, validateSchema: false })
  plain.addFormat('email', true).addFormat('binary', true)
  let shortcuts = 0
  for (const { name, part, schema } of parts) {
    const expected: Record<string, unknown> = {}
    const valid = plain.compile(schema)(expected)
    const got: Record<string, unknown> = {}
    t.equal(compileValidator(schema, part)(got), valid, `${name}: valid or not alike`)
    t.same(got, expected, `${name}: the same defaults`)
    t.same(Object.keys(got), Object.keys(expected), `${name}: in the same order`)
    if (valid) shortcuts++
  }
  t.ok(shortcuts > 20, `most take an empty object (${shortcuts})`)
  // Defaults that are objects or arrays are copies of their own each time.
  const listDefault = { type: 'object', properties: { tags: { type: 'array', items: { type: 'string' }, default: ['a'] } } }
  const first: Record<string, string[]> = {}
  const second: Record<string, string[]> = {}
  const validate = compileValidator(listDefault, 'body')
  t.ok(validate(first) && validate(second))
  first.tags!.push('b')
  t.same(second, { tags: ['a'] })
  // A schema requiring a property is not one that every empty object passes.
  const required = compileValidator({ type: 'object', properties: { q: { type: 'string' } }, required: ['q'] }, 'querystring')
  t.equal(required({}), false)
  t.equal(required.errors?.[0]?.keyword, 'required')
})
