// tap's `after` script (package.json): stops the run's shared PostgreSQL server, and
// lists the suites this run skipped because
// something they need is missing (the PostgreSQL server binaries), with how to
// run them. Under CI (CI=true) a skipped suite fails the run: CI installs
// everything every suite needs, so a skip there means a suite did not run.
import fs from 'node:fs'
import path from 'node:path'

// The run's shared PostgreSQL server (test/helpers/postgres.ts): its watchdog stops it and removes its cluster.
const sharedPostgres = path.resolve('.tap', 'postgres', String(process.ppid))
const watchdogFile = path.join(sharedPostgres, 'watchdog')
if (fs.existsSync(watchdogFile)) {
  const pid = Number(fs.readFileSync(watchdogFile, 'utf8'))
  const alive = () => { try { process.kill(pid, 0); return true } catch { return false } }
  try { process.kill(pid, 'SIGTERM') } catch { /* gone already */ }
  for (const deadline = Date.now() + 60_000; alive() && Date.now() < deadline;) await new Promise((resolve) => setTimeout(resolve, 50))
}
fs.rmSync(sharedPostgres, { recursive: true, force: true })

const dir = path.resolve('.tap', 'skipped-suites')
const skipped = fs.existsSync(dir) ? fs.readdirSync(dir).sort().map((file) => fs.readFileSync(path.join(dir, file), 'utf8').trim()) : []
if (skipped.length > 0) {
  const ci = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false'
  console.log(`\n${skipped.length} test suite(s) skipped:`)
  for (const line of skipped) console.log(`  - ${line}`)
  console.log('Install the PostgreSQL server (Debian: apt-get install -y postgresql, or set PG_BIN to its bin directory) and run npm test again to run them.')
  if (ci) {
    console.log('CI is set: every suite must run, so this run fails.')
    process.exitCode = 1
  }
}
