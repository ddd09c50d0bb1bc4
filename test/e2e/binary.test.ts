// The single executable: build it (npm run build:binary), copy it alone into an
// empty directory, start it there with no node_modules and no source, and use it.
import t from 'tap'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { execFileSync, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { seedExamples } from '../helpers/seed.js'
import { tempDir } from '../helpers/app.js'
import { answers, startProcess, stopUnderLoad } from '../helpers/server.js'

const root = path.resolve(import.meta.dirname, '..', '..')

if (!/NODE_SEA_FUSE_[0-9a-f]{32}/.test(fs.readFileSync(process.execPath).toString('latin1'))) {
  t.plan(0, `${process.execPath} cannot make single executables (no SEA fuse)`)
} else {
  t.test('dist/anime-api runs alone in an empty directory', { timeout: 240_000 }, async (t) => {
    const started = Date.now()
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-binary.ts'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })
    t.comment(`built in ${((Date.now() - started) / 1000).toFixed(1)} s, ${(fs.statSync(path.join(root, 'dist/anime-api')).size / 1e6).toFixed(1)} MB`)

    const dir = fs.realpathSync(tempDir(t, 'anime-api-binary-'))
    const binary = path.join(dir, 'anime-api')
    fs.copyFileSync(path.join(root, 'dist/anime-api'), binary)
    fs.chmodSync(binary, 0o755)
    t.same(fs.readdirSync(dir), ['anime-api'], 'the executable alone')

    const server = net.createServer().listen(0, '127.0.0.1')
    await once(server, 'listening')
    const port = (server.address() as net.AddressInfo).port
    server.close()
    // A clean environment: nothing of this checkout or of tap (NODE_OPTIONS, loaders).
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      XDG_CACHE_HOME: path.join(dir, 'cache'),
      DATA_DIR: path.join(dir, 'var'),
      PORT: String(port),
      LOG_LEVEL: 'warn',
      PASSWORD_SCRYPT_N: '1024',
      SHUTDOWN_DRAIN: '0'
    }

    const help = spawnSync(binary, ['--help'], { cwd: dir, env, encoding: 'utf8' })
    t.equal(help.status, 0)
    t.match(help.stdout, /catalogue update/)

    const base = `http://127.0.0.1:${port}`
    /** Starts `anime-api serve` and waits for its first answer. */
    const serve = async (what: string, settings: Record<string, string> = {}) => {
      const begin = Date.now()
      const { child, exited } = await startProcess(t, { command: binary, args: ['serve'], cwd: dir, env: { ...env, ...settings }, ready: answers(port, '/anime/random', null), timeoutMs: 30_000 })
      t.comment(`first answer ${Date.now() - begin} ms after start (${what})`)
      return { child, exited, first: await fetch(`${base}/anime/random`) }
    }
    const { child, exited, first } = await serve('empty DATA_DIR and cache: extracts the assets, imports the default catalogue')
    t.equal(first.status, 200)
    t.same(Object.keys(await first.json() as object), ['id', 'title', 'source', 'anime_type', 'num_episodes', 'status', 'year', 'picture', 'tags'])

    // Ids of a fresh import follow the file's order.
    const data = (JSON.parse(fs.readFileSync(path.join(root, 'data/anime-offline-database.json'), 'utf8')) as { data: Array<{ sources: string[] }> }).data
    for (const example of seedExamples) {
      const id = data.findIndex((record) => record.sources.includes(example.source)) + 1
      const res = await fetch(`${base}/anime/entry/${id}`)
      t.equal(res.status, 200)
      t.same(await res.json(), { id, ...example }, `${example.title} as the seed shows it`)
    }

    const post = (url: string, body: unknown) => fetch(base + url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    const registered = await post('/account/register', { username: 'test', email: 'test@test.com', password: 'test' })
    t.equal(registered.status, 200)
    t.match(await registered.json(), { user: { id: 1, username: 'test', email: 'test@test.com' }, token: /^[0-9a-f]{64}$/ })
    const login = await post('/account/login', { username: 'test', password: 'test' })
    t.equal(login.status, 200)
    const { token } = await login.json() as { token: string }
    const logout = await fetch(`${base}/account/logout`, { method: 'POST', headers: { authorization: `Token ${token}` } })
    t.equal(logout.status, 204)

    const docs = await fetch(`${base}/docs`)
    t.equal(docs.status, 200, '/docs degrades to a page pointing to /openapi.json')
    t.match(await docs.text(), /openapi\.json/)
    t.equal((await fetch(`${base}/openapi.json`)).status, 200)

    const info = spawnSync(binary, ['catalogue', 'info'], { cwd: dir, env, encoding: 'utf8' })
    t.equal(info.status, 0, info.stderr)
    t.match(info.stdout, new RegExp(`entries:\\s+${data.length}`))
    const backup = spawnSync(binary, ['backup', path.join(dir, 'accounts-backup.sqlite')], { cwd: dir, env, encoding: 'utf8' })
    t.equal(backup.status, 0, backup.stderr)
    const bad = spawnSync(binary, ['catalogue', 'import', 'missing.json'], { cwd: dir, env, encoding: 'utf8' })
    t.equal(bad.status, 1)
    t.equal(bad.stderr.trim().split('\n').length, 1, 'a user mistake is one line')

    child.kill('SIGTERM')
    const { code } = await exited
    t.equal(code, 0, 'stops cleanly on SIGTERM')
    // SIGTERM under steady load (SHUTDOWN_DRAIN, test/e2e/drain.test.ts): no request fails.
    const again = await serve('second start', { SHUTDOWN_DRAIN: '2s' })
    t.equal(again.first.status, 200)
    const run = await stopUnderLoad(port, () => again.child.kill('SIGTERM'), ['/anime/random', '/anime/entry/1'])
    t.equal((await again.exited).code, 0)
    t.ok(run.notReadyAt < Infinity, '/ready answered 503 during the drain')
    t.same(run.outcomes.filter((o) => o.status !== 200).map((o) => o.error ?? o.status), [], `no request failed across SIGTERM (${run.outcomes.length})`)
    t.same(fs.readdirSync(dir).sort(), ['accounts-backup.sqlite', 'anime-api', 'cache', 'var'], 'nothing else written beside it')
    t.equal(fs.readdirSync(path.join(dir, 'cache', 'anime-api')).length, 2, 'the native addon and the catalogue, each under its content hash in the cache directory')
  })
}
