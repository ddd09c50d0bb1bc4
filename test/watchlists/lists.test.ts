// Watchlists: lists, entries, who may see and change them, limits and errors.
import t from 'tap'
import { importCatalogueFile } from '../../src/catalogue/import.js'
import { MAX_LIST_ENTRIES } from '../../src/watchlists/service.js'
import { aodRecord, writeAod } from '../helpers/aod.js'
import { call, makeList, malExport, putEntry, user, watchlistsApp } from '../helpers/watchlists.js'
import { storedRows } from '../helpers/stored.js'

const listKeys = ['id', 'name', 'public', 'owner', 'count', 'created', 'updated']
const entryKeys = ['anime_id', 'title', 'gone', 'anime', 'status', 'rating', 'episodes_watched', 'note', 'added', 'updated']

t.test('POST /watchlists makes a list; GET /watchlists pages through the caller\'s lists', async (t) => {
  const app = await watchlistsApp(t)
  const alice = await user(app, 'alice')
  const bob = await user(app, 'bob')
  const made = await call(app, 'POST', '/watchlists', alice, { name: '  Favourites ', public: true })
  t.equal(made.statusCode, 201)
  t.same(Object.keys(made.json()), listKeys)
  t.match(made.json(), { name: 'Favourites', public: true, owner: 'alice', count: 0, created: '2021-01-06T17:46:41.006000Z' })
  const privateByDefault = await call(app, 'POST', '/watchlists', alice, { name: 'Later' })
  t.equal(privateByDefault.json().public, false, 'private unless asked')
  await makeList(app, bob, 'Bob\'s')

  const mine = await call(app, 'GET', '/watchlists', alice)
  t.equal(mine.statusCode, 200)
  t.same(mine.json().results.map((l: { name: string }) => l.name), ['Favourites', 'Later'], 'only the caller\'s, by name')
  t.match(mine.json(), { count: 2, next: null, previous: null })

  // Pages: 25 lists, 20 a page; page past the end is 404 Invalid page.
  for (let i = 0; i < 23; i++) await makeList(app, alice, `List ${String(i).padStart(2, '0')}`)
  const first = await call(app, 'GET', '/watchlists', alice)
  t.equal(first.json().count, 25)
  t.equal(first.json().results.length, 20)
  t.equal(first.json().next, 'http://localhost:80/watchlists?page=2')
  const second = await call(app, 'GET', '/watchlists?page=2&page_size=20', alice)
  t.equal(second.json().results.length, 5)
  t.equal(second.json().previous, 'http://localhost:80/watchlists?page_size=20')
  t.equal((await call(app, 'GET', '/watchlists?page_size=5&page=5', alice)).json().results.length, 5)
  t.same((await call(app, 'GET', '/watchlists?page=3', alice)).json(), { detail: 'Invalid page.' })
  t.equal((await call(app, 'GET', '/watchlists?page=3', alice)).statusCode, 404)
  t.same((await call(app, 'GET', '/watchlists?page_size=101', alice)).json(), { page_size: ['Ensure this value is less than or equal to 100.'] })
  t.equal((await call(app, 'GET', '/watchlists/', alice)).statusCode, 404, 'no trailing slash')
})

t.test('every list endpoint that needs a token answers the old service\'s 401s', async (t) => {
  const app = await watchlistsApp(t)
  const alice = await user(app, 'alice')
  const list = await makeList(app, alice, 'Mine', true)
  const writes: Array<['GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT', string]> = [
    ['GET', '/watchlists'], ['POST', '/watchlists'], ['PATCH', `/watchlists/${list.id}`], ['DELETE', `/watchlists/${list.id}`],
    ['PUT', `/watchlists/${list.id}/anime/1`], ['DELETE', `/watchlists/${list.id}/anime/1`], ['POST', `/watchlists/${list.id}/import`]
  ]
  for (const [method, url] of writes) {
    const none = await call(app, method, url, null, { name: 'x' })
    t.equal(none.statusCode, 401, `${method} ${url}`)
    t.same(none.json(), { detail: 'Authentication credentials were not provided.' })
    t.equal(none.headers['www-authenticate'], 'Token')
    const bad = await call(app, method, url, null, { name: 'x' }, { authorization: `Token ${'0'.repeat(64)}` })
    t.same(bad.json(), { detail: 'Invalid token.' }, `${method} ${url} bad token`)
    t.same((await call(app, method, url, null, {}, { authorization: 'Token' })).json(), { detail: 'Invalid token header. No credentials provided.' })
  }
})

