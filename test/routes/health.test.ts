// GET /health and GET /ready, as load balancers use them.
import t, { type Test } from 'tap'
import path from 'node:path'
import Database from 'better-sqlite3'
import { publicSource } from '../../src/plugins/app/health.js'
import { aodRecord, writeAod } from '../helpers/aod.js'
import { buildApp, tempDir } from '../helpers/app.js'
import { openCatalogueDb } from '../../src/catalogue/db.js'
import type { AppOptions } from '../../src/app.js'

async function fixtureApp (t: Test, options: AppOptions = {}) {
  const dir = tempDir(t)
  const api = await buildApp(t, { dataDir: dir, defaultCatalogue: writeAod(dir, [aodRecord(1), aodRecord(2), aodRecord(3)]), ...options })
  return Object.assign(api, { dir })
}

t.test('GET /health: 200 {"status":"ok"}, never cached', async (t) => {
  const api = await fixtureApp(t)
  const res = await api.inject('/health')
  t.equal(res.statusCode, 200)
  t.equal(res.body, '{"status":"ok"}')
  t.equal(res.headers['cache-control'], 'no-store')
  t.equal((await api.inject({ method: 'HEAD', url: '/health' })).statusCode, 200)
})

t.test('GET /ready: 200 with the catalogue\'s date, source, entry count and version', async (t) => {
  const api = await fixtureApp(t)
  const res = await api.inject('/ready')
  t.equal(res.statusCode, 200)
  t.equal(res.headers['cache-control'], 'no-store')
  const body = res.json()
  t.same(Object.keys(body), ['status', 'catalogue', 'accounts'])
  t.equal(body.status, 'ready')
  t.same(Object.keys(body.catalogue), ['count', 'lastUpdate', 'source', 'version', 'importedAt', 'release'])
  t.equal(body.catalogue.count, 3)
  t.equal(body.catalogue.lastUpdate, '2026-11-20', 'the AOD file\'s lastUpdate')
  t.match(body.catalogue.source, /^aod-\d+\.json$/, 'the file name, not the server\'s directories')
  t.equal(body.catalogue.version, 1)
  t.ok(!Number.isNaN(Date.parse(body.catalogue.importedAt)))
  t.equal(body.catalogue.release, null, 'a local file names no release')
  t.same(body.accounts, { writable: true, backend: 'sqlite' })
})

t.test('GET /ready: 503 with detail and the same fields when the catalogue is empty', async (t) => {
  const api = await fixtureApp(t)
  const db = openCatalogueDb(api.config.dataDir)
  db.exec("UPDATE meta SET value = '0' WHERE key = 'count'")
  db.close()
  const res = await api.inject('/ready')
  t.equal(res.statusCode, 503)
  const body = res.json()
  t.equal(body.detail, 'Not ready: the catalogue is empty.')
  t.equal(body.status, 'not ready')
  t.equal(body.catalogue.count, 0)
  t.equal(body.catalogue.lastUpdate, '2026-11-20')
  t.same(body.accounts, { writable: true, backend: 'sqlite' })
})

t.test('GET /ready: 503 while the accounts database cannot take writes', async (t) => {
  const api = await fixtureApp(t)
  const other = new Database(path.join(api.dir, 'accounts.sqlite'))
  t.teardown(() => other.close())
  other.exec('BEGIN IMMEDIATE') // another process holding the write lock
  const res = await api.inject('/ready')
  t.equal(res.statusCode, 503)
  t.equal(res.json().detail, 'Not ready: the accounts database is not writable.')
  t.same(res.json().accounts, { writable: false, backend: 'sqlite' })
  t.equal(res.json().catalogue.count, 3)
  other.exec('ROLLBACK')
  t.equal((await api.inject('/ready')).statusCode, 200, 'ready again once the lock is gone')
})

t.test('health checks are exempt from the global rate limit', async (t) => {
  const api = await fixtureApp(t, { rateLimitMax: 2 })
  for (let i = 0; i < 10; i++) {
    t.equal((await api.inject('/health')).statusCode, 200)
    t.equal((await api.inject('/ready')).statusCode, 200)
  }
  await api.inject('/anime/entry/1')
  await api.inject('/anime/entry/1')
  t.equal((await api.inject('/anime/entry/1')).statusCode, 429, 'while other routes are limited')
})

t.test('publicSource shows a file name, or a URL without credentials', async (t) => {
  t.equal(publicSource('/srv/anime/data/anime-offline-database.jsonl'), 'anime-offline-database.jsonl')
  t.equal(publicSource('https://user:secret@example.com/aod.jsonl.zst'), 'https://example.com/aod.jsonl.zst')
  t.equal(publicSource('https://github.com/manami-project/anime-offline-database/releases/latest/download/anime-offline-database.jsonl.zst'),
    'https://github.com/manami-project/anime-offline-database/releases/latest/download/anime-offline-database.jsonl.zst')
  t.equal(publicSource(null), null)
})

t.test('not ready from the moment a shutdown begins', async (t) => {
  const api = await fixtureApp(t)
  t.equal((await api.readiness()).ready, true)
  await api.close()
  const readiness = await api.readiness()
  t.equal(readiness.ready, false)
  t.ok(readiness.problems.includes('the service is shutting down'), readiness.problems.join('; '))
})
