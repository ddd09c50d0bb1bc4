// `npm run fuzz [-- --runs N] [-- --seed S]`: the fuzz suite of test/fuzz.test.ts
// at full size (10,000 cases by default) with a fresh seed, printed first so that
// a failure can be replayed with --seed.
import { argValue } from '../bench/generate-catalogue.js'
import { fuzzTarget, runFuzz } from '../test/helpers/fuzz.js'

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