t.test('names: 1 to 64 characters, unique per user without regard to case', async (t) => {
  const app = await watchlistsApp(t)
  const alice = await user(app, 'alice')
  const bob = await user(app, 'bob')
  await makeList(app, alice, 'Favourites')
  const duplicate = await call(app, 'POST', '/watchlists', alice, { name: 'FAVOURITES' })
  t.equal(duplicate.statusCode, 400)
  t.same(duplicate.json(), { name: ['You already have a list with that name.'] })
  t.equal((await call(app, 'POST', '/watchlists', bob, { name: 'favourites' })).statusCode, 201, 'another user may use the name')
  t.same((await call(app, 'POST', '/watchlists', alice, {})).json(), { name: ['This field is required.'] })
  t.same((await call(app, 'POST', '/watchlists', alice, { name: '   ' })).json(), { name: ['This field may not be blank.'] })
  t.same((await call(app, 'POST', '/watchlists', alice, { name: 'x'.repeat(65) })).json(), { name: ['Ensure this field has no more than 64 characters.'] })
  t.equal((await call(app, 'POST', '/watchlists', alice, { name: 'x'.repeat(64) })).statusCode, 201)
  t.same((await call(app, 'POST', '/watchlists', alice, { name: null, public: 'maybe' })).json(),
    { name: ['This field may not be null.'], public: ['Must be a valid boolean.'] }, 'every field at once, in field order')
  const form = await app.inject({ method: 'POST', url: '/watchlists', headers: { ...alice.headers, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'name=Form&public=true' })
  t.equal(form.statusCode, 201, 'form bodies work')
  t.equal(form.json().public, true)
  t.same((await call(app, 'POST', '/watchlists', alice, [1])).json(), { non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] })

  const other = await makeList(app, alice, 'Other')
  const rename = await call(app, 'PATCH', `/watchlists/${other.id}`, alice, { name: 'favourites' })
  t.same(rename.json(), { name: ['You already have a list with that name.'] }, 'renaming onto a taken name')
  const recase = await call(app, 'PATCH', `/watchlists/${other.id}`, alice, { name: 'OTHER' })
  t.equal(recase.statusCode, 200, 'a list may change the case of its own name')
  t.equal(recase.json().name, 'OTHER')
})

