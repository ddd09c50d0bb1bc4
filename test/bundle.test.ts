// The production build that `npm start` runs: the bundle of scripts/bundle.ts
// (target 'node') started through its loader (src/bundle/start.ts), which
// compiles it from V8's code cache once one was written. Built here into a
// temporary copy of the checkout's layout (dist/bundle/ one level below the
// root, node_modules beside dist/), so the checkout's dist/ and its cache stay
// out of it.
import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { bundle } from '../scripts/bundle.js'
import { tempDir } from './helpers/app.js'
import { aodRecord, writeAod } from './helpers/aod.js'

const root = path.resolve(import.meta.dirname, '..')

t.test('the production entry serves, writes its code cache, and starts again from it', { timeout: 120_000 }, async (t) => {
  const dir = fs.realpathSync(tempDir(t, 'anime-api-bundle-'))
  const started = Date.now()
  const { main, files } = await bundle({ target: 'node', outdir: path.join(dir, 'dist', 'bundle') })
  t.comment(`bundled in ${((Date.now() - started) / 1000).toFixed(1)} s: ${files.map((file) => path.basename(file)).join(', ')}`)
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'))
  const entry = path.join(path.dirname(main), 'start.cjs')
  const beside = `${main}.v8cache`

  // A clean environment: nothing of tap's (NODE_OPTIONS, loaders, coverage).
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    XDG_CACHE_HOME: path.join(dir, 'cache'),
    DATA_DIR: path.join(dir, 'var'),
    DEFAULT_CATALOGUE: writeAod(dir, Array.from({ length: 5 }, (_, i) => aodRecord(i + 1))),
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
    NODE_DEBUG: 'anime-api',
    PASSWORD_SCRYPT_N: '1024'
  }

  /** Starts `start.cjs serve`, checks its first answer and what it says of the code cache; waits for the cache to be written when it writes one. */
  const serve = async (what: string, cache: RegExp, nodeFlags: string[] = []) => {
    const begin = Date.now()
    const child = spawn(process.execPath, [...nodeFlags, entry, 'serve'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
    const exited = once(child, 'exit')
    t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
    const until = async (pattern: RegExp): Promise<RegExpExecArray> => {
      for (;;) {
        const match = pattern.exec(output)
        if (match !== null) return match
        if (child.exitCode !== null) throw new Error(`the service exited: ${output}`)
        if (Date.now() - begin > 30_000) throw new Error(`no ${String(pattern)} in 30 s: ${output}`)
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    }
    const base = (await until(/Server listening at (http:\/\/127\.0\.0\.1:\d+)/))[1]!
    const res = await fetch(`${base}/anime/entry/1`)
    t.equal(res.status, 200, `${what}: GET /anime/entry/1`)
    t.match(await res.json(), { id: 1 })
    t.comment(`${what}: first answer ${Date.now() - begin} ms after spawn`)
    t.match(output, cache, `${what}: the code cache`)
    const written = /no code cache|rejected/.test(output) ? (await until(/code cache written: (\S+)/))[1] : undefined
    const stop = async (): Promise<void> => {
      child.kill('SIGTERM')
      t.equal((await exited)[0], 0, `${what}: stops cleanly on SIGTERM`)
    }
    return { base, written, stop, output: () => output }
  }

  const first = await serve('first start', /no code cache/)
  t.equal(first.written, beside, 'the cache written beside the bundle once the service answered')
  const docs = await fetch(`${first.base}/docs`)
  t.equal(docs.status, 200, '/docs: swagger-ui')
  t.match(await docs.text(), /swagger/i)
  const css = await fetch(`${first.base}/docs/static/swagger-ui.css`)
  t.equal(css.status, 200, 'its static files, read from the installed package')
  t.equal(Buffer.from(await css.arrayBuffer()).length, fs.statSync(path.join(root, 'node_modules/@fastify/swagger-ui/static/swagger-ui.css')).size)
  await first.stop()

  // The flags the service sets at run time (src/heap.ts) do not make V8 reject the cache on the next start.
  const second = await serve('second start', /code cache accepted: /)
  t.notMatch(second.output(), /rejected|not written/)
  await second.stop()

  const info = spawnSync(process.execPath, [entry, 'catalogue', 'info'], { cwd: dir, env, encoding: 'utf8' })
  t.equal(info.status, 0, `catalogue info through the entry ${info.stderr}`)
  t.match(info.stdout, /entries:\s+5/)
  t.match(info.stderr, /code cache accepted/, 'other commands use the cache too')
  // 1 MiB or more: parsed in the import's worker thread where the bundle has one (staging-worker.mjs).
  const big = writeAod(dir, Array.from({ length: 2500 }, (_, i) => aodRecord(i + 1)), 'jsonl')
  t.ok(fs.statSync(big).size >= 1 << 20)
  const imported = spawnSync(process.execPath, [entry, 'catalogue', 'import', big], { cwd: dir, env, encoding: 'utf8' })
  t.equal(imported.status, 0, `catalogue import through the entry ${imported.stderr}`)
  t.match(imported.stdout, /2500 entries served/)

  // Under other V8 flags V8 rejects the cache: the bundle compiles as usual and the cache is replaced.
  const flagged = await serve('other V8 flags', /code cache rejected: /, ['--max-old-space-size=1000'])
  t.equal(flagged.written, beside, 'replaced')
  await flagged.stop()

  // Nowhere to write beside the bundle (a read-only install; as root, a directory in the way does it):
  // the cache goes to the per-user cache directory, and is used from there.
  fs.rmSync(beside)
  fs.mkdirSync(beside)
  const perUser = path.join(env.XDG_CACHE_HOME, 'anime-api', 'code-cache')
  const third = await serve('read-only install', /no code cache/)
  t.equal(path.dirname(third.written ?? ''), perUser, 'the cache written to the per-user cache directory')
  await third.stop()
  const fourth = await serve('read-only install, again', /code cache accepted: /)
  t.match(fourth.output(), `code cache accepted: ${third.written}`)
  await fourth.stop()
  t.same(fs.readdirSync(path.dirname(main)).filter((name) => name.endsWith('.tmp')), [], 'no temporary files left')
})
