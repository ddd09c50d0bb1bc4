// The build that `npm start` and the `anime-api` bin run: scripts/build.ts's
// bundle of src/cli.ts (dist/anime-api.cjs and the import's worker beside it),
// built here into a temporary copy of the checkout's layout (dist/ one level
// below the root, node_modules beside it) and run as a user runs it.
import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { bundle, chunks } from '../../scripts/build.js'
import { tempDir } from '../helpers/app.js'
import { aodRecord, writeAod } from '../helpers/aod.js'
import { startProcess } from '../helpers/server.js'

const root = path.resolve(import.meta.dirname, '..', '..')
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string, scripts: Record<string, string>, bin: Record<string, string> }

t.test('the bundle serves, runs every command, and installs as the anime-api command', { timeout: 240_000 }, async (t) => {
  const dir = fs.realpathSync(tempDir(t, 'anime-api-bundle-'))
  const started = Date.now()
  const files = await bundle('node', path.join(dir, 'dist'))
  t.comment(`bundled in ${((Date.now() - started) / 1000).toFixed(1)} s: ${files.map((file) => path.basename(file)).join(', ')}`)
  const chunkFiles = Object.keys(chunks).map((name) => `dist/chunk-${name}.cjs`)
  t.same(files.map((file) => path.relative(dir, file)), [pkg.bin['anime-api'], ...chunkFiles, 'dist/staging-worker.cjs', 'dist/mal-import-worker.cjs', 'dist/index-worker.cjs'],
    'the bin is the bundle, the chunks and the workers beside it')
  const bundled = fs.readFileSync(path.join(dir, 'dist', 'anime-api.cjs'), 'utf8')
  for (const name of Object.values(chunks).flat()) t.notOk(bundled.includes(`node_modules/${name}/`), `${name} is in its chunk only`)
  t.match(pkg.scripts.start, /^([A-Z_]+=\S+ )*node (\S+ )*dist\/anime-api\.cjs serve$/, 'npm start runs it (with its memory settings), and builds nothing')
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'))
  fs.copyFileSync(path.join(root, 'package.json'), path.join(dir, 'package.json'))
  const main = path.join(dir, 'dist', 'anime-api.cjs')

  // A clean environment: nothing of tap's (NODE_OPTIONS, loaders, coverage).
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    DATA_DIR: path.join(dir, 'var'),
    DEFAULT_CATALOGUE: writeAod(dir, Array.from({ length: 5 }, (_, i) => aodRecord(i + 1))),
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
    PASSWORD_SCRYPT_N: '1024',
    SHUTDOWN_DRAIN: '0'
  }
  const run = (args: string[]) => spawnSync(process.execPath, [main, ...args], { cwd: dir, env, encoding: 'utf8' })

  const listening = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/
  // NODE_DEBUG=module: Node logs every file it loads, so the log tells when a chunk is read.
  const { child, exited, output } = await startProcess(t, { command: process.execPath, args: [main, 'serve'], cwd: dir, env: { ...env, NODE_DEBUG: 'module' }, ready: (log) => listening.test(log) })
  const base = listening.exec(output())![1]!
  const res = await fetch(`${base}/anime/entry/1`)
  t.equal(res.status, 200, 'GET /anime/entry/1')
  t.match(await res.json(), { id: 1 })
  const loaded = (name: string) => output().includes(`dist/chunk-${name}.cjs`)
  t.same(Object.keys(chunks).filter(loaded), [], 'a start reads no chunk (no /docs yet, SQLite, no MAL import)')
  const docs = await fetch(`${base}/docs`)
  t.equal(docs.status, 200, '/docs: swagger-ui')
  t.ok(loaded('docs'), 'the first request for the documents reads their chunk')
  t.match(await docs.text(), /swagger/i)
  const css = await fetch(`${base}/docs/static/swagger-ui.css`)
  t.equal(css.status, 200, 'its static files, read from the installed package')
  t.equal(Buffer.from(await css.arrayBuffer()).length, fs.statSync(path.join(root, 'node_modules/@fastify/swagger-ui/static/swagger-ui.css')).size)
  // A multipart body, then a MyAnimeList export: each reads its chunk then.
  const json = { 'content-type': 'application/json' }
  const form = new FormData()
  for (const [name, value] of Object.entries({ username: 'bundle', email: 'bundle@example.com', password: 'long enough password' })) form.append(name, value)
  t.notOk(loaded('multipart'), 'no multipart chunk before the first multipart body')
  const registered = await fetch(`${base}/account/register`, { method: 'POST', body: form })
  t.equal(registered.status, 200, 'register with a multipart body')
  t.ok(loaded('multipart'), 'it read the multipart chunk')
  const auth = { authorization: `Token ${((await registered.json()) as { token: string }).token}` }
  const list = await fetch(`${base}/watchlists`, { method: 'POST', headers: { ...json, ...auth }, body: JSON.stringify({ name: 'Bundle' }) })
  t.equal(list.status, 201, 'a list')
  const { id } = await list.json() as { id: number }
  t.equal((await fetch(`${base}/watchlists/${id}/anime/1`, { method: 'PUT', headers: { ...json, ...auth }, body: '{}' })).status, 201, 'an entry')
  t.notOk(loaded('xml'), 'no XML chunk before the first MAL import or export')
  const exported = await fetch(`${base}/watchlists/${id}/export`, { headers: auth })
  t.equal(exported.status, 200, 'MAL export')
  t.match(await exported.text(), /<series_animedb_id>/)
  t.ok(loaded('xml'), 'the export read the XML chunk')
  child.kill('SIGTERM')
  t.equal((await exited).code, 0, 'stops cleanly on SIGTERM')

  const version = run(['--version'])
  t.equal(version.stdout.trim(), pkg.version, '--version')
  const info = run(['catalogue', 'info'])
  t.equal(info.status, 0, `catalogue info ${info.stderr}`)
  t.match(info.stdout, /entries:\s+5/)
  // 1 MiB or more: parsed in the import's worker thread (dist/staging-worker.cjs).
  const big = writeAod(dir, Array.from({ length: 2500 }, (_, i) => aodRecord(i + 1)), 'jsonl')
  t.ok(fs.statSync(big).size >= 1 << 20)
  const imported = run(['catalogue', 'import', big])
  t.equal(imported.status, 0, `catalogue import ${imported.stderr}`)
  t.match(imported.stdout, /2500 entries served/)
  const missing = run(['catalogue', 'import', path.join(dir, 'missing.json')])
  t.equal(missing.status, 1)
  t.equal(missing.stderr.trim().split('\n').length, 1, 'a mistake is one line')

  // `npm install -g` of the built tree (what `npm link` does too): `anime-api` on the PATH. Its
  // prepare script (the build, tested below) is skipped: this copy holds the build and no sources.
  const prefix = path.join(dir, 'prefix')
  const installed = spawnSync('npm', ['install', '--global', '--ignore-scripts', '--prefix', prefix, '--no-audit', '--no-fund', dir], { cwd: dir, env: { ...env, npm_config_cache: path.join(dir, 'npm-cache') }, encoding: 'utf8' })
  t.equal(installed.status, 0, `npm install -g ${installed.stderr}`)
  const onPath = { ...env, PATH: `${path.join(prefix, 'bin')}${path.delimiter}${env.PATH}` }
  const bare = spawnSync('anime-api', ['--version'], { cwd: dir, env: onPath, encoding: 'utf8' })
  t.equal(bare.stdout.trim(), pkg.version, 'anime-api --version from the PATH')
  const help = spawnSync('anime-api', ['help'], { cwd: dir, env: onPath, encoding: 'utf8' })
  t.equal(help.status, 0)
  t.match(help.stdout, /Usage: anime-api <command>/)
})

t.test('npm install builds where the development tools are; a production install keeps the build it has', async (t) => {
  const dir = tempDir(t)
  fs.mkdirSync(path.join(dir, 'scripts'))
  fs.copyFileSync(path.join(root, 'scripts/prepare.mjs'), path.join(dir, 'scripts/prepare.mjs'))
  const prepare = () => spawnSync(process.execPath, [path.join(dir, 'scripts/prepare.mjs')], { cwd: dir, encoding: 'utf8' })
  const unbuilt = prepare()
  t.equal(unbuilt.status, 1, 'no tools and no build: an error')
  t.match(unbuilt.stderr, /dist\/ holds no build and the development tools are not installed/)
  fs.mkdirSync(path.join(dir, 'dist'))
  fs.writeFileSync(path.join(dir, 'dist/anime-api.cjs'), '')
  const built = prepare()
  t.equal(built.status, 0, built.stderr)
  t.match(built.stdout, /keeping the build in dist\//)
})