t.test('GET/PATCH/DELETE /watchlists/:id: public lists are readable by anyone, private ones only by their owner, writes are the owner\'s', async (t) => {
  const app = await watchlistsApp(t)
  const alice = await user(app, 'alice')
  const bob = await user(app, 'bob')
  const open = await makeList(app, alice, 'Open', true)
  const closed = await makeList(app, alice, 'Closed', false)
  await putEntry(app, alice, open.id, 1, { status: 'completed', rating: 8 })

  const anonymous = await call(app, 'GET', `/watchlists/${open.id}`)
  t.equal(anonymous.statusCode, 200)
  t.match(anonymous.json(), { name: 'Open', owner: 'alice', count: 1 })
  t.notOk(anonymous.body.includes('alice@test.com'), 'never the email')
  t.equal((await call(app, 'GET', `/watchlists/${open.id}/anime`)).statusCode, 200, 'entries of a public list too')
  t.equal((await call(app, 'GET', `/watchlists/${open.id}`, null, undefined, { authorization: 'Token nonsense' })).statusCode, 200,
    'an invalid token on a public read is an anonymous request')

  for (const [who, caller] of [['anonymous', null], ['bob', bob]] as const) {
    for (const url of [`/watchlists/${closed.id}`, `/watchlists/${closed.id}/anime`, `/watchlists/${closed.id}/export`]) {
      const res = await call(app, 'GET', url, caller)
      t.equal(res.statusCode, 404, `${who}: ${url}`)
      t.same(res.json(), { detail: 'Not found.' })
    }
  }
  t.equal((await call(app, 'GET', `/watchlists/${closed.id}`, alice)).statusCode, 200, 'the owner sees the private list')
  t.equal((await call(app, 'GET', `/watchlists/${closed.id}`, null, undefined, { authorization: `Token ${alice.token}` })).json().name, 'Closed')

  // Someone else's private list: 404 for writes too, the same as a list that does not exist.
  for (const [method, url] of [['PATCH', `/watchlists/${closed.id}`], ['DELETE', `/watchlists/${closed.id}`], ['PUT', `/watchlists/${closed.id}/anime/1`],
    ['DELETE', `/watchlists/${closed.id}/anime/1`], ['PATCH', '/watchlists/999'], ['PUT', '/watchlists/999/anime/1']] as const) {
    const res = await call(app, method, url, bob, { name: 'Mine now' })
    t.equal(res.statusCode, 404, `${method} ${url}`)
    t.same(res.json(), { detail: 'Not found.' })
  }
  // Someone else's public list: readable, so writing it is 403.
  for (const [method, url] of [['PATCH', `/watchlists/${open.id}`], ['DELETE', `/watchlists/${open.id}`], ['PUT', `/watchlists/${open.id}/anime/2`],
    ['DELETE', `/watchlists/${open.id}/anime/1`]] as const) {
    const res = await call(app, method, url, bob, { name: 'Mine now' })
    t.equal(res.statusCode, 403, `${method} ${url}`)
    t.same(res.json(), { detail: 'You do not have permission to perform this action.' })
  }
  t.equal((await call(app, 'PATCH', `/watchlists/${open.id}`, bob, { name: '' })).statusCode, 403, 'access is checked before the body')

  for (const bad of ['0', 'abc', '-1', '1.5', '99999999999999999999']) {
    t.equal((await call(app, 'GET', `/watchlists/${bad}`, alice)).statusCode, 404, `id ${bad}`)
  }

  const patched = await call(app, 'PATCH', `/watchlists/${closed.id}`, alice, { public: true })
  t.equal(patched.statusCode, 200)
  t.match(patched.json(), { name: 'Closed', public: true })
  t.equal((await call(app, 'GET', `/watchlists/${closed.id}`)).statusCode, 200, 'made public: now anyone reads it')
  const deleted = await call(app, 'DELETE', `/watchlists/${open.id}`, alice)
  t.equal(deleted.statusCode, 204)
  t.equal(deleted.body, '')
  t.equal((await call(app, 'GET', `/watchlists/${open.id}`, alice)).statusCode, 404)
  t.equal((await call(app, 'DELETE', `/watchlists/${open.id}`, alice)).statusCode, 404)
})

