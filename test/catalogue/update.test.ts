// `anime-api catalogue update` against a local HTTP server serving fixtures:
// good files (JSON, JSONL, zstd, behind a redirect), and every way a download
// can go wrong; the old catalogue must keep serving in each bad case.
import t, { type Test } from 'tap'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { runCli } from '../../src/cli.js'
import { openCatalogueDb } from '../../src/catalogue/db.js'
import { createCatalogue } from '../../src/catalogue/repository.js'
import { updateCatalogue } from '../../src/catalogue/update.js'
import { liveUpdates } from '../../src/live.js'
import { resolveConfig, type AppConfig } from '../../src/config.js'
import fp from 'fastify-plugin'
import Fastify from 'fastify'
import app, { serverOptions } from '../../src/app.js'
import { aodRecord, aodText, writeAod } from '../helpers/aod.js'
import { buildApp, tempDir } from '../helpers/app.js'
import { capture } from '../helpers/cli.js'
import { program as anime } from '../helpers/server.js'

// Made once with the zstd CLI (Debian's zstd 1.5.4; fzstd only decodes):
//   aodText([1..5].map(n => aodRecord(n, { title: `Zst ${n}` })), 'jsonl') | zstd -19
const zstFixture = fs.readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'update-small.jsonl.zst'))

const oldRecords = [1, 2, 3].map((n) => aodRecord(n, { title: `Old ${n}` }))
const newRecords = [1, 2, 3, 4].map((n) => aodRecord(n, { title: `New ${n}` }))
const jsonBody = Buffer.from(aodText(newRecords, 'minified'))
const jsonlBody = Buffer.from(aodText(newRecords, 'jsonl'))
// A JSONL file cut right after a complete line: valid as far as it goes.
const cutAtRecord = jsonlBody.subarray(0, jsonlBody.indexOf('\n', Math.floor(jsonlBody.length / 2)) + 1)

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void
const routes: Record<string, Handler> = {
  '/good.json': (_req, res) => { res.setHeader('content-length', jsonBody.length); res.end(jsonBody) },
  '/good.jsonl': (_req, res) => { res.end(jsonlBody) }, // chunked: no Content-Length
  '/good.jsonl.zst': (_req, res) => { res.setHeader('content-length', zstFixture.length); res.end(zstFixture) },
  '/zst-by-magic': (_req, res) => { res.end(zstFixture) },
  '/redirect': (_req, res) => { res.writeHead(302, { location: '/good.json' }); res.end() },
  '/truncated.jsonl': (_req, res) => {
    // Promises the whole file, sends only up to a record boundary, then closes.
    res.setHeader('content-length', jsonlBody.length)
    res.flushHeaders()
    res.socket!.end(cutAtRecord)
  },
  '/cut.json': (_req, res) => {
    res.write(jsonBody.subarray(0, 200))
    setTimeout(() => res.socket!.destroy(), 20)
  },
  '/broken.json': (_req, res) => { res.end(jsonBody.subarray(0, jsonBody.length - 40)) },
  '/not-aod.json': (_req, res) => { res.setHeader('content-type', 'application/json'); res.end('{"message":"Not Found","documentation_url":"https://example.invalid"}') },
  '/page.html': (_req, res) => { res.setHeader('content-type', 'text/html'); res.end('<!doctype html><title>Release</title>') },
  '/bad.zst': (_req, res) => { res.end(Buffer.concat([zstFixture.subarray(0, 4), Buffer.alloc(200, 7)])) },
  '/truncated.zst': (_req, res) => { res.end(zstFixture.subarray(0, zstFixture.length - 30)) },
  '/etag.json': (req, res) => {
    // Answers 304 to a request naming the version it has.
    if (req.headers['if-none-match'] === '"v1"') { res.writeHead(304); res.end(); return }
    res.writeHead(200, { etag: '"v1"', 'last-modified': 'Wed, 25 Nov 2026 12:00:00 GMT', 'content-length': jsonBody.length })
    res.end(jsonBody)
  },
  '/slow.jsonl': (_req, res) => {
    // The good file, a few bytes at a time: the update takes a while.
    let at = 0
    const step = Math.ceil(jsonlBody.length / 20)
    const tick = () => {
      if (at >= jsonlBody.length) { res.end(); return }
      res.write(jsonlBody.subarray(at, at + step))
      at += step
      setTimeout(tick, 15)
    }
    tick()
  }
}

