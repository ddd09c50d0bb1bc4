// `npm run fuzz [-- --runs N] [-- --seed S]`: the fuzz suite of test/http/fuzz.test.ts
// and the schema property of test/schemas/property.test.ts at full size (10,000
// cases each by default) with a fresh seed, printed first so that a failure can
// be replayed with --seed.
import fs from 'node:fs'
import path from 'node:path'
import { argValue } from '../bench/generate-catalogue.js'
import { projectRoot } from '../src/config.js'
import { fuzzTarget, runFuzz } from '../test/helpers/fuzz.js'
import { propertyFixture, runSchemaProperty } from '../test/helpers/schema-property.js'

const argv = process.argv.slice(2)
const seed = Number(argValue(argv, 'seed') ?? process.env.FUZZ_SEED ?? (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0)
const numRuns = Number(argValue(argv, 'runs') ?? process.env.FUZZ_RUNS ?? 10_000)
console.log(`fuzzing: ${numRuns} cases, seed ${seed} (replay: npm run fuzz -- --seed ${seed} --runs ${numRuns})`)

const teardowns: Array<() => unknown> = []
const started = performance.now()
let code = 0
try {
  const target = await fuzzTarget({ teardown: (fn) => teardowns.push(fn) })
  console.log(`routes: ${target.routes.map((r) => `${r.method} ${r.url}`).join(', ')}`)
  let last = 0
  const { cases, statuses } = await runFuzz(target, {
    numRuns,
    seed,
    onProgress: (done) => {
      if (done - last >= 1000) { last = done; process.stderr.write(`  ${done} cases\n`) }
    }
  })
  console.log(`ok: ${cases} requests in ${((performance.now() - started) / 1000).toFixed(1)} s; statuses ${JSON.stringify(statuses)}`)

  // Requests generated from the published document: valid ones accepted, broken ones refused.
  const document = JSON.parse(fs.readFileSync(path.join(projectRoot, 'schemas', 'openapi.json'), 'utf8')) as Record<string, unknown>
  const schemaStarted = performance.now()
  last = 0
  const property = await runSchemaProperty(await propertyFixture({ teardown: (fn) => teardowns.push(fn) }), document, {
    numRuns,
    seed,
    onProgress: (done) => {
      if (done - last >= 1000) { last = done; process.stderr.write(`  ${done} schema cases\n`) }
    }
  })
  console.log(`ok: ${property.cases} requests from schemas/openapi.json in ${((performance.now() - schemaStarted) / 1000).toFixed(1)} s`)
} catch (error) {
  code = 1
  console.error(String((error as Error).message ?? error))
  const cause = (error as { cause?: Error }).cause
  if (cause !== undefined) console.error(`cause: ${cause.message}`)
  console.error(`\nFAILED with seed ${seed}; replay: npm run fuzz -- --seed ${seed} --runs ${numRuns}`)
} finally {
  for (const fn of teardowns.reverse()) await fn()
}
process.exit(code)