t.test('entries: add, update, validate, remove', async (t) => {
  const app = await watchlistsApp(t, [
    aodRecord(1, { episodes: 12 }),
    aodRecord(2, { episodes: 0, status: 'ONGOING' }),
    aodRecord(3)
  ])
  const alice = await user(app, 'alice')
  const list = await makeList(app, alice)
  const url = `/watchlists/${list.id}/anime`

  const added = await call(app, 'PUT', `${url}/1`, alice, {})
  t.equal(added.statusCode, 201, 'new entry: 201')
  t.same(Object.keys(added.json()), entryKeys)
  t.match(added.json(), { anime_id: 1, title: 'Anime 1', gone: false, status: 'planned', rating: null, episodes_watched: 0, note: '' })
  t.same(Object.keys(added.json().anime), ['id', 'title', 'source', 'anime_type', 'num_episodes', 'status', 'year', 'picture', 'tags'], 'the seed shape')

  app.clock.advance(1000)
  const updated = await call(app, 'PUT', `${url}/1`, alice, { status: 'watching', episodes_watched: 5, note: ' halfway ' })
  t.equal(updated.statusCode, 200, 'existing entry: 200')
  t.match(updated.json(), { status: 'watching', rating: null, episodes_watched: 5, note: 'halfway', added: '2021-01-06T17:46:41.006000Z', updated: '2021-01-06T17:46:42.006000Z' })
  const rated = await call(app, 'PUT', `${url}/1`, alice, { rating: 10 })
  t.match(rated.json(), { status: 'watching', rating: 10, episodes_watched: 5, note: 'halfway' }, 'fields not sent keep their value')
  t.equal((await call(app, 'PUT', `${url}/1`, alice, { rating: null })).json().rating, null, 'null clears the rating')

  const errors: Array<[Record<string, unknown>, Record<string, string[]>]> = [
    [{ rating: 0 }, { rating: ['Ensure this value is greater than or equal to 1.'] }],
    [{ rating: 11 }, { rating: ['Ensure this value is less than or equal to 10.'] }],
    [{ rating: 7.5 }, { rating: ['A valid integer is required.'] }],
    [{ rating: 'ten' }, { rating: ['A valid integer is required.'] }],
    [{ rating: true }, { rating: ['A valid integer is required.'] }],
    [{ status: 'finished' }, { status: ['"finished" is not a valid choice.'] }],
    [{ episodes_watched: -1 }, { episodes_watched: ['Ensure this value is greater than or equal to 0.'] }],
    [{ episodes_watched: 13 }, { episodes_watched: ['Ensure this value is less than or equal to 12.'] }],
    [{ episodes_watched: null }, { episodes_watched: ['This field may not be null.'] }],
    [{ note: 'x'.repeat(2001) }, { note: ['Ensure this field has no more than 2000 characters.'] }],
    [{ status: 'x', rating: 99, note: [] }, { status: ['"x" is not a valid choice.'], rating: ['Ensure this value is less than or equal to 10.'], note: ['Not a valid string.'] }]
  ]
  for (const [body, expected] of errors) {
    const res = await call(app, 'PUT', `${url}/1`, alice, body)
    t.equal(res.statusCode, 400, JSON.stringify(body))
    t.same(res.json(), expected, JSON.stringify(body))
  }
  t.equal((await call(app, 'PUT', `${url}/1`, alice, { rating: '7', episodes_watched: '12' })).json().rating, 7, 'numbers as text, as DRF')
  t.equal((await call(app, 'PUT', `${url}/2`, alice, { episodes_watched: 500 })).statusCode, 201, 'unknown episode count: no upper bound')

  const unknown = await call(app, 'PUT', `${url}/77`, alice, {})
  t.equal(unknown.statusCode, 400, 'an anime the catalogue does not have')
  t.same(unknown.json(), { anime_id: ['Invalid pk "77" - object does not exist.'] })
  t.equal((await call(app, 'PUT', `${url}/abc`, alice, {})).statusCode, 404, 'an id that is no id')
  t.equal((await call(app, 'PUT', `${url}/0`, alice, {})).statusCode, 404)

  t.equal((await call(app, 'DELETE', `${url}/1`, alice)).statusCode, 204)
  t.equal((await call(app, 'DELETE', `${url}/1`, alice)).statusCode, 404, 'not in the list')
  t.equal((await call(app, 'DELETE', `${url}/abc`, alice)).statusCode, 404)
  t.equal((await call(app, 'GET', `/watchlists/${list.id}`, alice)).json().count, 1)
})

t.test('GET /watchlists/:id/anime: filters by status, orders by added date, rating and title, pages', async (t) => {
  const titles = ['Naruto', 'bleach', 'Akira', 'Monster', 'Ghost in the Shell', 'Cowboy Bebop']
  const app = await watchlistsApp(t, titles.map((title, i) => aodRecord(i + 1, { title })))
  const alice = await user(app, 'alice')
  const list = await makeList(app, alice)
  const entries: Array<[number, string, number | null]> = [[1, 'completed', 7], [2, 'dropped', 3], [3, 'completed', 10], [4, 'watching', null], [5, 'planned', null], [6, 'completed', 9]]
  for (const [id, status, rating] of entries) {
    await putEntry(app, alice, list.id, id, { status, rating })
    app.clock.advance(1000)
  }
  const ids = async (query: string) => {
    const res = await call(app, 'GET', `/watchlists/${list.id}/anime${query}`, alice)
    t.equal(res.statusCode, 200, query)
    return res.json().results.map((e: { anime_id: number }) => e.anime_id)
  }
  t.same(await ids(''), [6, 5, 4, 3, 2, 1], 'newest first by default')
  t.same(await ids('?ordering=added'), [1, 2, 3, 4, 5, 6])
  t.same(await ids('?ordering=-rating'), [3, 6, 1, 2, 4, 5], 'unrated last')
  t.same(await ids('?ordering=rating'), [2, 1, 6, 3, 4, 5], 'unrated last either way')
  t.same(await ids('?ordering=title'), [3, 2, 6, 5, 4, 1], 'case-insensitive titles')
  t.same(await ids('?ordering=-title'), [1, 4, 5, 6, 2, 3])
  t.same(await ids('?status=completed'), [6, 3, 1])
  t.same(await ids('?status=completed,Watching&ordering=title'), [3, 6, 4, 1])
  t.same(await ids('?status=completed&ordering=title&page_size=2&page=2'), [1])
  const page = await call(app, 'GET', `/watchlists/${list.id}/anime?status=completed&ordering=title&page_size=2`, alice)
  t.match(page.json(), { count: 3, next: `http://localhost:80/watchlists/${list.id}/anime?ordering=title&page=2&page_size=2&status=completed`, previous: null })
  t.same((await call(app, 'GET', `/watchlists/${list.id}/anime?page=3&page_size=5`, alice)).json(), { detail: 'Invalid page.' })
  const bad = await call(app, 'GET', `/watchlists/${list.id}/anime?status=done&ordering=score`, alice)
  t.equal(bad.statusCode, 400)
  t.same(bad.json(), {
    status: ['Select a valid choice. done is not one of the available choices.'],
    ordering: ['Select a valid choice. score is not one of the available choices.']
  })
  const empty = await makeList(app, alice, 'Empty')
  t.same((await call(app, 'GET', `/watchlists/${empty.id}/anime`, alice)).json(), { count: 0, next: null, previous: null, results: [] })
})

