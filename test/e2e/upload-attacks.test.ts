// Uploads as an attacker sends them, against the real server through a socket:
// the largest MyAnimeList import the server accepts must not hold up anyone
// else's requests, and large bodies must be refused without being buffered.
import t from 'tap'
import http from 'node:http'
import { performance } from 'node:perf_hooks'
import { readFile } from 'node:fs/promises'
import { setTimeout as delay } from 'node:timers/promises'
import { gzipSync } from 'node:zlib'
import { importCatalogueFile } from '../../src/catalogue/import.js'
import { defaultConfig } from '../../src/config.js'
import { tempDir } from '../helpers/app.js'
import { aodRecord, writeAod } from '../helpers/aod.js'
import { spawnServer } from '../helpers/server.js'
import { largeMalExport } from '../helpers/watchlists.js'

interface Answer { status: number, body: string, headers: http.IncomingHttpHeaders }

function request (port: number, method: string, path: string, body?: Buffer | string, headers: Record<string, string> = {}, agent?: http.Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: agent ?? false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }) })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

async function registered (port: number, username: string): Promise<Record<string, string>> {
  const res = await request(port, 'POST', '/account/register', JSON.stringify({ username, email: `${username}@example.com`, password: 'pw-12345' }),
    { 'content-type': 'application/json' })
  if (res.status !== 200) throw new Error(`register: ${res.status} ${res.body}`)
  return { authorization: `Token ${(JSON.parse(res.body) as { token: string }).token}` }
}

/**
 * Latencies (ms) and times of answer (performance.now()) of GET requests sent at a
 * steady pace, whether or not earlier ones have been answered (a stalled server
 * shows as many slow answers, not as one), from the first until `until` settles;
 * paths in turn.
 */
async function latencies (port: number, paths: string[], until: Promise<unknown>, intervalMs = 20): Promise<{ ms: number[], answeredAt: number[], failed: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })
  const ms: number[] = []
  const answeredAt: number[] = []
  let failed = 0
  const inFlight = new Set<Promise<void>>()
  let stop = false
  void until.finally(() => { stop = true }).catch(() => {})
  for (let i = 0; !stop; i++) {
    const started = performance.now()
    const sent = request(port, 'GET', paths[i % paths.length]!, undefined, {}, agent).then((res) => {
      if (res.status !== 200) failed++
      answeredAt.push(performance.now())
      ms.push(answeredAt.at(-1)! - started)
    }, () => { failed++ })
    inFlight.add(sent)
    void sent.finally(() => inFlight.delete(sent))
    await delay(intervalMs)
  }
  await Promise.all(inFlight)
  agent.destroy()
  return { ms, answeredAt, failed }
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!
}

t.test('the largest MAL import the server accepts does not hold up /health or entry reads', async (t) => {
  const catalogueSize = 10_000 // a list holds at most 10,000 anime: every one of them matched
  // The catalogue imported beforehand: on a busy machine, importing it while the server starts can take longer than plugins may.
  const dataDir = tempDir(t)
  await importCatalogueFile(dataDir, writeAod(dataDir, Array.from({ length: catalogueSize }, (_, i) => aodRecord(i + 1))))
  // No REQUEST_TIMEOUT: on a busy machine the import can outlast it (the socket is idle while the
  // worker parses), and what is measured here is the other requests' latency, not the timeout.
  const server = await spawnServer(t, { DATA_DIR: dataDir, REQUEST_TIMEOUT: 'off' })
  const port = server.port
  const auth = await registered(port, 'importer')
  const list = await request(port, 'POST', '/watchlists', JSON.stringify({ name: 'Everything' }), { ...auth, 'content-type': 'application/json' })
  t.equal(list.status, 201, list.body)
  const listId = (JSON.parse(list.body) as { id: number }).id
  const xml = Buffer.from(largeMalExport(defaultConfig.malImportMaxBytes, defaultConfig.malImportMaxEntries, catalogueSize))
  t.ok(xml.length > defaultConfig.malImportMaxBytes - (64 << 10), 'as large as the server takes, within 64 KiB')
  const upload = gzipSync(xml)
  t.comment(`the file: ${defaultConfig.malImportMaxEntries} entries, ${xml.length} bytes of XML, ${upload.length} bytes gzip-compressed`)
  const paths = ['/health', '/anime/entry/1', '/health', `/anime/entry/${catalogueSize}`, '/health', '/anime/entry/4321']
  for (const path of paths) t.equal((await request(port, 'GET', path)).status, 200, path)

  const idle = await latencies(port, paths, delay(5000))
  const started = performance.now()
  const importing = request(port, 'POST', `/watchlists/${listId}/import`, upload, { ...auth, 'content-type': 'application/gzip' })
  const loaded = await latencies(port, paths, importing)
  const imported = await importing
  const importMs = performance.now() - started
  t.equal(imported.status, 200, imported.body.slice(0, 300))
  const reply = JSON.parse(imported.body) as { added: number, unmatched: number, rejected: unknown[] }
  t.match(reply, { added: catalogueSize, unmatched: defaultConfig.malImportMaxEntries - catalogueSize, rejected: [] }, 'the whole file is imported')

  const idleP99 = percentile(idle.ms, 0.99)
  const loadedP99 = percentile(loaded.ms, 0.99)
  t.comment(`idle: ${idle.ms.length} requests, p50 ${percentile(idle.ms, 0.5).toFixed(1)} ms, p99 ${idleP99.toFixed(1)} ms`)
  t.comment(`during the import (${(importMs / 1000).toFixed(1)} s): ${loaded.ms.length} requests, p50 ${percentile(loaded.ms, 0.5).toFixed(1)} ms, ` +
    `p99 ${loadedP99.toFixed(1)} ms, max ${Math.max(...loaded.ms).toFixed(1)} ms`)
  t.equal(idle.failed + loaded.failed, 0, 'every request answered 200')
  t.ok(loaded.ms.length >= 50, `enough requests during the import (${loaded.ms.length})`)
  // Before the import moved off the event loop, every request sent while it ran waited for all of its
  // parse: no answer came for most of the import. Answers now keep coming throughout it. Judged against
  // the import's own duration rather than a fixed time, so a slow or busy machine stretches both alike.
  const during = [started, ...loaded.answeredAt.filter((at) => at > started && at < started + importMs).sort((a, b) => a - b), started + importMs]
  const longestSilence = Math.max(...during.slice(1).map((at, i) => at - during[i]!))
  t.ok(longestSilence < importMs / 2, `no answer-free stretch over half the import: longest ${longestSilence.toFixed(0)} ms of ${importMs.toFixed(0)} ms`)
})