const server = http.createServer((req, res) => {
  const handler = routes[req.url ?? '']
  if (handler === undefined) { res.statusCode = 404; res.end('Not Found'); return }
  handler(req, res)
})
server.listen(0, '127.0.0.1')
await once(server, 'listening')
t.teardown(() => { server.closeAllConnections(); server.close() })
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

/** The app as server.ts builds it: with SIGHUP handling and scheduled updates. */
async function serverApp (t: Test, options: Partial<AppConfig>) {
  const fastify = Fastify({ ...serverOptions, logger: false, pluginTimeout: 120_000 }) // as test/helpers/app.ts
  const config = resolveConfig(options)
  await fastify.register(fp(app), config)
  await fastify.register(liveUpdates, config)
  await fastify.ready()
  t.teardown(() => fastify.close())
  return fastify
}

/** A DATA_DIR holding the old catalogue. */
async function withOldCatalogue (t: Test): Promise<string> {
  const dir = tempDir(t)
  const run = capture({ DATA_DIR: dir })
  t.equal(await runCli(['catalogue', 'import', writeAod(dir, oldRecords)], run.io), 0)
  return dir
}

function served (dir: string) {
  const db = openCatalogueDb(dir)
  try {
    const catalogue = createCatalogue(db)
    return { version: catalogue.info().version, titles: [1, 2, 3, 4, 5].map((id) => catalogue.entry(id)?.title ?? null), info: catalogue.info() }
  } finally {
    db.close()
  }
}

t.test('good downloads: JSON, JSONL, zstd (by name and by magic bytes), behind a redirect', async (t) => {
  const cases: Array<[string, string[], RegExp]> = [
    ['/good.json', ['New 1', 'New 2', 'New 3', 'New 4', null] as never, /imported JSON: 1 added, 3 updated, 0 kept, 0 skipped, 0 removed; 4 entries served/],
    ['/good.jsonl', ['New 1', 'New 2', 'New 3', 'New 4', null] as never, /imported JSONL: 1 added, 3 updated, 0 kept, 0 skipped, 0 removed; 4 entries served/],
    ['/good.jsonl.zst', ['Zst 1', 'Zst 2', 'Zst 3', 'Zst 4', 'Zst 5'], /imported JSONL \(zstd\): 2 added, 3 updated, .*5 entries served/],
    ['/zst-by-magic', ['Zst 1', 'Zst 2', 'Zst 3', 'Zst 4', 'Zst 5'], /downloaded .* \(zstd\)/],
    ['/redirect', ['New 1', 'New 2', 'New 3', 'New 4', null] as never, /imported JSON: 1 added, 3 updated/]
  ]
  for (const [route, titles, summary] of cases) {
    const dir = await withOldCatalogue(t)
    const run = capture({ DATA_DIR: dir })
    t.equal(await runCli(['catalogue', 'update', '--url', base + route], run.io), 0, `${route}: ${run.err.join(' ')}`)
    t.match(run.out.join('\n'), summary, route)
    t.same(served(dir).titles, titles, route)
    t.equal(served(dir).version, 2, route)
    t.equal(served(dir).info.source, base + route, `${route}: the source is recorded`)
    t.ok(run.progress.some((l) => /^downloading/.test(l)), `${route}: a progress line`)
  }
})