t.test('an anime that leaves the catalogue stays in the list, shown as gone', async (t) => {
  const app = await watchlistsApp(t, [aodRecord(1, { title: 'Stays' }), aodRecord(2, { title: 'Leaves' })])
  const alice = await user(app, 'alice')
  const list = await makeList(app, alice)
  await putEntry(app, alice, list.id, 1, { status: 'completed' })
  await putEntry(app, alice, list.id, 2, { status: 'completed', rating: 9 })
  await importCatalogueFile(app.dataDir, writeAod(app.dataDir, [aodRecord(1, { title: 'Stays' })]))

  const res = await call(app, 'GET', `/watchlists/${list.id}/anime?ordering=title`, alice)
  t.equal(res.json().count, 2, 'not silently dropped')
  const gone = res.json().results[1]
  t.match(gone, { anime_id: 2, title: 'Leaves', gone: true, anime: null, status: 'completed', rating: 9 })
  t.match(res.json().results[0], { anime_id: 1, gone: false, anime: { title: 'Stays' } })
  t.equal((await call(app, 'PUT', `/watchlists/${list.id}/anime/2`, alice, { note: 'it was good' })).statusCode, 200, 'a gone entry can still be updated')
  const other = await makeList(app, alice, 'Other')
  t.equal((await call(app, 'PUT', `/watchlists/${other.id}/anime/2`, alice, {})).statusCode, 400, 'but not added anew')
  t.equal((await call(app, 'DELETE', `/watchlists/${list.id}/anime/2`, alice)).statusCode, 204, 'and can be removed')
})

t.test(`a list holds at most ${MAX_LIST_ENTRIES} anime`, async (t) => {
  const count = MAX_LIST_ENTRIES + 1
  const app = await watchlistsApp(t, Array.from({ length: count }, (_, i) => aodRecord(i + 1, { tags: [], relatedAnime: [], synonyms: [] })))
  const alice = await user(app, 'alice')
  const list = await makeList(app, alice)
  const file = malExport(Array.from({ length: MAX_LIST_ENTRIES }, (_, i) => ({ id: 100001 + i })))
  const imported = await call(app, 'POST', `/watchlists/${list.id}/import`, alice, file, { 'content-type': 'application/xml' })
  t.equal(imported.statusCode, 200)
  t.equal(imported.json().added, MAX_LIST_ENTRIES)
  const full = await call(app, 'PUT', `/watchlists/${list.id}/anime/${count}`, alice, {})
  t.equal(full.statusCode, 400)
  t.same(full.json(), { detail: `A list holds at most ${MAX_LIST_ENTRIES} anime.` })
  t.equal((await call(app, 'PUT', `/watchlists/${list.id}/anime/1`, alice, { rating: 5 })).statusCode, 200, 'updating an entry of a full list is fine')
  const other = await makeList(app, alice, 'Other')
  await putEntry(app, alice, other.id, count)
  const tooMany = await call(app, 'POST', `/watchlists/${other.id}/import`, alice, file, { 'content-type': 'application/xml' })
  t.equal(tooMany.statusCode, 400)
  t.same(tooMany.json(), { detail: `A list holds at most ${MAX_LIST_ENTRIES} anime. Nothing was imported.` })
  t.equal((await call(app, 'GET', `/watchlists/${other.id}`, alice)).json().count, 1, 'nothing half-imported')
})

