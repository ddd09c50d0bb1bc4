import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import net from 'node:net'
import { once } from 'node:events'
import Database from 'better-sqlite3'
import { runCli } from '../src/cli.js'
import { aodRecord, writeAod } from './helpers/aod.js'
import { tempDir } from './helpers/app.js'
import { capture } from './helpers/cli.js'

t.test('catalogue import and info', async (t) => {
  const dir = tempDir(t)
  const file = writeAod(dir, [aodRecord(1), aodRecord(2), { title: 'no sources' }])
  const run = capture({ DATA_DIR: dir })
  t.equal(await runCli(['catalogue', 'import', file], run.io), 0)
  t.match(run.out.join('\n'), /imported JSON: 2 added, 0 updated, 0 kept, 1 skipped, 0 removed; 2 entries served/)
  t.match(run.out.join('\n'), /skipped record #3: no "sources"/)
  t.ok(run.progress.some((l) => /100%/.test(l)), 'progress reaches 100%')

  const info = capture({ DATA_DIR: dir })
  t.equal(await runCli(['catalogue', 'info'], info.io), 0)
  t.match(info.out.join('\n'), /entries:\s+2/)
  t.match(info.out.join('\n'), /file date:\s+2026-11-20/)
})

t.test('user mistakes are one line and a non-zero exit, never a stack trace', async (t) => {
  const dir = tempDir(t)
  const notAod = path.join(dir, 'x.json')
  fs.writeFileSync(notAod, '{"hello": 1}')
  const cases: Array<[string[], Record<string, string>, RegExp, number]> = [
    [['catalogue', 'import', path.join(dir, 'missing.json')], { DATA_DIR: dir }, /ENOENT/, 1],
    [['catalogue', 'import', notAod], { DATA_DIR: dir }, /not an anime-offline-database file/, 1],
    [['catalogue', 'import'], { DATA_DIR: dir }, /usage: anime-api catalogue import <file>/, 2],
    [['catalogue', 'frobnicate'], { DATA_DIR: dir }, /unknown catalogue command "frobnicate"/, 2],
    [['frobnicate'], {}, /unknown command "frobnicate"/, 2],
    [['catalogue', 'info'], { DATA_DIR: dir, PORT: 'x' }, /PORT: expected a whole number/, 1]
  ]
  for (const [argv, env, message, code] of cases) {
    const run = capture(env)
    t.equal(await runCli(argv, run.io), code, argv.join(' '))
    t.equal(run.err.length, 1, 'one line')
    t.match(run.err[0], message)
    t.notMatch(run.err[0], /\n\s+at /, 'no stack')
  }
})

t.test('--help on each command', async (t) => {
  for (const argv of [['--help'], ['catalogue', '--help'], ['catalogue', 'update', '--help'], ['serve', '--help'], ['users', '--help'], ['backup', '--help']]) {
    const run = capture({})
    t.equal(await runCli(argv, run.io), 0, argv.join(' '))
    t.match(run.out.join('\n'), /Usage: anime-api/)
  }
})

t.test('serve on a port already in use: one line, exit 1', async (t) => {
  const dir = tempDir(t)
  const busy = net.createServer().listen(0, '127.0.0.1')
  await once(busy, 'listening')
  t.teardown(() => busy.close())
  const port = (busy.address() as net.AddressInfo).port
  const run = capture({ DATA_DIR: dir, PORT: String(port), LOG_LEVEL: 'silent', DEFAULT_CATALOGUE: writeAod(dir, [aodRecord(1)]) })
  t.equal(await runCli(['serve'], run.io), 1)
  t.equal(run.err.length, 1)
  t.match(run.err[0], new RegExp(`anime-api: listen EADDRINUSE: address already in use 127\\.0\\.0\\.1:${port}`))
  const extra = capture({ DATA_DIR: dir })
  t.equal(await runCli(['serve', '--port', '80'], extra.io), 2)
  t.match(extra.err[0], /serve takes no arguments/)
})

t.test('backup copies the accounts database, refusing to overwrite without --force', async (t) => {
  const dir = tempDir(t)
  const env = { DATA_DIR: dir, PASSWORD_SCRYPT_N: '1024' }
  const none = capture(env)
  t.equal(await runCli(['backup', path.join(dir, 'b.sqlite')], none.io), 2)
  t.match(none.err[0], /there is no accounts\.sqlite in/)
  t.equal(await runCli(['users', 'create', 'bob', 'bob@example.com', '--password', 'secret-pw'], capture(env).io), 0)
  const target = path.join(dir, 'backup.sqlite')
  const run = capture(env)
  t.equal(await runCli(['backup', target], run.io), 0, run.err.join('\n'))
  t.match(run.out[0], /backed up 1 users to .*backup\.sqlite/)
  const copy = new Database(target, { readonly: true })
  t.equal(copy.prepare('SELECT username FROM users').pluck().get(), 'bob')
  copy.close()
  const again = capture(env)
  t.equal(await runCli(['backup', target], again.io), 2)
  t.match(again.err[0], /exists; pass --force to overwrite it/)
  t.equal(await runCli(['backup', '--force', target], capture(env).io), 0)
  const nodir = capture(env)
  t.equal(await runCli(['backup', path.join(dir, 'missing', 'b.sqlite')], nodir.io), 2)
  t.match(nodir.err[0], /does not exist/)
  t.same(fs.readdirSync(dir).filter((f) => f.includes('.partial-')), [], 'no partial file left behind')
})

t.test('the real binary entry point runs as a process', async (t) => {
  const dir = tempDir(t)
  const file = writeAod(dir, [aodRecord(1)])
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'catalogue', 'import', file], {
    env: { ...process.env, DATA_DIR: dir }, encoding: 'utf8'
  })
  t.equal(result.status, 0, result.stderr)
  t.match(result.stdout, /1 added/)
  const bad = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'catalogue', 'import', '/nonexistent.json'], { encoding: 'utf8' })
  t.equal(bad.status, 1)
  t.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr)
})
