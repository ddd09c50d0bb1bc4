// The shared PostgreSQL server of one tap run (test/helpers/postgres.ts,
// sharedPostgres) is stopped and its cluster removed by this process, started
// detached beside it: on SIGTERM (test/helpers/after-run.mjs, at the end of
// the run) or as soon as the tap process of the run is gone (a run
// interrupted before its `after` script), so that no run leaves a server behind.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'

const { pgCtl, user, dataDir, root, runner } = JSON.parse(process.argv[2])

const alive = (pid) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return error.code === 'EPERM'
  }
}

function stop () {
  const args = ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '60']
  const [file, argv] = user === null ? [pgCtl, args] : ['runuser', ['-u', user, '--', pgCtl, ...args]]
  try { execFileSync(file, argv, { stdio: 'ignore', cwd: '/' }) } catch { /* not running */ }
  fs.rmSync(root, { recursive: true, force: true })
  process.exit(0)
}

process.on('SIGTERM', stop)
process.on('SIGINT', stop)
setInterval(() => { if (!alive(runner)) stop() }, 1000)