t.test('the old service\'s general rules hold on the watchlist paths', async (t) => {
  const app = await watchlistsApp(t)
  const alice = await user(app, 'alice')
  const list = await makeList(app, alice, 'Open', true)
  const wrong = await call(app, 'POST', `/watchlists/${list.id}`, alice)
  t.equal(wrong.statusCode, 405)
  t.same(wrong.json(), { detail: 'Method "POST" not allowed.' })
  t.equal(wrong.headers.allow, 'GET, PATCH, DELETE, HEAD, OPTIONS')
  t.equal((await app.inject({ method: 'OPTIONS', url: `/watchlists/${list.id}/anime/1` })).headers.allow, 'PUT, DELETE, OPTIONS')
  const head = await app.inject({ method: 'HEAD', url: `/watchlists/${list.id}` })
  t.equal(head.statusCode, 200)
  t.equal(head.body, '')
  t.match((await call(app, 'GET', `/watchlists/${list.id}?format=api`)).headers['content-type'], /^text\/html/)
  t.equal((await call(app, 'GET', `/watchlists/${list.id}?format=xml`)).statusCode, 404)
  t.equal((await call(app, 'GET', `/watchlists/${list.id}/anime?page=last&page_size=1`)).statusCode, 200)
  t.equal((await call(app, 'POST', '/watchlists', alice, 'name=x', { 'content-type': 'text/plain' })).statusCode, 415)
  t.match((await call(app, 'POST', '/watchlists', alice, '{"name":', { 'content-type': 'application/json' })).json(), { detail: /^JSON parse error - / })
})

t.test('the OpenAPI document covers the watchlist endpoints', async (t) => {
  const app = await watchlistsApp(t)
  const doc = (await call(app, 'GET', '/openapi.json')).json()
  for (const [path, method] of <Array<[string, string]>>[['/watchlists', 'get'], ['/watchlists', 'post'], ['/watchlists/{id}', 'patch'], ['/watchlists/{id}/anime', 'get'],
    ['/watchlists/{id}/anime/{animeId}', 'put'], ['/watchlists/{id}/import', 'post'], ['/watchlists/{id}/export', 'get']]) {
    t.ok(doc.paths[path]?.[method], `${method} ${path}`)
  }
  t.same(doc.paths['/watchlists'].post.security, [{ Token: [] }])
})

t.test('an import that fails partway changes nothing (on SQLite it is written in slices, and the ones written are put back)', async (t) => {
  const app = await watchlistsApp(t)
  const alice = await user(app, 'alice')
  const list = await makeList(app, alice)
  await putEntry(app, alice, list.id, 1, { status: 'watching', rating: 5, episodes_watched: 2, note: 'before' })
  app.clock.advance(60_000)
  const rows = () => storedRows(app.dataDir, 'SELECT * FROM watchlist_entries WHERE watchlist_id = ? ORDER BY anime_id', list.id)
  const before = rows()
  const items = Array.from({ length: 1200 }, (_, i) => ({ animeId: i + 1, change: { status: 'completed' as const, rating: 8, episodesWatched: 1, note: `n${i}` } }))
  items[1100]!.change.episodesWatched = Number.NaN // a value the column does not take: the write fails past the first thousand rows
  await t.rejects(app.watchlists.repository.importEntries(list.id, items, app.clock.now(), MAX_LIST_ENTRIES))
  t.same(rows(), before, 'the entry as it was, none added')
  items[1100]!.change.episodesWatched = 1
  t.same(await app.watchlists.repository.importEntries(list.id, items, app.clock.now(), MAX_LIST_ENTRIES), { added: 1199, updated: 1 }, 'the same items, all good')
  const after = rows()
  t.equal(after.length, 1200)
  t.match(after[0], { anime_id: 1, status: 'completed', rating: 8, note: 'n0', added: before[0]!.added, updated: app.clock.now() }, 'an updated entry keeps when it was added')
})
