// The accounts, tokens and watchlists suites once more, on PostgreSQL: the same
// test files, unchanged, each run as a plain node process (no nested tap run,
// which would share this run's .tap/ state) with TEST_DATABASE_URL pointing at a
// throwaway server; test/helpers/app.ts then gives each app a fresh database on
// it. (In the ordinary run, the same files test the default backend, SQLite.)
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { postgresSkip, startPostgres } from '../helpers/postgres.js'

const root = path.resolve(import.meta.dirname, '..', '..')
/** The suites of what users write: accounts, tokens (auth), self-service, watchlists, MAL import/export, recommendations. */
export const storageSuites = ['test/accounts', 'test/watchlists']
  .flatMap((dir) => fs.readdirSync(path.join(root, dir)).filter((file) => file.endsWith('.test.ts')).map((file) => `${dir}/${file}`))
  .filter((file) => file !== 'test/accounts/hash-queue.test.ts') // the queue's bounds, not what is stored
  .concat('test/e2e/account-durability.test.ts')
  .sort()

/** Suites that compare timings (the cost of a password hash): run alone. */
const timed = new Set(['test/accounts/passwords.test.ts'])

// The suites take a minute or two on a small machine.
t.setTimeout(15 * 60 * 1000)

interface Outcome { file: string, code: number | null, output: string, ms: number }

function runFile (file: string, databaseUrl: string): Promise<Outcome> {
  const started = Date.now()
  // Not tap's or coverage's variables of this run: the file runs on its own.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(TAP|_TAPJS|NODE_V8_COVERAGE)/.test(name)))
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      env: { ...env, TEST_DATABASE_URL: databaseUrl, TAP_TIMEOUT: '300' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let output = ''
    child.stdout.on('data', (chunk) => { output += String(chunk) })
    child.stderr.on('data', (chunk) => { output += String(chunk) })
    child.on('error', reject)
    child.on('close', (code) => resolve({ file, code, output, ms: Date.now() - started }))
  })
}

/** The `not ok` lines of a file's output, with some context. */
function failures (output: string): string {
  const lines = output.split('\n')
  const out: string[] = []
  lines.forEach((line, i) => { if (/^\s*not ok/.test(line)) out.push(...lines.slice(i, i + 14)) })
  return (out.join('\n') || output.slice(-4000)).slice(0, 8000)
}

t.test('the account, token and watchlist suites pass on PostgreSQL', { skip: postgresSkip('test/storage/postgres-suites.test.ts') }, async (t) => {
  t.ok(storageSuites.length > 0, `suites: ${storageSuites.join(', ')}`)
  const server = await startPostgres(t)
  const queue = storageSuites.filter((file) => !timed.has(file))
  const outcomes: Outcome[] = []
  const worker = async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) outcomes.push(await runFile(file, server.adminUrl))
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(4, os.availableParallelism())) }, worker))
  // Files that measure time run afterwards, one at a time, so that this runner does not crowd them.
  for (const file of storageSuites.filter((f) => timed.has(f))) outcomes.push(await runFile(file, server.adminUrl))
  for (const { file, code, output, ms } of outcomes.sort((a, b) => a.file.localeCompare(b.file))) {
    t.equal(code, 0, `${file} on PostgreSQL (${(ms / 1000).toFixed(1)} s)`, code === 0 ? {} : { diagnostic: true, failures: failures(output) })
    t.notMatch(output, /^\s*not ok /m, `${file}: no failing assertion`)
  }
})
