// The published schema is the truth (see test/helpers/schema-property.ts): for
// every operation of schemas/openapi.json, requests valid by it are never
// refused as invalid, and requests broken in one place always are, in the
// contract's shape. CI-sized here; `npm run fuzz` runs it large with a fresh seed.
import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { projectRoot } from '../../src/config.js'
import { operationsOf, propertyFixture, runSchemaProperty } from '../helpers/schema-property.js'

const SEED = 20261206
const RUNS = Number(process.env.SCHEMA_PROPERTY_RUNS ?? 1200)
const document = JSON.parse(fs.readFileSync(path.join(projectRoot, 'schemas', 'openapi.json'), 'utf8')) as Record<string, unknown>

t.test(`${RUNS} requests generated from schemas/openapi.json: valid ones accepted, ones broken in one place refused in the contract's shape`, async (t) => {
  const fixture = await propertyFixture(t)
  const { cases, statuses, unbreakable } = await runSchemaProperty(fixture, document, { numRuns: RUNS, seed: SEED })
  t.ok(cases >= RUNS * 0.9, `${cases} requests`)
  const operations = operationsOf(document)
  for (const operation of operations) {
    t.ok(Object.keys(statuses).some((key) => key.startsWith(`${operation.id} valid `)), `${operation.id}: valid requests sent`)
  }
  // Every operation with a parameter or a body was broken in one place (the others have nothing to break).
  const broken = new Set(Object.keys(statuses).filter((key) => key.includes(' broken ')).map((key) => key.split(' ')[0]))
  t.same(operations.map((op) => op.id).filter((id) => !broken.has(id)), unbreakable, `${broken.size} operations broken in one place; nothing to break in ${unbreakable.join(', ')}`)
  t.ok(unbreakable.length <= 6, 'few operations have nothing to break')
  t.comment(JSON.stringify(statuses))
})