t.test('the progress line shows a bar and a percentage when the size is known', async (t) => {
  const dir = await withOldCatalogue(t)
  const run = capture({ DATA_DIR: dir })
  t.equal(await runCli(['catalogue', 'update', `--url=${base}/good.json`], run.io), 0)
  t.ok(run.progress.some((l) => /^downloading: \[#{24}\] 100% \(\d+\.\d kB of \d+\.\d kB\)/.test(l)), run.progress.join('|'))
  const { describeDownload } = await import('../../src/cli/catalogue.js')
  t.equal(describeDownload({ received: 5_000_000, total: 10_000_000, records: 1234, compressed: true }),
    'downloading (zstd): [############............]  50% (5.0 MB of 10.0 MB), 1234 records')
  t.equal(describeDownload({ received: 512, total: null, records: 0, compressed: false }), 'downloading: 512 B')
})

t.test('bad downloads fail with one clear line and leave the old catalogue serving', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['/missing.json', /download of .*\/missing\.json failed: HTTP 404 Not Found/],
    ['/truncated.jsonl', /download of .*\/truncated\.jsonl (is truncated: received \d+ of \d+ bytes|was cut off after \d+ bytes of \d+)/],
    ['/cut.json', /download of .*\/cut\.json was cut off after 200 bytes/],
    ['/broken.json', /broken anime-offline-database file: the file ends in the middle of a value/],
    ['/not-aod.json', /not an anime-offline-database file/],
    ['/page.html', /not an anime-offline-database file: expected a JSON object/],
    ['/bad.zst', /the download is not valid zstd data/],
    ['/truncated.zst', /the download is not valid zstd data: unexpected EOF/]
  ]
  for (const [route, message] of cases) {
    const dir = await withOldCatalogue(t)
    const run = capture({ DATA_DIR: dir })
    t.equal(await runCli(['catalogue', 'update', '--url', base + route], run.io), 1, route)
    t.equal(run.err.length, 1, `${route}: one line`)
    t.match(run.err[0], message, route)
    t.notMatch(run.err[0] ?? '', /\n\s+at /, `${route}: no stack`)
    t.same(served(dir).titles, ['Old 1', 'Old 2', 'Old 3', null, null], `${route}: the old catalogue stays`)
    t.equal(served(dir).version, 1, route)
  }
})

t.test('a server that cannot be reached, a stalled download, and bad arguments', async (t) => {
  const dir = await withOldCatalogue(t)
  const closed = http.createServer()
  closed.listen(0, '127.0.0.1')
  await once(closed, 'listening')
  const port = (closed.address() as AddressInfo).port
  closed.close()
  const run = capture({ DATA_DIR: dir })
  t.equal(await runCli(['catalogue', 'update', '--url', `http://127.0.0.1:${port}/x.json`], run.io), 1)
  t.match(run.err[0], /download of http:\/\/127\.0\.0\.1:\d+\/x\.json failed: fetch failed \(ECONNREFUSED\)/)

  const stalled = http.createServer((_req, res) => { res.write('{"data":[') }) // and nothing more
  stalled.listen(0, '127.0.0.1')
  await once(stalled, 'listening')
  t.teardown(() => { stalled.closeAllConnections(); stalled.close() })
  await t.rejects(updateCatalogue(dir, `http://127.0.0.1:${(stalled.address() as AddressInfo).port}/`, { idleTimeoutMs: 200 }), { name: 'UpdateError', message: /no data from http:\/\/127\.0\.0\.1:\d+\/ for 200 ms/ }, 'stall')

  for (const [argv, message] of [
    [['catalogue', 'update', '--url', 'ftp://example.invalid/x'], /--url: expected an http or https URL/],
    [['catalogue', 'update', '--frobnicate'], /usage: anime-api catalogue update \[--url <url>\]/]
  ] as Array<[string[], RegExp]>) {
    const bad = capture({ DATA_DIR: dir })
    t.not(await runCli(argv, bad.io), 0)
    t.match(bad.err[0], message)
  }
  t.equal(served(dir).version, 1)
})

t.test('a running app switches to the new catalogue with no failed request', async (t) => {
  const dir = tempDir(t)
  const app = await buildApp(t, { dataDir: dir, defaultCatalogue: writeAod(dir, oldRecords) })
  const switched: number[] = []
  app.catalogueWatcher.onSwitch((info) => switched.push(info.version))
  t.equal(app.catalogue.entry(1)?.title, 'Old 1')

  const update = updateCatalogue(dir, `${base}/slow.jsonl`)
  let done = false
  void update.finally(() => { done = true })
  const statuses = new Map<number, number>()
  const titles = new Set<string>()
  let requests = 0
  while (!done) {
    for (const url of ['/anime/entry/1', '/anime/random']) {
      const res = await app.inject(url)
      requests++
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
      if (url === '/anime/entry/1') titles.add(res.json().title)
    }
    await new Promise((resolve) => setImmediate(resolve))
  }
  const report = await update
  t.equal(report.notModified !== true && report.total, 4)
  t.same([...statuses.keys()], [200], `every one of ${requests} requests during the update answered 200`)
  t.ok(requests > 20, `${requests} requests during the update`)
  t.ok(titles.has('Old 1'), 'the old catalogue answered while downloading')
  const after = await app.inject('/anime/entry/1')
  t.equal(after.json().title, 'New 1', 'the next request sees the new catalogue, no restart')
  t.equal((await app.inject('/anime/entry/4')).statusCode, 200)
  app.catalogueWatcher.refresh()
  t.same(switched, [2], 'the watcher told its listeners once')
})

t.test('SIGHUP makes a running service re-check its catalogue at once', async (t) => {
  const dir = tempDir(t)
  const app = await serverApp(t, { dataDir: dir, defaultCatalogue: writeAod(dir, oldRecords) })
  const switched: number[] = []
  app.catalogueWatcher.onSwitch((info) => switched.push(info.version))
  t.equal(await runCli(['catalogue', 'update', '--url', `${base}/good.json`], capture({ DATA_DIR: dir }).io), 0)
  process.kill(process.pid, 'SIGHUP')
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.same(switched, [2])
  t.equal(app.catalogueWatcher.current().count, 4)
})

t.test('scheduled updates run the CLI in a child process, one at a time', async (t) => {
  const dir = tempDir(t)
  const app = await serverApp(t, {
    dataDir: dir,
    defaultCatalogue: writeAod(dir, oldRecords),
    catalogueUpdateUrl: `${base}/good.jsonl.zst`,
    catalogueUpdateIntervalMs: 300
  })
  const switched: number[] = []
  app.catalogueWatcher.onSwitch((info) => switched.push(info.version))
  const deadline = Date.now() + 60_000
  while (switched.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100))
  t.same(switched.slice(0, 1), [2], 'a scheduled update switched the catalogue')
  t.equal((await app.inject('/anime/entry/5')).json().title, 'Zst 5')
  t.equal(resolveConfig().catalogueUpdateIntervalMs, null, 'off by default')
})

