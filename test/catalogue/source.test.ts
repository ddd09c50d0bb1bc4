// The catalogue's source and its freshness, against a local HTTP server laid out
// like the maintained continuation's releases (cedya77/anime-offline-database):
// `releases/download/<tag>/anime-offline-database-minified.json.zst` beside the
// JSONL, under the moving `latest` tag and weekly tags, and GitHub's
// `releases/latest/download/…` redirect to the weekly tag. Clients see the
// release, the import time and the source in /ready and `catalogue info`, and
// every catalogue answer carries Last-Modified, honoured by If-Modified-Since.
import t from 'tap'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { runCli } from '../../src/cli.js'
import { DEFAULT_CATALOGUE_UPDATE_URL, loadConfig } from '../../src/config.js'
import { releaseTag } from '../../src/catalogue/update.js'
import Database from 'better-sqlite3'
import { aodRecord, writeAod, zstdStored } from '../helpers/aod.js'
import { buildApp, openapiDocument, tempDir } from '../helpers/app.js'
import { capture } from '../helpers/cli.js'

// Several updates and apps: minutes on a loaded machine.
t.setTimeout(10 * 60 * 1000)

const fixtures = path.join(import.meta.dirname, '..', 'fixtures', 'continuation')
const minifiedZst = fs.readFileSync(path.join(fixtures, 'anime-offline-database-minified.json.zst'))
const jsonlZst = fs.readFileSync(path.join(fixtures, 'anime-offline-database.jsonl.zst'))
const repo = '/cedya77/anime-offline-database'

const deadList = (ids: string[]) => JSON.stringify({
  license: { name: 'Open Data Commons Open Database License (ODbL) v1.0 + Database Contents License (DbCL) v1.0', url: 'https://github.com/cedya77/anime-offline-database/blob/main/LICENSE' },
  repository: 'https://github.com/cedya77/anime-offline-database',
  lastUpdate: '2026-09-05',
  deadEntries: ids
}, null, 2)
const fixtureDocument = JSON.parse(fs.readFileSync(path.join(fixtures, 'anime-offline-database.json'), 'utf8')) as { data: Array<{ sources: string[], title: string }> }
// A later release: the single-source entry gone, and its MAL number given by the site to another anime.
const reusedDocument = { ...fixtureDocument, data: [...fixtureDocument.data.slice(0, 5), { ...fixtureDocument.data[5]!, title: 'Another anime on a reused number' }] }
// Releases under /dead/ and /reused/ publish dead-entry lists beside them.
const deadLists: Record<string, (res: http.ServerResponse) => void> = {
  myanimelist: (res) => { res.end(deadList(['99999', '1', '424242'])) },
  anilist: (res) => { res.end(zstdStored(Buffer.from(deadList(['5114'])))) }, // compressed, told by its bytes
  kitsu: (res) => { res.writeHead(500); res.end('oops') },
  anidb: (res) => { res.end('<html>not a list</html>') }
  // animenewsnetwork: not published (404)
}

const requests: string[] = []
const server = http.createServer((req, res) => {
  const url = req.url ?? ''
  requests.push(url)
  const dead = /^\/(dead|reused)\/releases\/download\/latest\/(?:(anime-offline-database-minified\.json\.zst)|dead-entries\/(\w+)\.json)$/.exec(url)
  if (dead !== null) {
    if (dead[2] !== undefined) {
      // The release itself: the fixture, or (plain JSON, whatever the name says) the later release.
      res.end(dead[1] === 'dead' ? minifiedZst : JSON.stringify(reusedDocument))
      return
    }
    const list = deadLists[dead[3]!]
    if (list !== undefined && dead[1] === 'dead') { list(res); return }
    if (dead[1] === 'reused' && dead[3] === 'myanimelist') { res.end(deadList(['1'])); return } // 99999 lives again
  }
  const asset = /^\/cedya77\/anime-offline-database\/releases\/download\/(latest|2026-36)\/(anime-offline-database(?:-minified\.json|\.jsonl)\.zst)$/.exec(url)
  if (asset !== null) {
    const body = asset[2] === 'anime-offline-database.jsonl.zst' ? jsonlZst : minifiedZst
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length })
    res.end(body)
    return
  }
  const latest = /^\/cedya77\/anime-offline-database\/releases\/latest\/download\/(.+)$/.exec(url)
  if (latest !== null) {
    res.writeHead(302, { location: `${repo}/releases/download/2026-36/${latest[1]}` })
    res.end()
    return
  }
  res.writeHead(404)
  res.end('Not Found')
})
server.listen(0, '127.0.0.1')
await once(server, 'listening')
t.teardown(() => { server.closeAllConnections(); server.close() })
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

