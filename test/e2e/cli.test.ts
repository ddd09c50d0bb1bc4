import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { spawn, spawnSync } from 'node:child_process'
import net from 'node:net'
import { once } from 'node:events'
import Database from 'better-sqlite3'
import { runCli } from '../../src/cli.js'
import { aodRecord, writeAod } from '../helpers/aod.js'
import { tempDir } from '../helpers/app.js'
import { capture } from '../helpers/cli.js'
import { childEnv, program } from '../helpers/server.js'

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
    [['catalogue', 'import', path.join(dir, 'missing.json')], { DATA_DIR: dir }, /missing\.json: no such file; give the path of an anime-offline-database file/, 1],
    [['catalogue', 'import', dir], { DATA_DIR: dir }, /is a directory; give the path of an anime-offline-database file/, 1],
    [['catalogue', 'import', notAod], { DATA_DIR: dir }, /not an anime-offline-database file/, 1],
    [['catalogue', 'import'], { DATA_DIR: dir }, /usage: anime-api catalogue import <file>/, 2],
    [['catalogue', 'import', 'a.json', 'b.json'], { DATA_DIR: dir }, /expected <file>, got "a\.json" "b\.json"/, 2],
    [['catalogue', 'info', '--url', 'http://x.example/'], { DATA_DIR: dir }, /--url is an option of catalogue update/, 2],
    [['catalogue', 'update', '--url'], { DATA_DIR: dir }, /Option '--url <value>' argument missing; usage: anime-api catalogue update/, 2],
    [['catalogue', 'update', '--url', 'ftp://x.example/y'], { DATA_DIR: dir }, /--url: expected an http or https URL/, 2],
    [['catalogue', 'info'], { DATA_DIR: notAod }, /DATA_DIR .*x\.json is a file, not a directory; set DATA_DIR to a directory/, 1],
    [['catalogue', 'info'], { DATA_DIR: path.join(notAod, 'below') }, /DATA_DIR .*below is a file, not a directory/, 1],
    [['users', 'delete', 'nobody'], { DATA_DIR: dir }, /no user "nobody"; anime-api users list shows the accounts/, 1],
    [['users', 'list', '--password', 'x'], { DATA_DIR: dir }, /--password is an option of users create/, 2],
    [['backup'], { DATA_DIR: dir }, /expected <file>, got none; usage: anime-api backup/, 2],
    [['db', 'copy', '--from', 'sqlite:./a', '--to', 'mysql://x'], { DATA_DIR: dir }, /--to: "mysql:\/\/x" is neither sqlite:<DATA_DIR> nor a postgres:\/\/ URL/, 2],
    [['db', 'migrate', '--force'], { DATA_DIR: dir }, /db migrate takes no options/, 2],
    [['help', 'frobnicate'], {}, /no help on "frobnicate"/, 2],
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

t.test('--help on each command, help <command>, --version', async (t) => {
  for (const argv of [['--help'], ['help'], ['catalogue', '--help'], ['catalogue', 'update', '--help'], ['serve', '--help'], ['users', '--help'], ['users', 'create', '-h'],
    ['db', '--help'], ['backup', '--help'], ['help', 'catalogue'], ['help', 'serve'], ['help', 'db']]) {
    const run = capture({})
    t.equal(await runCli(argv, run.io), 0, argv.join(' '))
    t.match(run.out.join('\n'), /Usage: anime-api/)
  }
  const bare = capture({})
  t.equal(await runCli([], bare.io), 2, 'no command: the help on stderr, exit 2')
  t.match(bare.err.join('\n'), /Usage: anime-api/)
  const { version } = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }
  for (const argv of [['--version'], ['version'], ['-v']]) {
    const run = capture({})
    t.equal(await runCli(argv, run.io), 0)
    t.same(run.out, [version], argv.join(' '))
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
  t.match(run.err[0], new RegExp(`anime-api: cannot listen on 127\\.0\\.0\\.1:${port}: the address is in use by another process; stop it, or set PORT`))
  const extra = capture({ DATA_DIR: dir })
  t.equal(await runCli(['serve', 'now'], extra.io), 2)
  t.match(extra.err[0], /serve takes no arguments/)
  const option = capture({ DATA_DIR: dir })
  t.equal(await runCli(['serve', '--port', '80'], option.io), 2)
  t.match(option.err[0], /Unknown option '--port'; usage: anime-api serve/)
  const nowhere = capture({ DATA_DIR: dir, HOST: '999.1.1.1', PORT: '0', LOG_LEVEL: 'silent', DEFAULT_CATALOGUE: writeAod(dir, [aodRecord(1)]) })
  t.equal(await runCli(['serve'], nowhere.io), 1)
  t.same(nowhere.err, ['anime-api: cannot listen on 999.1.1.1: no such address; set HOST to an address of this machine (127.0.0.1, or 0.0.0.0 for all)'])
})