/** A multipart/form-data body, as pieces (a file's data is not copied): text fields, then parts with a filename (files). */
function multipartBody (fields: Record<string, string>, files: Record<string, Buffer> = {}): { body: Buffer[], type: string } {
  const boundary = '----upload-attack-boundary'
  const body: Buffer[] = []
  for (const [name, value] of Object.entries(fields)) body.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`))
  for (const [name, data] of Object.entries(files)) {
    body.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`), data, Buffer.from('\r\n'))
  }
  body.push(Buffer.from(`--${boundary}--\r\n`))
  return { body, type: `multipart/form-data; boundary=${boundary}` }
}

/**
 * Sends `body` (in 64 KiB writes, as fast as the server reads it, chunked when
 * `chunked`) and stops sending once the answer comes: its status and body, or
 * 'reset' when the connection ended without one.
 */
function upload (port: number, path: string, body: Buffer | Buffer[], headers: Record<string, string>, chunked = false): Promise<{ status: number | 'reset', body: string, sent: number }> {
  const pieces = [body].flat()
  const length = pieces.reduce((sum, piece) => sum + piece.length, 0)
  return new Promise((resolve) => {
    let sent = 0
    let settled = false
    // keep-alive, as curl and browsers send it: a client that says `Connection: close` is
    // answered and then closed with its body unread, which may reach it as a reset first.
    const sentHeaders = { ...headers, connection: 'keep-alive', ...(chunked ? {} : { 'content-length': String(length) }) }
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path, agent: false, headers: sentHeaders }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => { settled = true; resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), sent }); req.destroy() })
      res.on('error', () => {})
    })
    req.on('error', () => { if (!settled) { settled = true; resolve({ status: 'reset', body: '', sent }) } })
    let piece = 0
    let offset = 0
    const write = (): void => {
      while (piece < pieces.length && !settled) {
        const chunk = pieces[piece]!.subarray(offset, offset + (64 << 10))
        offset += chunk.length
        if (offset >= pieces[piece]!.length) { piece++; offset = 0 }
        sent += chunk.length
        if (!req.write(chunk)) { req.once('drain', write); return }
      }
      if (piece >= pieces.length && !settled) req.end()
    }
    write()
  })
}