t.test('configuration: CATALOGUE_UPDATE_URL, CATALOGUE_UPDATE_INTERVAL and WORKERS are checked', async (t) => {
  const { loadConfig, DEFAULT_CATALOGUE_UPDATE_URL } = await import('../../src/config.js')
  const os = await import('node:os')
  const defaults = loadConfig({})
  t.equal(defaults.catalogueUpdateUrl, DEFAULT_CATALOGUE_UPDATE_URL)
  t.equal(defaults.catalogueUpdateIntervalMs, null)
  t.equal(defaults.workers, 1)
  t.match(loadConfig({ CATALOGUE_UPDATE_URL: 'http://127.0.0.1:9/aod.json', CATALOGUE_UPDATE_INTERVAL: '24h', WORKERS: '3' }), {
    catalogueUpdateUrl: 'http://127.0.0.1:9/aod.json', catalogueUpdateIntervalMs: 86_400_000, workers: 3
  })
  t.equal(loadConfig({ CATALOGUE_UPDATE_INTERVAL: 'off' }).catalogueUpdateIntervalMs, null)
  t.equal(loadConfig({ WORKERS: 'auto' }).workers, os.availableParallelism())
  for (const [env, message] of [
    [{ CATALOGUE_UPDATE_URL: 'not a url' }, /CATALOGUE_UPDATE_URL: expected an http or https URL/],
    [{ CATALOGUE_UPDATE_URL: 'file:///etc/passwd' }, /CATALOGUE_UPDATE_URL: expected an http or https URL/],
    [{ CATALOGUE_UPDATE_INTERVAL: 'daily' }, /CATALOGUE_UPDATE_INTERVAL: expected a duration/],
    [{ CATALOGUE_UPDATE_INTERVAL: '10s' }, /CATALOGUE_UPDATE_INTERVAL: must be at least 1m/],
    [{ WORKERS: '0' }, /WORKERS: must be between 1 and 256/],
    [{ WORKERS: 'many' }, /WORKERS: expected a whole number/]
  ] as Array<[Record<string, string>, RegExp]>) {
    t.throws(() => loadConfig(env), { name: 'ConfigError', message }, JSON.stringify(env))
  }
})

