// The account, token and watchlist suites run on PostgreSQL too: each file of
// test/accounts and test/watchlists (and the end-to-end durability test) has a
// twin under test/storage/postgres/ that runs it there (runSuiteOnPostgres in
// test/helpers/postgres.ts). This keeps the twins complete as suites are added.
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'

const root = path.resolve(import.meta.dirname, '..', '..')
/**
 * Files of those directories that test nothing a store does: the hash queue's
 * bounds, settings parsing, and the cost of password hashing at the real
 * parameters (the store keeps the hash as a string, which the register and
 * login suites read back on either backend).
 */
const storeFree = new Set(['test/accounts/hash-queue.test.ts', 'test/accounts/config.test.ts', 'test/accounts/passwords.test.ts'])

const suites = ['test/accounts', 'test/watchlists']
  .flatMap((dir) => fs.readdirSync(path.join(root, dir)).filter((file) => file.endsWith('.test.ts')).map((file) => `${dir}/${file}`))
  .filter((file) => !storeFree.has(file))
  .concat('test/e2e/account-durability.test.ts')
  .sort()

const twinsDir = path.join(root, 'test', 'storage', 'postgres')
const twins = new Map(fs.readdirSync(twinsDir).filter((file) => file.endsWith('.test.ts')).map((file) => {
  const named = /runSuiteOnPostgres\('([^']+)'[,)]/.exec(fs.readFileSync(path.join(twinsDir, file), 'utf8'))?.[1]
  return [file, named] as const
}))

t.test('every suite of what users write has a PostgreSQL twin', async (t) => {
  t.ok(suites.length >= 10, `suites: ${suites.join(', ')}`)
  const runOnPostgres = new Set(twins.values())
  for (const suite of suites) t.ok(runOnPostgres.has(suite), `${suite} runs on PostgreSQL (a file under test/storage/postgres/ names it)`)
})

t.test('every twin runs an existing suite, under the name of its area and file', async (t) => {
  for (const [file, suite] of twins) {
    t.ok(suite !== undefined && fs.existsSync(path.join(root, suite)), `${file} names an existing suite (${suite})`)
    if (suite === undefined) continue
    t.equal(file, `${path.basename(path.dirname(suite))}-${path.basename(suite)}`, `${file} is named after ${suite}`)
  }
})
