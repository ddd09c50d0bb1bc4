// The accounts, tokens and watchlists suites once more, on PostgreSQL: the same
// test files, unchanged, run by a nested tap with TEST_DATABASE_URL pointing at
// a throwaway server; test/helpers/app.ts then gives each app a fresh database
// on it. (Run alone on SQLite, the same files test the default backend.)
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { startPostgres } from './helpers/postgres.js'

const root = path.resolve(import.meta.dirname, '..')
/** The suites of what users write: accounts, tokens (auth), self-service, watchlists, MAL import/export, recommendations. */
export const storageSuites = fs.readdirSync(path.join(root, 'test'))
  .filter((file) => /^(account|auth|watchlist|self-service|mal|recommendations)[\w-]*\.test\.ts$/.test(file))
  .sort()
  .map((file) => `test/${file}`)

// The suites take a minute or two on a small machine.
t.setTimeout(15 * 60 * 1000)

t.test('the account, token and watchlist suites pass on PostgreSQL', async (t) => {
  t.ok(storageSuites.length > 0, `suites: ${storageSuites.join(', ')}`)
  const server = await startPostgres(t)
  const tapBin = fs.realpathSync(path.join(root, 'node_modules', '.bin', 'tap'))
  // A run of its own, not a child of this one: without tap's and coverage's variables.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(TAP|_TAPJS|NODE_V8_COVERAGE)/.test(name)))
  const output = await new Promise<{ code: number | null, text: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [tapBin, '--disable-coverage', '-R', 'tap', ...storageSuites], {
      cwd: root,
      env: { ...env, TEST_DATABASE_URL: server.adminUrl },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let text = ''
    child.stdout.on('data', (chunk) => { text += String(chunk) })
    child.stderr.on('data', (chunk) => { text += String(chunk) })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, text }))
  })
  // One result per file: `ok N - test/x.test.ts` at the top level of the nested run.
  for (const file of storageSuites) {
    const line = output.text.split('\n').find((l) => new RegExp(`^(not )?ok \\d+ - ${file.replace(/[.]/g, '\\.')}\\b`).test(l))
    t.ok(line?.startsWith('ok'), `${file} on PostgreSQL`, line === undefined || !line.startsWith('ok')
      ? { diagnostic: true, failures: failureLines(output.text, file) }
      : {})
  }
  t.equal(output.code, 0, 'the nested run passed', output.code === 0 ? {} : { diagnostic: true, tail: output.text.slice(-4000) })
})

/** The `not ok` lines of a file's part of the nested output, with some context. */
function failureLines (text: string, file: string): string {
  const start = text.indexOf(`# Subtest: ${file}`)
  const part = start < 0 ? text : text.slice(start, start + 200_000)
  const lines = part.split('\n')
  const out: string[] = []
  lines.forEach((line, i) => { if (/^\s*not ok/.test(line)) out.push(...lines.slice(i, i + 12)) })
  return out.join('\n').slice(0, 8000) || part.slice(0, 4000)
}