t.test('scheduling: the first update is due one interval after the last import; one update at a time', async (t) => {
  const { firstUpdateDelay, scheduleUpdates } = await import('../../src/catalogue/schedule.js')
  const day = 86_400_000
  const now = Date.parse('2026-11-25T12:00:00Z')
  t.equal(firstUpdateDelay(null, day, now), 10_000, 'never updated: soon')
  t.equal(firstUpdateDelay('2026-11-20T12:00:00.000Z', day, now), 10_000, 'overdue: soon')
  t.equal(firstUpdateDelay('2026-11-25T06:00:00.000Z', day, now), day / 4 * 3, 'the rest of the interval')
  t.equal(firstUpdateDelay('2026-11-26T06:00:00.000Z', day, now), day, 'a clock set back: at most one interval')

  const dir = await withOldCatalogue(t)
  const logged: string[] = []
  const log = { info: (_: object, msg: string) => { logged.push(msg) }, error: (obj: object, msg: string) => { logged.push(`${msg} ${JSON.stringify(obj)}`) } }
  // The command line as the tests run it (this process's own script is the test file).
  const program = { file: process.execPath, args: anime }
  const schedule = scheduleUpdates({ program, url: `${base}/slow.jsonl`, dataDir: dir, intervalMs: day, log })
  t.teardown(() => schedule.stop())
  const first = schedule.runNow()
  t.equal(schedule.runNow(), first, 'a second call while one runs joins it')
  t.equal(await first, true, logged.join('\n'))
  t.equal(served(dir).version, 2)
  const failing = scheduleUpdates({ program, url: `${base}/missing.json`, dataDir: dir, intervalMs: day, log })
  t.teardown(() => failing.stop())
  t.equal(await failing.runNow(), false)
  t.match(logged.join('\n'), /scheduled catalogue update failed; the old catalogue stays .*HTTP 404 Not Found/)
  t.equal(served(dir).version, 2, 'the failed update changed nothing')
})

t.test('an unchanged file is not downloaded again (ETag), unless --force', async (t) => {
  const dir = await withOldCatalogue(t)
  const url = `${base}/etag.json`
  const first = capture({ DATA_DIR: dir })
  t.equal(await runCli(['catalogue', 'update', '--url', url], first.io), 0)
  t.match(first.out.join('\n'), /1 added, 3 updated/)
  const again = capture({ DATA_DIR: dir })
  t.equal(await runCli(['catalogue', 'update', '--url', url], again.io), 0)
  t.match(again.out.join('\n'), /the catalogue is up to date/)
  t.equal(served(dir).version, 2, 'nothing imported')
  const forced = capture({ DATA_DIR: dir })
  t.equal(await runCli(['catalogue', 'update', '--force', '--url', url], forced.io), 0)
  t.match(forced.out.join('\n'), /0 added, 0 updated, 4 kept/)
  t.equal(served(dir).version, 3)
  const other = capture({ DATA_DIR: dir })
  t.equal(await runCli(['catalogue', 'update', '--url', `${base}/good.json`], other.io), 0, 'another URL: no validators sent')
  t.equal(served(dir).version, 4)
})