t.test('bodies over BODY_LIMIT in any encoding, and file parts where no file is taken, are refused with 413 without being buffered', async (t) => {
  const server = await spawnServer(t, { BODY_LIMIT: '64kb' })
  const port = server.port
  const big = 'x'.repeat(100 << 10)
  const json = Buffer.from(JSON.stringify({ username: 'big', email: 'big@example.com', password: big }))
  const form = Buffer.from(`username=big&email=big%40example.com&password=${big}`)
  const fieldsOnly = multipartBody({ username: 'big', email: 'big@example.com', password: big })
  const smallFile = multipartBody({ username: 'filer', email: 'filer@example.com', password: 'pw-12345' }, { blob: Buffer.alloc(1024, 1) })
  const cases: Array<[string, Buffer | Buffer[], Record<string, string>, boolean]> = [
    ['JSON', json, { 'content-type': 'application/json' }, false],
    ['JSON, chunked', json, { 'content-type': 'application/json' }, true],
    ['form-urlencoded', form, { 'content-type': 'application/x-www-form-urlencoded' }, false],
    ['form-urlencoded, chunked', form, { 'content-type': 'application/x-www-form-urlencoded' }, true],
    ['multipart fields', fieldsOnly.body, { 'content-type': fieldsOnly.type }, false],
    ['multipart fields, chunked', fieldsOnly.body, { 'content-type': fieldsOnly.type }, true],
    ['multipart with a small file part', smallFile.body, { 'content-type': smallFile.type }, false],
    ['multipart with a small file part, chunked', smallFile.body, { 'content-type': smallFile.type }, true]
  ]
  for (const [name, body, headers, chunked] of cases) {
    const res = await upload(port, '/account/register', body, headers, chunked)
    t.equal(res.status, 413, name)
    t.same(Object.keys(JSON.parse(res.body || '{}') as object), ['detail'], `${name}: ${res.body}`)
  }
  const auth = await registered(port, 'uploader')
  const list = JSON.parse((await request(port, 'POST', '/watchlists', JSON.stringify({ name: 'L' }), { ...auth, 'content-type': 'application/json' })).body) as { id: number }
  const entryFile = multipartBody({ status: 'watching' }, { note: Buffer.from('a note') })
  const put = await new Promise<Answer>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'PUT', path: `/watchlists/${list.id}/anime/1`, agent: false, headers: { ...auth, 'content-type': entryFile.type } }, (res) => {
      let text = ''
      res.on('data', (chunk) => { text += String(chunk) }).on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }))
    })
    req.on('error', reject)
    req.end(Buffer.concat(entryFile.body))
  })
  t.equal(put.status, 413, 'a file part in a PUT body')
  const mal = Buffer.from('<myanimelist><anime><series_animedb_id>100001</series_animedb_id><my_status>Completed</my_status></anime></myanimelist>')
  const malForm = multipartBody({}, { file: Buffer.concat([mal, Buffer.from(' '.repeat(100 << 10))]) })
  const imported = await upload(port, `/watchlists/${list.id}/import`, malForm.body, { ...auth, 'content-type': malForm.type })
  t.equal(imported.status, 200, `the MAL import takes a file part over BODY_LIMIT (its own limit is MAL_IMPORT_MAX_BYTES): ${imported.body}`)
  t.equal((await request(port, 'GET', '/health')).status, 200)
})

/** Resident memory of a process now, and its peak so far, in bytes (Linux /proc). */
async function memoryOf (pid: number): Promise<{ rss: number, peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024
  return { rss: kib('VmRSS'), peak: kib('VmHWM') }
}

t.test('60 large multipart uploads at once to /account/register: all 413, memory stays where it was', { skip: process.platform !== 'linux' && 'reads /proc' }, async (t) => {
  const server = await spawnServer(t)
  const port = server.port
  const pid = server.child.pid!
  // Warm up: a few requests of every kind the attack makes, so that what is measured is the attack.
  for (let i = 0; i < 3; i++) await upload(port, '/account/register', multipartBody({ username: `w${i}`, email: `w${i}@example.com`, password: 'pw-12345' }).body, { 'content-type': multipartBody({}).type })
  await delay(500)
  const before = await memoryOf(pid)
  const blob = Buffer.alloc(15 << 20, 7)
  const attacks = Array.from({ length: 60 }, (_, i) => multipartBody({ username: `x${i}`, email: `x${i}@example.com`, password: 'pw-12345' }, { blob }))
  let peak = before.rss
  let sampling = true
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, (await memoryOf(pid)).rss)
      await delay(20)
    }
  })()
  const answers = await Promise.all(attacks.map((a) => upload(port, '/account/register', a.body, { 'content-type': a.type })))
  sampling = false
  await sampler
  const after = await memoryOf(pid)
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`
  const size = attacks[0]!.body.reduce((sum, piece) => sum + piece.length, 0)
  t.comment(`RSS before ${mb(before.rss)}, highest seen during ${mb(peak)}, peak (VmHWM) before ${mb(before.peak)} and after ${mb(after.peak)}; ` +
    `${mb(answers.reduce((sum, a) => sum + a.sent, 0))} of ${mb(60 * size)} sent before the answers came`)
  t.same(answers.map((a) => a.status), Array(60).fill(413), `every upload answered 413 (${JSON.stringify(answers.map((a) => a.status))})`)
  t.ok(peak < before.rss + (100 << 20), `RSS during the attack within 100 MB of before (${mb(peak)} vs ${mb(before.rss)})`)
  t.equal((await request(port, 'GET', '/health')).status, 200)
  const users = await request(port, 'POST', '/account/login', JSON.stringify({ username: 'x1', password: 'pw-12345' }), { 'content-type': 'application/json' })
  t.equal(users.status, 400, 'no account was made by an upload')
})
