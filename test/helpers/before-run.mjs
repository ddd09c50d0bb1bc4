// tap's `before` script (package.json): forgets the suites an earlier run skipped
// (test/helpers/postgres.ts records them; after-run.mjs reports them), makes a
// place for the run's shared PostgreSQL server, and, for
// a run without coverage (npm test), builds the bundle that the tests' service
// processes run (test/helpers/server.ts: a start from the bundle costs a
// fraction of one from the sources, through the TypeScript loader). It is
// scripts/build.ts's bundle of the current sources, in .tap/dist/, and built
// again only when its inputs changed. A run with coverage (npm run coverage)
// runs those processes from the sources, so that the report counts them.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

fs.rmSync(path.resolve('.tap', 'skipped-suites'), { recursive: true, force: true })

// The run's shared PostgreSQL server (test/helpers/postgres.ts, sharedPostgres): its
// first test file starts it in the directory named after this run's tap process
// (this script's parent and its files'). Those of runs that are over go (their
// servers were stopped by their watchdogs, which notice a run's end).
const sharedPostgres = path.resolve('.tap', 'postgres')
const running = (pid) => { try { process.kill(Number(pid), 0); return true } catch { return false } }
for (const run of fs.existsSync(sharedPostgres) ? fs.readdirSync(sharedPostgres) : []) {
  if (!running(run)) fs.rmSync(path.join(sharedPostgres, run), { recursive: true, force: true })
}
fs.mkdirSync(path.join(sharedPostgres, String(process.ppid)), { recursive: true })

if (process.env.TAP_DISABLE_COVERAGE === '1') {
  const outdir = path.resolve('.tap', 'dist')
  const stamp = path.join(outdir, 'inputs.sha256')
  // What the bundle is made of: the sources, the packages they bundle, the build itself.
  const inputs = ['src', 'schemas', 'package.json', 'package-lock.json', 'scripts/build.ts']
    .flatMap((input) => fs.statSync(input).isDirectory()
      ? fs.readdirSync(input, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name))
      : [input])
    .sort()
  const hash = createHash('sha256')
  for (const file of inputs) hash.update(`${file}\0`).update(fs.readFileSync(file)).update('\0')
  const digest = hash.digest('hex')
  const current = fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === digest
  if (!current) {
    fs.rmSync(outdir, { recursive: true, force: true })
    const built = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e',
      `const { bundle } = await import(${JSON.stringify(path.resolve('scripts/build.ts'))}); await bundle('node', ${JSON.stringify(outdir)})`],
    { stdio: 'inherit', env: { ...process.env, NODE_OPTIONS: '' } })
    if (built.status !== 0) {
      console.error('test/helpers/before-run.mjs: building the bundle for the tests failed')
      process.exit(1)
    }
    fs.writeFileSync(stamp, digest)
  }
}
