// Uploads as an attacker sends them, against the real server through a socket:
// the largest MyAnimeList import the server accepts must not hold up anyone
// else's requests, and large bodies must be refused without being buffered.
import t from 'tap'
import http from 'node:http'
import { performance } from 'node:perf_hooks'
import { setTimeout as delay } from 'node:timers/promises'
import { gzipSync } from 'node:zlib'
import { importCatalogueFile } from '../src/catalogue/import.js'
import { defaultConfig } from '../src/config.js'
import { tempDir } from './helpers/app.js'
import { aodRecord, writeAod } from './helpers/aod.js'
import { spawnServer } from './helpers/server.js'
import { largeMalExport } from './helpers/watchlists.js'

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
 * Latencies (ms) of GET requests sent at a steady pace, whether or not earlier
 * ones have been answered (a stalled server shows as many slow answers, not as
 * one), from the first until `until` settles; paths in turn.
 */
async function latencies (port: number, paths: string[], until: Promise<unknown>, intervalMs = 20): Promise<{ ms: number[], failed: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })
  const ms: number[] = []
  let failed = 0
  const inFlight = new Set<Promise<void>>()
  let stop = false
  void until.finally(() => { stop = true }).catch(() => {})
  for (let i = 0; !stop; i++) {
    const started = performance.now()
    const sent = request(port, 'GET', paths[i % paths.length]!, undefined, {}, agent).then((res) => {
      if (res.status !== 200) failed++
      ms.push(performance.now() - started)
    }, () => { failed++ })
    inFlight.add(sent)
    void sent.finally(() => inFlight.delete(sent))
    await delay(intervalMs)
  }
  await Promise.all(inFlight)
  agent.destroy()
  return { ms, failed }
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
  const server = await spawnServer(t, { DATA_DIR: dataDir })
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
  // Before the import moved off the event loop, every request sent while it ran waited for all of it (seconds).
  const bound = Math.max(4 * idleP99, idleP99 + 100)
  t.ok(loadedP99 < bound, `p99 during the import ${loadedP99.toFixed(1)} ms < ${bound.toFixed(1)} ms (4x idle, or idle + 100 ms)`)
})
