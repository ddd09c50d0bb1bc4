// MyAnimeList import and export: POST /watchlists/:id/import, GET /watchlists/:id/export.
import t from 'tap'
import net, { type AddressInfo } from 'node:net'
import { once } from 'node:events'
import type { IncomingMessage } from 'node:http'
import { setTimeout as delay } from 'node:timers/promises'
import { gzipSync } from 'node:zlib'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { SaxesParser } from 'saxes'
import { importCatalogueFile } from '../../src/catalogue/import.js'
import { defaultConfig } from '../../src/config.js'
import { aodRecord, writeAod } from '../helpers/aod.js'
import { call, largeMalExport, makeList, malExport, putEntry, user, watchlistsApp, type Api, type Caller, type MalItem } from '../helpers/watchlists.js'
import { storedRows } from '../helpers/stored.js'

const MAL_MAX_BYTES = defaultConfig.malImportMaxBytes
// Files refused before anything is stored, and the bound on imports at once, are the
// reading's and the queue's, whichever store is behind them: run once, on SQLite.
const beforeTheStore = { skip: process.env.TEST_DATABASE_URL !== undefined && 'refused before the store is written: tested on SQLite' }

// Catalogue: anime n has MAL id 100000 + n (aodRecord's sources); anime 6 has no MAL source.
const catalogue = () => [
  aodRecord(1, { title: 'One', episodes: 12 }),
  aodRecord(2, { title: 'Two', episodes: 24 }),
  aodRecord(3, { title: 'Three', episodes: 1, type: 'MOVIE' }),
  aodRecord(4, { title: 'Four' }),
  aodRecord(5, { title: 'Five', episodes: 0, status: 'ONGOING' }),
  aodRecord(6, { title: 'Six', sources: ['https://anidb.net/anime/6'] })
]

function importRaw (app: Api, caller: Caller | null, listId: number, payload: string | Buffer, type = 'application/xml') {
  return call(app, 'POST', `/watchlists/${listId}/import`, caller, payload, { 'content-type': type })
}