t.test('backup copies the accounts database, refusing to overwrite without --force', async (t) => {
  const dir = tempDir(t)
  const env = { DATA_DIR: dir, PASSWORD_SCRYPT_N: '1024' }
  const none = capture(env)
  t.equal(await runCli(['backup', path.join(dir, 'b.sqlite')], none.io), 1)
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
  t.equal(await runCli(['backup', target], again.io), 1)
  t.match(again.err[0], /exists; pass --force to overwrite it/)
  t.equal(await runCli(['backup', '--force', target], capture(env).io), 0)
  const nodir = capture(env)
  t.equal(await runCli(['backup', path.join(dir, 'missing', 'b.sqlite')], nodir.io), 1)
  t.match(nodir.err[0], /does not exist/)
  t.same(fs.readdirSync(dir).filter((f) => f.includes('.partial-')), [], 'no partial file left behind')
})

t.test('the real binary entry point runs as a process', async (t) => {
  const dir = tempDir(t)
  const file = writeAod(dir, [aodRecord(1)])
  const result = spawnSync(process.execPath, [...program, 'catalogue', 'import', file], {
    env: childEnv({ ...process.env, DATA_DIR: dir }), encoding: 'utf8'
  })
  t.equal(result.status, 0, result.stderr)
  t.match(result.stdout, /1 added/)
  const bad = spawnSync(process.execPath, [...program, 'catalogue', 'import', '/nonexistent.json'], { env: childEnv(), encoding: 'utf8' })
  t.equal(bad.status, 1)
  t.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr)
})

t.test('a reader that closes the pipe early (| head -1) ends no command and prints no error', async (t) => {
  const dir = tempDir(t)
  const file = writeAod(dir, [aodRecord(1), aodRecord(2)])
  const run = async (args: string[]) => {
    const child = spawn(process.execPath, [...program, ...args], { env: childEnv({ ...process.env, DATA_DIR: dir }), stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout.destroy() // the reader is gone before the first line
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    const [code] = await once(child, 'exit') as [number]
    return { code, stderr }
  }
  const imported = await run(['catalogue', 'import', file])
  t.equal(imported.code, 0, imported.stderr)
  t.notMatch(imported.stderr, /EPIPE|\n\s+at /)
  const info = capture({ DATA_DIR: dir })
  t.equal(await runCli(['catalogue', 'info'], info.io), 0)
  t.match(info.out.join('\n'), /entries:\s+2/, 'the import ran to its end')
  const listed = await run(['catalogue', 'info'])
  t.equal(listed.code, 0)
  t.equal(listed.stderr, '')
})

t.test('a DATA_DIR the user cannot write: one line, exit 1', async (t) => {
  const dir = tempDir(t)
  fs.chmodSync(dir, 0o755)
  const locked = path.join(dir, 'locked')
  fs.mkdirSync(locked, { mode: 0o755 })
  // Root writes anywhere: as root, run the command as nobody in a directory root owns.
  const asRoot = process.getuid?.() === 0
  if (!asRoot) fs.chmodSync(locked, 0o555)
  t.teardown(() => fs.chmodSync(locked, 0o755))
  // Without tap's hooks (NODE_OPTIONS, which tap adds to every spawn): they would write where nobody cannot.
  const cli = (dataDir: string) => spawnSync('env', ['-u', 'NODE_OPTIONS', process.execPath, ...program, 'catalogue', 'info'], {
    env: { PATH: process.env.PATH, DATA_DIR: dataDir, HOME: dir },
    encoding: 'utf8',
    ...(asRoot ? { uid: 65534, gid: 65534 } : {})
  })
  const result = cli(path.join(locked, 'var'))
  t.equal(result.status, 1, result.stderr)
  t.same(result.stderr.trim().split('\n'), [
    `anime-api: DATA_DIR ${path.join(locked, 'var')} cannot be created: permission denied; set DATA_DIR to a directory the service's user can write (it is created if missing)`
  ])
  const existing = cli(locked)
  t.equal(existing.status, 1, existing.stderr)
  t.match(existing.stderr, /^anime-api: DATA_DIR .*locked is not writable: permission denied; set DATA_DIR to a directory/)
})
