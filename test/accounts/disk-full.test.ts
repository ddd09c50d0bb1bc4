// A full disk under the user store (issue 13, item 8, the writing half): writes
// answer 503 {"detail"} naming nothing of the server, never a 500; reads carry
// on; /ready reports the store not writable; everything recovers once space is
// freed. The disk is a small tmpfs filled to the last byte: DATA_DIR on SQLite,
// the database's tablespace on PostgreSQL (test/storage/postgres/ runs
// this file there too).
import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import type { LightMyRequestResponse } from 'fastify'
import { accountsApp, login, post, tokenHeader } from '../helpers/accounts.js'
import { databaseOnDisk, smallDisk } from '../helpers/small-disk.js'
import { call, makeList, user } from '../helpers/watchlists.js'

const unavailable = '{"detail":"Service temporarily unavailable."}'
/** Words that would tell a client about the server's insides. */
const internals = /sqlite|postgres|disk|space|ENOSPC|SQLSTATE|\/tmp|var|errno|stack/i

t.test('a full disk: writes answer 503, reads carry on, /ready says not writable, all recovers when space is freed', async (t) => {
  const disk = smallDisk(t, 32 << 20)
  const server = process.env.TEST_DATABASE_URL
  const onPostgres = server !== undefined && server !== ''
  const dataDir = path.join(disk.dir, 'data')
  fs.mkdirSync(dataDir)
  const app = await accountsApp(t, onPostgres ? { databaseUrl: await databaseOnDisk(server, disk) } : { dataDir })
  const backend = onPostgres ? 'postgres' : 'sqlite'
  const reader = await user(app, 'reader')
  const list = await makeList(app, reader)
  t.equal((await call(app, 'PUT', `/watchlists/${list.id}/anime/1`, reader, { status: 'watching' })).statusCode, 201)
  const spare = await login(app, 'reader')
  const ready = await app.inject('/ready')
  t.equal(ready.statusCode, 200)
  t.same(ready.json().accounts, { writable: true, backend })

  disk.fill()
  // Writes until one finds no room (at once on SQLite, whose WAL must grow; on PostgreSQL when a
  // table or index needs a new page): every answer is the write's own or a 503, never a 500.
  const logins: LightMyRequestResponse[] = []
  for (let i = 0; i < 400 && logins.at(-1)?.statusCode !== 503; i++) logins.push(await post(app, '/account/login', { username: 'reader', password: 'test' }))
  const refused = logins.at(-1)!
  t.equal(refused.statusCode, 503, `a login that cannot be stored is refused (after ${logins.length - 1} that could)`)
  t.ok(logins.slice(0, -1).every((res) => res.statusCode === 200), 'the ones before were stored')
  t.equal(refused.body, unavailable, 'the contract\'s {"detail"} shape')
  t.match(refused.headers['content-type'], /^application\/json/)

  const notReady = await app.inject('/ready')
  t.equal(notReady.statusCode, 503, '/ready reports it')
  t.equal(notReady.json().detail, 'Not ready: the accounts database is not writable.')
  t.same(notReady.json().accounts, { writable: false, backend })

  // Other writes: their own answer, or the same 503.
  const writes = {
    register: await post(app, '/account/register', { username: 'newcomer', email: 'newcomer@test.com', password: 'pw' }),
    logout: await post(app, '/account/logout', undefined, tokenHeader(spare.token)),
    'new list': await call(app, 'POST', '/watchlists', reader, { name: 'Later' }),
    'new entry': await call(app, 'PUT', `/watchlists/${list.id}/anime/2`, reader, { status: 'planned' })
  }
  for (const [what, res] of Object.entries(writes)) t.ok([200, 201, 204, 503].includes(res.statusCode), `${what}: ${res.statusCode}`)
  t.same(Object.entries(writes).filter(([, res]) => res.statusCode === 503 && res.body !== unavailable).map(([what, res]) => `${what}: ${res.body}`), [],
    'each refused write is the same 503')
  if (!onPostgres) {
    // SQLite writes everything through the one WAL, which cannot grow: no write goes through.
    t.same(Object.values(writes).map((res) => res.statusCode), [503, 503, 503, 503], 'on SQLite every write is refused')
  }
  for (const res of [refused, ...Object.values(writes)]) t.notMatch(res.body, internals, 'nothing of the server in the answer')

  // Reads carry on.
  t.equal((await app.inject('/anime/entry/1')).statusCode, 200, 'the catalogue')
  t.equal((await call(app, 'GET', '/account/user', reader)).statusCode, 200, 'a token is checked')
  const entries = await call(app, 'GET', `/watchlists/${list.id}/anime`, reader)
  t.equal(entries.statusCode, 200, 'a list is read')
  t.ok((entries.json().results as Array<{ anime_id: number, status: string }>).some((e) => e.anime_id === 1 && e.status === 'watching'), 'with its entries')
  t.equal((await app.inject('/health')).statusCode, 200)

  disk.free()
  const again = await app.inject('/ready')
  t.equal(again.statusCode, 200, 'ready again once space is freed')
  t.same(again.json().accounts, { writable: true, backend })
  t.equal((await post(app, '/account/login', { username: 'reader', password: 'test' })).statusCode, 200, 'logins work')
  t.equal((await post(app, '/account/logout', undefined, tokenHeader(spare.token))).statusCode, writes.logout.statusCode === 204 ? 401 : 204,
    'the logout refused before goes through now (or the one that went through holds)')
  const newcomer = await post(app, '/account/register', { username: 'newcomer2', email: 'newcomer2@test.com', password: 'pw' })
  t.equal(newcomer.statusCode, 200, 'registering works')
  t.ok([200, 201].includes((await call(app, 'PUT', `/watchlists/${list.id}/anime/3`, reader, { status: 'planned' })).statusCode), 'lists take entries')

  // A read that writes on the side: an expired token is forgotten when seen. With no room for
  // that, the token is still refused as expired, not a 503.
  disk.fill()
  app.clock.advance(10 * 3600 * 1000 + 1)
  const expired = await call(app, 'GET', '/account/user', reader)
  t.equal(expired.statusCode, 401, 'an expired token is refused')
  t.equal(expired.body, '{"detail":"Invalid token."}')
  disk.free()
})