function multipart (fields: Record<string, { filename?: string, data: Buffer | string }>) {
  const boundary = '----anime-api-test-boundary'
  const parts = Object.entries(fields).map(([name, { filename, data }]) => Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename === undefined ? '' : `; filename="${filename}"`}\r\n` +
      `${filename === undefined ? '' : 'Content-Type: application/octet-stream\r\n'}\r\n`),
    Buffer.isBuffer(data) ? data : Buffer.from(data),
    Buffer.from('\r\n')
  ]))
  return { payload: Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]), contentType: `multipart/form-data; boundary=${boundary}` }
}

const parser = new XMLParser({ parseTagValue: false, isArray: (name) => name === 'anime' })
const entriesOf = (text: string) => ((parser.parse(text) as { myanimelist: { anime?: Array<Record<string, string>> } }).myanimelist.anime ?? [])
  .map((a) => ({ id: a.series_animedb_id, status: a.my_status, score: a.my_score, episodes: a.my_watched_episodes, comments: a.my_comments }))

async function listEntries (app: Api, caller: Caller, listId: number) {
  const res = await call(app, 'GET', `/watchlists/${listId}/anime?ordering=title`, caller)
  return res.json().results.map((e: Record<string, unknown>) => ({ id: e.anime_id, status: e.status, rating: e.rating, episodes: e.episodes_watched, note: e.note }))
}

t.test('import: matches MAL ids through the catalogue\'s source URLs, adds, updates, reports the unmatched', async (t) => {
  const app = await watchlistsApp(t, catalogue())
  const alice = await user(app, 'alice')
  const list = await makeList(app, alice)
  await putEntry(app, alice, list.id, 2, { status: 'watching', episodes_watched: 3, note: 'keep me' })
  const file = malExport([
    { id: 100001, status: 'Completed', score: 9, episodes: 12, comments: 'loved it' },
    { id: 100002, status: 'Completed', score: 0, episodes: 24 },
    { id: 100003, status: 'On-Hold', score: 4, episodes: 99 },
    { id: 100004, status: 'Dropped', score: 2, episodes: 1 },
    { id: 100005, status: 'Plan to Watch', episodes: 7 },
    { id: 5114, status: 'Completed', score: 10 },
    { id: 9253, status: 'Watching' },
    { id: 5114, status: 'Completed', score: 10 }
  ])
  const res = await importRaw(app, alice, list.id, file)
  t.equal(res.statusCode, 200)
  t.equal(res.body, '{"added":4,"updated":1,"unmatched":2,"unmatched_ids":[5114,9253],"rejected":[]}')
  t.same(await listEntries(app, alice, list.id), [
    { id: 5, status: 'planned', rating: null, episodes: 7, note: '' },
    { id: 4, status: 'dropped', rating: 2, episodes: 1, note: '' },
    { id: 1, status: 'completed', rating: 9, episodes: 12, note: 'loved it' },
    { id: 3, status: 'paused', rating: 4, episodes: 1, note: '' },
    { id: 2, status: 'completed', rating: null, episodes: 24, note: 'keep me' }
  ], 'statuses mapped, score 0 is no rating, episodes capped at the anime\'s count (unknown count: as given), notes kept when the file has none')

  const again = await importRaw(app, alice, list.id, file, 'text/xml; charset=utf-8')
  t.same(again.json(), { added: 0, updated: 5, unmatched: 2, unmatched_ids: [5114, 9253], rejected: [] }, 'importing again updates')
  const numeric = malExport([{ id: 100006 }, { id: 100001, status: '2' }])
  t.same((await importRaw(app, alice, list.id, numeric)).json(), { added: 0, updated: 1, unmatched: 1, unmatched_ids: [100006], rejected: [] },
    'numeric statuses of old exports; an anime without a MAL source is unmatched')
})

t.test('import: gzip (as MAL serves it), raw or multipart', async (t) => {
  const app = await watchlistsApp(t, catalogue())
  const alice = await user(app, 'alice')
  const file = malExport([{ id: 100001, status: 'Completed', score: 8 }, { id: 100002, status: 'Watching', episodes: 2 }])
  const gz = gzipSync(file)
  for (const type of ['application/gzip', 'application/x-gzip', 'application/xml']) {
    const list = await makeList(app, alice, `gz ${type}`)
    const res = await importRaw(app, alice, list.id, gz, type)
    t.equal(res.statusCode, 200, type)
    t.same(res.json(), { added: 2, updated: 0, unmatched: 0, unmatched_ids: [], rejected: [] }, `${type}: gzip recognised by its bytes`)
  }
  for (const [name, data] of [['animelist.xml', file], ['animelist.xml.gz', gz]] as const) {
    const list = await makeList(app, alice, `multipart ${name}`)
    const { payload, contentType } = multipart({ file: { filename: name, data } })
    const res = await call(app, 'POST', `/watchlists/${list.id}/import`, alice, payload, { 'content-type': contentType })
    t.equal(res.statusCode, 200, name)
    t.same(res.json(), { added: 2, updated: 0, unmatched: 0, unmatched_ids: [], rejected: [] }, `multipart ${name}`)
    t.same(await listEntries(app, alice, list.id), [
      { id: 1, status: 'completed', rating: 8, episodes: 0, note: '' },
      { id: 2, status: 'watching', rating: null, episodes: 2, note: '' }
    ])
  }
  const list = await makeList(app, alice, 'errors')
  const noFile = multipart({ other: { data: 'x' } })
  const missing = await call(app, 'POST', `/watchlists/${list.id}/import`, alice, noFile.payload, { 'content-type': noFile.contentType })
  t.equal(missing.statusCode, 400)
  t.same(missing.json(), { file: ['No file was submitted.'] })
  const json = await call(app, 'POST', `/watchlists/${list.id}/import`, alice, { file: 'x' })
  t.equal(json.statusCode, 415)
  t.same(json.json(), { detail: 'Unsupported media type "application/json" in request.' })
  const plain = await importRaw(app, alice, list.id, file, 'text/plain')
  t.equal(plain.statusCode, 415)
  t.equal((await call(app, 'POST', '/watchlists', alice, '<x/>', { 'content-type': 'application/xml' })).statusCode, 415, 'XML bodies are for the import only')
})

t.test('import: malformed XML or a wrong root is a clear 400, too large a file or too many entries 413, and nothing is imported', beforeTheStore, async (t) => {
  const app = await watchlistsApp(t, catalogue(), { malImportMaxEntries: 3 })
  const alice = await user(app, 'alice')
  const list = await makeList(app, alice)
  const good = { id: 100001, status: 'Completed', score: 9 }
  const cases: Array<[string, string | Buffer, number, RegExp]> = [
    ['not XML', 'hello', 400, /^Malformed XML: /],
    ['unclosed', '<myanimelist><anime><series_animedb_id>100001</series_animedb_id></anime>', 400, /^Malformed XML: .*\(line 1\)\.$/],
    ['empty', '', 400, /^Malformed XML: /],
    ['another root', malExport([good], 'animelist'), 400, /^Not a MyAnimeList export: the root element is <animelist>, expected <myanimelist>\.$/],
    ['broken gzip', Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('garbage')]), 400, /^The file is not valid gzip: /],
    ['zip bomb', gzipSync(Buffer.alloc(MAL_MAX_BYTES + 1, 0x20)), 413, /^The file is larger than 16777216 bytes once decompressed\.$/],
    ['four entries', malExport([1, 2, 3, 4].map((n) => ({ id: 100000 + n }))), 413, /^The file has more than 3 entries; nothing was imported\.$/],
    ['four entries, gzip', gzipSync(malExport([1, 2, 3, 4].map((n) => ({ id: 100000 + n })))), 413, /^The file has more than 3 entries; nothing was imported\.$/]
  ]
  for (const [name, payload, status, detail] of cases) {
    const res = await importRaw(app, alice, list.id, payload)
    t.equal(res.statusCode, status, name)
    t.match(res.json(), { detail }, name)
    t.same(Object.keys(res.json()), ['detail'], name)
  }
  t.equal((await importRaw(app, alice, list.id, malExport([1, 2, 3].map((n) => ({ id: 100000 + n }))))).statusCode, 200, 'three entries: the limit')
  const big = Buffer.alloc(MAL_MAX_BYTES + 1, 0x20)
  const tooBig = await importRaw(app, alice, list.id, big)
  t.equal(tooBig.statusCode, 413, 'raw body over the limit')
  t.same(tooBig.json(), { detail: 'The file is larger than 16777216 bytes.' })
  const { payload, contentType } = multipart({ file: { filename: 'big.xml', data: big } })
  const tooBigPart = await call(app, 'POST', `/watchlists/${list.id}/import`, alice, payload, { 'content-type': contentType })
  t.equal(tooBigPart.statusCode, 413, 'multipart file over the limit')
  t.same(tooBigPart.json(), { detail: 'The file is larger than 16777216 bytes.' })
  t.equal((await call(app, 'GET', `/watchlists/${list.id}`, alice)).json().count, 3, 'nothing of the refused files')

  const small = await watchlistsApp(t, catalogue(), { malImportMaxBytes: 4096 })
  const bob = await user(small, 'bob')
  const bobs = await makeList(small, bob)
  const res = await importRaw(small, bob, bobs.id, gzipSync(malExport([good], 'myanimelist') + ' '.repeat(4096)))
  t.equal(res.statusCode, 413, 'MAL_IMPORT_MAX_BYTES: the decompressed size')
  t.same(res.json(), { detail: 'The file is larger than 4096 bytes once decompressed.' })
})

t.test('import: the owner only; 401 and 404 before the file is read', async (t) => {
  const app = await watchlistsApp(t, catalogue())
  const alice = await user(app, 'alice')
  const bob = await user(app, 'bob')
  const open = await makeList(app, alice, 'Open', true)
  const closed = await makeList(app, alice, 'Closed')
  const file = malExport([{ id: 100001 }])
  t.equal((await importRaw(app, null, open.id, file)).statusCode, 401)
  t.equal((await importRaw(app, bob, open.id, file)).statusCode, 403)
  t.equal((await importRaw(app, bob, closed.id, file)).statusCode, 404)
  t.equal((await importRaw(app, bob, closed.id, 'not even xml')).statusCode, 404, 'access before parsing')
  t.equal((await importRaw(app, alice, 999, file)).statusCode, 404)
})

t.test('export: MAL\'s format, readable like the list; entries without a MAL id are named in a comment', async (t) => {
  const app = await watchlistsApp(t, catalogue())
  const alice = await user(app, 'alice')
  const bob = await user(app, 'bob')
  const list = await makeList(app, alice, 'Shared & <odd> ]]> name', true)
  await putEntry(app, alice, list.id, 1, { status: 'completed', rating: 10, episodes_watched: 12, note: 'a & b <c> ]]> d' })
  await putEntry(app, alice, list.id, 3, { status: 'paused' })
  await putEntry(app, alice, list.id, 6, { status: 'watching' })
  const res = await call(app, 'GET', `/watchlists/${list.id}/export`)
  t.equal(res.statusCode, 200, 'a public list: anyone')
  t.match(res.headers['content-type'], /^application\/xml/)
  t.equal(res.headers['content-disposition'], `attachment; filename="watchlist-${list.id}.xml"`)
  t.ok(res.body.startsWith('<?xml version="1.0" encoding="UTF-8" ?>\n<myanimelist>'))
  t.match(res.body, /<!-- 1 entries have no MyAnimeList id and are left out: anime ids 6 -->/)
  t.same(entriesOf(res.body), [
    { id: '100001', status: 'Completed', score: '10', episodes: '12', comments: 'a & b <c> ]]> d' },
    { id: '100003', status: 'On-Hold', score: '0', episodes: '0', comments: '' }
  ])
  const info = (parser.parse(res.body) as { myanimelist: { myinfo: Record<string, string> } }).myanimelist.myinfo
  t.match(info, { user_name: 'alice', user_total_anime: '2', user_total_completed: '1', user_total_onhold: '1' })
  t.match(res.body, /<series_type>Movie<\/series_type>/)
  t.match(res.body, /<my_comments>a &amp; b &lt;c&gt; \]\]&gt; d<\/my_comments>/, 'text escaped, on one line')

  await call(app, 'PATCH', `/watchlists/${list.id}`, alice, { public: false })
  t.equal((await call(app, 'GET', `/watchlists/${list.id}/export`)).statusCode, 404, 'private: not for others')
  t.equal((await call(app, 'GET', `/watchlists/${list.id}/export`, bob)).statusCode, 404)
  t.equal((await call(app, 'GET', `/watchlists/${list.id}/export`, alice)).statusCode, 200, 'the owner')
})

t.test('round trip: import a MAL export, export the list, import that into a new list: the same entries', async (t) => {
  const app = await watchlistsApp(t, catalogue())
  const alice = await user(app, 'alice')
  const items = [
    { id: 100001, status: 'Completed', score: 9, episodes: 12, comments: 'Great, "really" <great> & more' },
    { id: 100002, status: 'Watching', score: 7, episodes: 10 },
    { id: 100003, status: 'On-Hold', score: 0, episodes: 0 },
    { id: 100004, status: 'Dropped', score: 3, episodes: 2, comments: 'meh' },
    { id: 100005, status: 'Plan to Watch', score: 0, episodes: 0 }
  ]
  const original = malExport(items)
  const first = await makeList(app, alice, 'First')
  t.same((await importRaw(app, alice, first.id, original)).json(), { added: 5, updated: 0, unmatched: 0, unmatched_ids: [], rejected: [] })
  const exported = (await call(app, 'GET', `/watchlists/${first.id}/export`, alice)).body
  const sorted = (entries: ReturnType<typeof entriesOf>) => [...entries].sort((a, b) => String(a.id).localeCompare(String(b.id)))
  t.same(sorted(entriesOf(exported)), sorted(entriesOf(original)), 'the export carries what the file had')
  const second = await makeList(app, alice, 'Second')
  t.same((await importRaw(app, alice, second.id, gzipSync(exported), 'application/gzip')).json(), { added: 5, updated: 0, unmatched: 0, unmatched_ids: [], rejected: [] })
  t.same(await listEntries(app, alice, second.id), await listEntries(app, alice, first.id), 'the same list again')
})

t.test('export: an anime gone from the catalogue keeps its MAL id and last title', async (t) => {
  const app = await watchlistsApp(t, catalogue())
  const alice = await user(app, 'alice')
  const list = await makeList(app, alice)
  await putEntry(app, alice, list.id, 2, { status: 'completed', rating: 8 })
  await importCatalogueFile(app.dataDir, writeAod(app.dataDir, catalogue().filter((r) => r.title !== 'Two')))
  const res = await call(app, 'GET', `/watchlists/${list.id}/export`, alice)
  t.same(entriesOf(res.body), [{ id: '100002', status: 'Completed', score: '8', episodes: '0', comments: '' }])
  t.match(res.body, /<series_title>Two<\/series_title>/)
  const reimport = await importRaw(app, alice, list.id, res.body)
  t.same(reimport.json(), { added: 0, updated: 0, unmatched: 1, unmatched_ids: [100002], rejected: [] }, 'it no longer matches a served anime')
})

// XML 1.0's Char production: what a conforming parser accepts in a document.
const xmlChar = /^[\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]*$/u

/** The export as a strict, conforming XML 1.0 parser (saxes) reads it: the errors it reports and the text of every my_comments. */
function strictRead (xml: string): { errors: string[], comments: string[] } {
  const parser = new SaxesParser({ xmlns: false })
  const errors: string[] = []
  const comments: string[] = []
  let inComments = false
  parser.on('error', (error) => { errors.push(error.message) })
  parser.on('opentag', (tag) => { if (tag.name === 'my_comments') { inComments = true; comments.push('') } })
  parser.on('closetag', (tag) => { if (tag.name === 'my_comments') inComments = false })
  parser.on('text', (text) => { if (inComments) comments[comments.length - 1] += text })
  parser.on('cdata', (text) => { if (inComments) comments[comments.length - 1] += text })
  parser.write(xml).close()
  return { errors, comments }
}

t.test('export: only characters XML 1.0 allows, whatever the notes and titles hold', async (t) => {
  const app = await watchlistsApp(t, [...catalogue(), aodRecord(7, { title: 'Seven\u0001\u0008\u001f\ufffe' })])
  const alice = await user(app, 'alice')
  const list = await makeList(app, alice)
  // What PUT takes (it refuses only NUL and lone surrogates) and XML 1.0 does not.
  await putEntry(app, alice, list.id, 1, { note: 'bell\u0007 tab\t vt\u000b ff\u000c esc\u001b nonchar\ufffe\uffff end' })
  await putEntry(app, alice, list.id, 7, { note: 'title with controls' })
  // What the import stored before it validated notes (NUL among them; PostgreSQL cannot store NUL at all).
  const stored = `nul\u0000 lone\ud800 \udc00 x\u0001`.replace(app.config.databaseUrl === null ? '' : '\u0000', '')
  await app.watchlists.repository.putEntry(list.id, 2, { note: stored }, app.clock.now(), 10_000)
  const res = await call(app, 'GET', `/watchlists/${list.id}/export`, alice)
  t.equal(res.statusCode, 200)
  t.match(res.body, xmlChar, 'every character is one XML 1.0 allows')
  t.equal(XMLValidator.validate(res.body), true, 'fast-xml-parser validates it')
  const strict = strictRead(res.body)
  t.same(strict.errors, [], 'a conforming XML 1.0 parser (saxes) reads it without an error')
  t.equal(strict.comments.length, 3)
  t.equal(strict.comments[0], 'bell\ufffd tab\t vt\ufffd ff\ufffd esc\ufffd nonchar\ufffd\ufffd end', 'disallowed characters become U+FFFD; tab stays')
  // eslint-disable-next-line no-control-regex -- control characters are what this looks for
  t.notMatch(strict.comments[1], /[\u0000\u0001\ud800-\udfff]/u, 'NUL, control characters and lone surrogates of stored notes are gone')
  t.match(res.body, /<series_title>Seven\ufffd\ufffd\ufffd\ufffd<\/series_title>/, 'titles too')
  const reimport = await importRaw(app, alice, (await makeList(app, alice, 'Again')).id, res.body)
  t.equal(reimport.statusCode, 200, 'the export imports again')
})

t.test('import: every entry is validated as PUT validates the same fields; rejected entries are reported, not stored', async (t) => {
  const app = await watchlistsApp(t, catalogue())
  const alice = await user(app, 'alice')
  const list = await makeList(app, alice)
  await putEntry(app, alice, list.id, 2, { status: 'watching', note: 'kept' })
  // Each bad value, the file's tag it sits in, and the PUT body field that takes the same value.
  const bad: Array<{ item: MalItem, tag: string, body: Record<string, unknown> }> = [
    { item: { id: 100002, comments: 'x'.repeat(2001) }, tag: 'my_comments', body: { note: 'x'.repeat(2001) } },
    { item: { id: 100003, comments: 'a\u0000b' }, tag: 'my_comments', body: { note: 'a\u0000b' } },
    // The attack's 3 MiB note; PUT's body limit stops a note that long before validation, so PUT gets a shorter one.
    { item: { id: 100004, comments: 'y'.repeat(3 << 20) }, tag: 'my_comments', body: { note: 'y'.repeat(500_000) } },
    { item: { id: 100005, score: 11 }, tag: 'my_score', body: { rating: 11 } },
    { item: { id: 100005, score: '-2' }, tag: 'my_score', body: { rating: '-2' } },
    { item: { id: 100005, status: 'Finished' }, tag: 'my_status', body: { status: 'Finished' } },
    { item: { id: 100005, episodes: 'twelve' }, tag: 'my_watched_episodes', body: { episodes_watched: 'twelve' } },
    { item: { id: 100005, episodes: '1e300' }, tag: 'my_watched_episodes', body: { episodes_watched: '1e300' } }
  ]
  const file = malExport([
    { id: 100001, status: 'Completed', score: 9, episodes: 12, comments: '  fine  ' },
    ...bad.map((b) => b.item),
    { id: 'abc' },
    { id: 100006, status: 'Watching' }
  ]).replace('<series_animedb_id>100006</series_animedb_id>', '')
  const res = await importRaw(app, alice, list.id, file)
  t.equal(res.statusCode, 200, res.body.slice(0, 500))
  const reply = res.json()
  t.same(Object.keys(reply), ['added', 'updated', 'unmatched', 'unmatched_ids', 'rejected'])
  t.match(reply, { added: 1, updated: 0, unmatched: 0, unmatched_ids: [] }, 'only the good entry is imported')
  t.equal(reply.rejected.length, bad.length + 2, 'every bad entry is reported')
  for (const [i, { item, tag, body }] of bad.entries()) {
    const put = await call(app, 'PUT', `/watchlists/${list.id}/anime/5`, alice, body)
    t.equal(put.statusCode, 400, `PUT refuses ${JSON.stringify(body).slice(0, 40)}`)
    const [field] = Object.keys(body)
    t.same(reply.rejected[i], { entry: i + 2, mal_id: item.id, errors: { [tag]: put.json()[field!] } },
      `entry ${i + 2}: the import's messages are PUT's for the same value (${field})`)
  }
  t.same(reply.rejected.slice(-2), [
    { entry: bad.length + 2, mal_id: null, errors: { series_animedb_id: ['A valid integer is required.'] } },
    { entry: bad.length + 3, mal_id: null, errors: { series_animedb_id: ['This field is required.'] } }
  ])
  t.same(await listEntries(app, alice, list.id), [
    { id: 1, status: 'completed', rating: 9, episodes: 12, note: 'fine' },
    { id: 2, status: 'watching', rating: null, episodes: 0, note: 'kept' }
  ], 'nothing of a rejected entry is stored; the note is trimmed as PUT trims it')
  const notes = storedRows<{ note: string }>(app.dataDir, 'SELECT note FROM watchlist_entries').map((row) => row.note)
  t.same(notes.filter((note) => note.length > 2000 || note.includes('\u0000')), [], 'no long note, no NUL stored')
})

t.test('lists per user are capped (WATCHLISTS_PER_USER), also when created at once', async (t) => {
  const app = await watchlistsApp(t, catalogue())
  t.equal(app.config.watchlistsPerUser, 100, 'default 100')
  const capped = await watchlistsApp(t, catalogue(), { watchlistsPerUser: 3 })
  const alice = await user(capped, 'alice')
  for (const name of ['a', 'b', 'c']) await makeList(capped, alice, name)
  const fourth = await call(capped, 'POST', '/watchlists', alice, { name: 'd' })
  t.equal(fourth.statusCode, 400)
  t.same(fourth.json(), { detail: 'You have 3 lists, the most one user may have. Delete one to make another.' })
  const lists = (await call(capped, 'GET', '/watchlists', alice)).json()
  t.equal(lists.count, 3, 'no fourth list')
  await call(capped, 'DELETE', `/watchlists/${lists.results[0].id}`, alice)
  t.equal((await call(capped, 'POST', '/watchlists', alice, { name: 'd' })).statusCode, 201, 'room again after a delete')
  const bob = await user(capped, 'bob')
  const burst = await Promise.all(Array.from({ length: 12 }, (_, i) => call(capped, 'POST', '/watchlists', bob, { name: `burst ${i}` })))
  t.same(burst.map((r) => r.statusCode).sort(), [201, 201, 201, ...Array(9).fill(400)], 'twelve at once: three made')
  t.equal((await call(capped, 'GET', '/watchlists', bob)).json().count, 3)
})

t.test('import: cancelled when the request\'s time is up while the file is read; nothing is imported', async (t) => {
  const app = await watchlistsApp(t, catalogue(), { requestTimeoutMs: 300 })
  const alice = await user(app, 'alice')
  const list = await makeList(app, alice)
  const big = gzipSync(largeMalExport(MAL_MAX_BYTES, 20_000, 5))
  const res = await importRaw(app, alice, list.id, big, 'application/gzip')
  t.equal(res.statusCode, 503)
  t.same(res.json(), { detail: 'The import took longer than 300 ms and was cancelled; nothing was imported.' })
  t.equal((await call(app, 'GET', `/watchlists/${list.id}`, alice)).json().count, 0, 'nothing imported')
  t.equal((await call(app, 'GET', '/health')).statusCode, 200)
})

t.test('import: at most MAL_IMPORT_MAX_PENDING at once; more are 503 with Retry-After before the file is read', beforeTheStore, async (t) => {
  const app = await watchlistsApp(t, catalogue(), { malImportMaxPending: 1 })
  const alice = await user(app, 'alice')
  const list = await makeList(app, alice)
  const file = gzipSync(largeMalExport(2 << 20, 2000, 5))
  const both = await Promise.all([importRaw(app, alice, list.id, file, 'application/gzip'), importRaw(app, alice, list.id, file, 'application/gzip')])
  t.same(both.map((r) => r.statusCode).sort(), [200, 503], 'one runs, one is turned away')
  const refused = both.find((r) => r.statusCode === 503)!
  t.same(refused.json(), { detail: '1 imports are in progress; try again in a few seconds.' })
  t.equal(refused.headers['retry-after'], '5')
  t.equal((await importRaw(app, alice, list.id, file, 'application/gzip')).statusCode, 200, 'the place is free again once answered')
  const bad = await importRaw(app, alice, list.id, 'not xml')
  t.equal(bad.statusCode, 400)
  t.equal((await importRaw(app, alice, list.id, file, 'application/gzip')).statusCode, 200, 'and after an error')
})

t.test('import: a client that goes away while its file is read cancels the import', async (t) => {
  const app = await watchlistsApp(t, catalogue())
  const alice = await user(app, 'alice')
  const list = await makeList(app, alice)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo
  const big = gzipSync(largeMalExport(MAL_MAX_BYTES, 20_000, 5))
  // The server has the whole upload (its request's body ended) before the client goes away.
  const received = new Promise<void>((resolve) => {
    app.server.on('request', (request: IncomingMessage) => { if (request.url?.endsWith('/import') === true) request.once('end', resolve) })
  })
  const socket = net.connect(port, '127.0.0.1')
  await once(socket, 'connect')
  socket.write(`POST /watchlists/${list.id}/import HTTP/1.1\r\nHost: x\r\nAuthorization: Token ${alice.token}\r\n` +
    `Content-Type: application/gzip\r\nContent-Length: ${big.length}\r\n\r\n`)
  socket.write(big)
  await received
  // The file is being read: a file this size takes most of a second even on a quiet machine,
  // where a wait of a whole second let the import finish first.
  await delay(100)
  socket.destroy()
  // Imports run one at a time: had the first not stopped, it would be written before this one runs.
  const small = await importRaw(app, alice, list.id, malExport([{ id: 100003, status: 'Watching' }]))
  t.equal(small.statusCode, 200)
  t.same((await listEntries(app, alice, list.id)).map((e: { id: number }) => e.id), [3], 'only the second file\'s entry')
})