t.test('the default source is the maintained continuation\'s latest minified JSON, zstd', async (t) => {
  t.equal(DEFAULT_CATALOGUE_UPDATE_URL, 'https://github.com/cedya77/anime-offline-database/releases/download/latest/anime-offline-database-minified.json.zst')
  t.equal(loadConfig({}).catalogueUpdateUrl, DEFAULT_CATALOGUE_UPDATE_URL)
  const example = fs.readFileSync(path.join(import.meta.dirname, '..', '..', '.env.example'), 'utf8')
  t.match(example, /ODbL/, '.env.example names the licence')
  t.match(example, /releases\/download\/2026-\d\d\//, '.env.example shows how to pin a weekly tag')
  t.equal(releaseTag(DEFAULT_CATALOGUE_UPDATE_URL), null, '`latest` names no release')
  t.equal(releaseTag('https://github.com/cedya77/anime-offline-database/releases/download/2026-36/anime-offline-database.jsonl'), '2026-36')
  t.equal(releaseTag('https://example.com/aod.json'), null)
})

t.test('an update from the continuation\'s layout: the .json.zst under latest, a weekly tag, and the latest redirect', async (t) => {
  const cases: Array<[string, string | null]> = [
    [`${repo}/releases/download/latest/anime-offline-database-minified.json.zst`, null],
    [`${repo}/releases/download/2026-36/anime-offline-database-minified.json.zst`, '2026-36'],
    [`${repo}/releases/latest/download/anime-offline-database.jsonl.zst`, '2026-36']
  ]
  for (const [route, release] of cases) {
    const dir = tempDir(t)
    t.equal(await runCli(['catalogue', 'import', writeAod(dir, [aodRecord(1)])], capture({ DATA_DIR: dir }).io), 0)
    const run = capture({ DATA_DIR: dir })
    t.equal(await runCli(['catalogue', 'update', '--url', base + route], run.io), 0, `${route}: ${run.err.join(' ')}`)
    t.match(run.out.join('\n'), /downloaded 1\.1 kB \(zstd\)/, route)
    t.match(run.out.join('\n'), /imported JSONL? \(zstd\): 6 added, 0 updated, 0 kept, 0 skipped, 1 removed; 6 entries served/, route)

    const info = capture({ DATA_DIR: dir })
    t.equal(await runCli(['catalogue', 'info'], info.io), 0)
    const text = info.out.join('\n')
    t.match(text, /entries:\s+6/)
    t.match(text, /file date:\s+2026-09-05/, 'AOD\'s lastUpdate')
    t.match(text, release === null ? /release:\s+unknown/ : new RegExp(`release:\\s+${release}\\n`), route)
    t.match(text, new RegExp(`source:\\s+${(base + route).replace(/[.?]/g, '\\$&')}`))
    t.match(text, /data:\s+https:\/\/github\.com\/cedya77\/anime-offline-database/)
    t.match(text, /licence:\s+Open Data Commons Open Database License \(ODbL\) v1\.0 \+ Database Contents License \(DbCL\) v1\.0/)
    t.match(text, /imported at:\s+\d{4}-\d\d-\d\dT/)

    const api = await buildApp(t, { dataDir: dir })
    const ready = (await api.inject('/ready')).json()
    t.match(ready.catalogue, { count: 6, lastUpdate: '2026-09-05', release, source: base + route, version: 2 }, route)
    t.ok(Date.parse(ready.catalogue.importedAt) > Date.now() - 600_000, 'imported just now')
    await api.close()
  }
  t.ok(requests.some((r) => r.startsWith(`${repo}/releases/latest/download/`)) && requests.some((r) => r.startsWith(`${repo}/releases/download/2026-36/anime-offline-database.jsonl`)), 'the redirect was followed')
})

t.test('Last-Modified on every catalogue answer, and If-Modified-Since beside If-None-Match', async (t) => {
  const dir = tempDir(t)
  const api = await buildApp(t, { dataDir: dir, defaultCatalogue: writeAod(dir, [1, 2, 3].map((n) => aodRecord(n))) })
  const importedAt = api.catalogue.info().importedAt!
  const lastModified = new Date(importedAt).toUTCString()
  const second = (date: string, by: number) => new Date(Date.parse(date) + by * 1000).toUTCString()
  const urls = ['/anime/entry/1', '/anime/search?q=anime', '/anime/entry/1/details', '/anime/tags', '/anime/entry/1?format=api']
  for (const url of urls) {
    const res = await api.inject(url)
    t.equal(res.statusCode, 200, url)
    t.equal(res.headers['last-modified'], lastModified, `${url}: the import's time`)
    const conditional = async (headers: Record<string, string>) => api.inject({ url, headers })
    const same = await conditional({ 'if-modified-since': lastModified })
    t.equal(same.statusCode, 304, `${url}: If-Modified-Since the import`)
    t.equal(same.body, '')
    t.equal(same.headers['last-modified'], lastModified)
    t.equal(same.headers.etag, res.headers.etag)
    t.equal((await conditional({ 'if-modified-since': second(lastModified, 60) })).statusCode, 304, `${url}: a later date`)
    t.equal((await conditional({ 'if-modified-since': second(lastModified, -1) })).statusCode, 200, `${url}: a second before the import`)
    t.equal((await conditional({ 'if-modified-since': 'not a date' })).statusCode, 200, `${url}: not a date`)
    t.equal((await conditional({ 'if-modified-since': lastModified, 'if-none-match': 'W/"0-other"' })).statusCode, 200, `${url}: If-None-Match decides`)
    t.equal((await conditional({ 'if-modified-since': second(lastModified, -1), 'if-none-match': res.headers.etag as string })).statusCode, 304, `${url}: If-None-Match decides`)
  }
  // Every documented catalogue read (mapping lookups included, whichever exist): the same header.
  const document = await openapiDocument<{ paths: Record<string, Record<string, { security?: unknown[] }>> }>(api)
  const reads = Object.entries(document.paths)
    .filter(([url, operations]) => url.startsWith('/anime/') && url !== '/anime/random' && operations.get !== undefined && (operations.get.security?.length ?? 0) === 0)
    .map(([url]) => url.replace('{site}', 'anidb').replace(/\{\w+\}/g, '1'))
  t.ok(reads.length >= 5, reads.join(' '))
  for (const url of reads) {
    const res = await api.inject(url)
    t.equal(res.statusCode, 200, url)
    t.equal(res.headers['last-modified'], lastModified, url)
    t.equal((await api.inject({ url, headers: { 'if-modified-since': lastModified } })).statusCode, 304, url)
  }
  const missing = await api.inject('/anime/entry/999')
  t.equal(missing.statusCode, 404)
  t.equal(missing.headers['last-modified'], undefined, 'not on errors')
  t.equal((await api.inject({ url: '/anime/entry/999', headers: { 'if-modified-since': second(lastModified, 60) } })).statusCode, 304,
    'a conditional request is answered before the handler, as for If-None-Match: the catalogue has not changed')
  t.equal((await api.inject('/anime/random')).headers['last-modified'], undefined, 'random is not cacheable')

  // Two imports within one second still give two dates: a client holding the first revalidates to the second.
  const { importCatalogueFile } = await import('../../src/catalogue/import.js')
  await importCatalogueFile(dir, writeAod(dir, [aodRecord(1, { title: 'Renamed' })]))
  await importCatalogueFile(dir, writeAod(dir, [aodRecord(1, { title: 'Renamed again' })]))
  const after = await api.inject({ url: '/anime/entry/1', headers: { 'if-modified-since': lastModified } })
  t.equal(after.statusCode, 200, 'an import moves Last-Modified on')
  t.equal(after.json().title, 'Renamed again')
  t.ok(Date.parse(after.headers['last-modified'] as string) >= Date.parse(lastModified) + 2000, 'each import a later second')
  t.equal((await api.inject({ url: '/anime/entry/1', headers: { 'if-modified-since': after.headers['last-modified'] as string } })).statusCode, 304)
})

t.test('dead-entry lists: entries whose every source died are retired, dead URLs give up their ids, ids are never reused', async (t) => {
  const dir = tempDir(t)
  const first = capture({ DATA_DIR: dir })
  t.equal(await runCli(['catalogue', 'update', '--url', `${base}${repo}/releases/download/latest/anime-offline-database-minified.json.zst`], first.io), 0, first.err.join(' '))
  t.match(first.out.join('\n'), /dead-entry lists not used: anidb \(not published\), anilist \(not published\), animenewsnetwork \(not published\), kitsu \(not published\), myanimelist \(not published\)/)
  t.ok(requests.includes(`${repo}/releases/download/latest/dead-entries/myanimelist.json`), 'looked for beside the release')
  const titleOf = (id: number) => {
    const db = new Database(path.join(dir, 'catalogue.sqlite'), { readonly: true })
    try { return db.prepare('SELECT title, sources, active FROM anime WHERE id = ?').get(id) as { title: string, sources: string, active: number } | undefined } finally { db.close() }
  }
  t.equal(titleOf(6)?.title, 'Ünïcödé {braces} [brackets], commas', 'id 6: the single-source entry (MAL 99999)')

  const second = capture({ DATA_DIR: dir })
  t.equal(await runCli(['catalogue', 'update', '--url', `${base}/dead/releases/download/latest/anime-offline-database-minified.json.zst`], second.io), 0, second.err.join(' '))
  const out = second.out.join('\n')
  t.match(out, /dead-entry lists: anilist 1 ids, myanimelist 3 ids/)
  t.match(out, /dead-entry lists not used: anidb \(not read: not JSON: .*\), animenewsnetwork \(not published\), kitsu \(HTTP 500\)/)
  t.match(out, /0 added, 2 updated, 3 kept, 0 skipped, 1 removed; 5 entries served/)
  t.match(out, /1 records left out: their sites list every one of their sources as deleted/)
  t.match(out, /1 of the removed entries are gone because every source of theirs died/)
  t.equal(titleOf(6)?.active, 0, 'the entry whose only source died is retired')
  t.same(JSON.parse(titleOf(1)!.sources), ['https://anidb.net/anime/23', 'https://anilist.co/anime/1', 'https://kitsu.app/anime/1'], 'a dead source is left out; the entry keeps its id')
  t.equal(titleOf(3)?.title, 'Fullmetal Alchemist: Brotherhood', 'one dead source of two: kept')
  const accounts = new Database(path.join(dir, 'accounts.sqlite'), { readonly: true })
  t.teardown(() => accounts.close())
  t.same(accounts.prepare('SELECT url, anime_id, dead FROM catalogue_ids WHERE dead = 1 ORDER BY url').all(), [
    { url: 'https://anilist.co/anime/5114', anime_id: 3, dead: 1 },
    { url: 'https://myanimelist.net/anime/1', anime_id: 1, dead: 1 },
    { url: 'https://myanimelist.net/anime/99999', anime_id: 6, dead: 1 }
  ], 'the map keeps the URLs, marked dead')

  // The site gives number 99999 to another anime: a new id, never the retired 6.
  const third = capture({ DATA_DIR: dir })
  t.equal(await runCli(['catalogue', 'update', '--url', `${base}/reused/releases/download/latest/anime-offline-database-minified.json.zst`], third.io), 0, third.err.join(' '))
  t.match(third.out.join('\n'), /1 added, 1 updated, 4 kept, 0 skipped, 0 removed; 6 entries served/)
  t.equal(titleOf(7)?.title, 'Another anime on a reused number')
  t.equal(titleOf(6)?.active, 0, 'id 6 stays retired')
  t.same(accounts.prepare("SELECT anime_id, dead FROM catalogue_ids WHERE url = 'https://myanimelist.net/anime/99999'").get(), { anime_id: 7, dead: 0 })
  t.equal(titleOf(3)?.title, 'Fullmetal Alchemist: Brotherhood')
  t.same(JSON.parse(titleOf(3)!.sources), ['https://anilist.co/anime/5114', 'https://myanimelist.net/anime/5114'], 'anilist 5114 listed dead no more: back in its entry')

  const off = capture({ DATA_DIR: dir, CATALOGUE_DEAD_ENTRIES_URL: 'off' })
  const before = requests.length
  t.equal(await runCli(['catalogue', 'update', '--force', '--url', `${base}/dead/releases/download/latest/anime-offline-database-minified.json.zst`], off.io), 0)
  t.notOk(requests.slice(before).some((r) => r.includes('dead-entries')), 'CATALOGUE_DEAD_ENTRIES_URL=off: not looked for')
  t.notMatch(off.out.join('\n'), /dead-entry lists/)
})
