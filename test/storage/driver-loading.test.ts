// The PostgreSQL driver (`pg`) is loaded only by a service configured for
// PostgreSQL (DATABASE_URL): a SQLite install never loads it (it weighs on the
// start, src/storage/index.ts). What a process loaded is read from inside it
// (test/fixtures/loaded-modules-probe.mjs), after it answered.
import path from 'node:path'
import t, { type Test } from 'tap'
import { projectRoot } from '../../src/config.js'
import { aodRecord, writeAod } from '../helpers/aod.js'
import { tempDir } from '../helpers/app.js'
import { answers, freePort, fromSources, serviceEnv, startProcess } from '../helpers/server.js'

const probe = path.join(projectRoot, 'test/fixtures/loaded-modules-probe.mjs')

/** The packages a service started with `env` has loaded once it answers its catalogue. */
async function packagesLoaded (t: Test, env: Record<string, string>): Promise<string[]> {
  const dataDir = tempDir(t, 'anime-api-driver-')
  const port = await freePort()
  const catalogue = writeAod(dataDir, [aodRecord(1), aodRecord(2)])
  const started = await startProcess(t, {
    args: [...fromSources, '--import', probe, 'src/cli.ts', 'serve'],
    command: process.execPath,
    env: { ...serviceEnv(port, dataDir, catalogue), LOG_LEVEL: 'error', SHUTDOWN_DRAIN: '0', ...env },
    ready: answers(port, '/anime/entry/1')
  })
  started.child.kill('SIGUSR2')
  const deadline = Date.now() + 20_000
  let line: RegExpExecArray | null = null
  while ((line = /loaded-packages: (.*)\n/.exec(started.output())) === null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
  started.child.kill('SIGTERM')
  await started.exited
  t.ok(line !== null, 'the probe answered')
  return JSON.parse(line?.[1] ?? '[]') as string[]
}

t.test('a service on SQLite never loads the PostgreSQL driver', async (t) => {
  const loaded = await packagesLoaded(t, {})
  t.ok(loaded.includes('fastify'), 'the probe sees the packages the service loaded')
  t.notOk(loaded.includes('pg'), 'pg is not loaded')
})

t.test('a service configured for PostgreSQL loads the driver and starts, even with the server down', async (t) => {
  // A port nothing listens on: the store is unavailable, the catalogue is served (account routes answer 503).
  const down = await freePort()
  const loaded = await packagesLoaded(t, { DATABASE_URL: `postgres://anime:secret@127.0.0.1:${down}/anime`, DATABASE_TIMEOUT: '2s' })
  t.ok(loaded.includes('pg'), 'pg is loaded')
})
