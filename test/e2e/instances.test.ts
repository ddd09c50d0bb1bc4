// Several instances, one user base: a real PostgreSQL server and two service
// processes (`anime-api serve`) on different ports with
// different DATA_DIRs (each its own catalogue) and the same DATABASE_URL.
import t, { type Test } from 'tap'
import { tempDir } from '../helpers/app.js'
import { aodRecord, writeAod } from '../helpers/aod.js'
import { postgresSkip, sharedPostgres } from '../helpers/postgres.js'
import { answers, freePort, serviceEnv, startProcess, type StartedProcess } from '../helpers/server.js'

interface Instance extends StartedProcess { base: string }

async function startInstance (t: Test, databaseUrl: string, workers = 1): Promise<Instance> {
  const dataDir = tempDir(t, 'anime-api-instance-')
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const started = await startProcess(t, {
    env: {
      ...serviceEnv(port, dataDir, writeAod(dataDir, [1, 2, 3, 4, 5].map((n) => aodRecord(n)))),
      DATABASE_URL: databaseUrl,
      DATABASE_TIMEOUT: '5s',
      LOG_LEVEL: 'warn',
      WORKERS: String(workers),
      RATE_LIMIT_MAX: '0',
      PASSWORD_SCRYPT_N: '1024',
      THROTTLE_IP_LIMIT: '100000',
      THROTTLE_USER_LIMIT: '3'
    },
    ready: answers(port, '/anime/random')
  })
  return { ...started, base }
}

async function send (instance: Instance, method: string, url: string, body?: unknown, token?: string) {
  const res = await fetch(instance.base + url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token === undefined ? {} : { authorization: `Token ${token}` }) },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await res.text()
  return { status: res.status, text, json: () => JSON.parse(text) }
}

t.test('two instances on one PostgreSQL share accounts, tokens, logouts, watchlists and the login throttle', { skip: postgresSkip('test/e2e/instances.test.ts') }, async (t) => {
  const server = await sharedPostgres(t)
  const url = await server.createDatabase(t)
  // B runs two worker processes (WORKERS=2): three processes share the one user base.
  const [a, b] = await Promise.all([startInstance(t, url), startInstance(t, url, 2)])

  const registered = await send(a, 'POST', '/account/register', { username: 'alice', email: 'alice@test.com', password: 'secret' })
  t.equal(registered.status, 200, registered.text)
  const tokenA: string = registered.json().token
  const loggedIn = await send(b, 'POST', '/account/login', { username: 'ALICE', password: 'secret' })
  t.equal(loggedIn.status, 200, 'registered through one, logs in through the other')
  const tokenB: string = loggedIn.json().token

  const me = await send(b, 'GET', '/account/user', undefined, tokenA)
  t.equal(me.status, 200, 'a token issued by A works on B: ' + me.text)
  t.match(me.json(), { username: 'alice' })

  const list = await send(a, 'POST', '/watchlists', { name: 'Favourites', public: false }, tokenA)
  t.equal(list.status, 201, list.text)
  const listId: number = list.json().id
  t.equal((await send(a, 'PUT', `/watchlists/${listId}/anime/2`, { status: 'watching', rating: 9 }, tokenA)).status, 201)
  const entries = await send(b, 'GET', `/watchlists/${listId}/anime`, undefined, tokenB)
  t.equal(entries.status, 200, entries.text)
  t.match(entries.json(), { count: 1, results: [{ anime_id: 2, status: 'watching', rating: 9 }] }, 'written on A, read back on B')

  const raced = await Promise.all([
    send(a, 'POST', '/account/register', { username: 'racer', email: 'r1@test.com', password: 'p' }),
    send(b, 'POST', '/account/register', { username: 'Racer', email: 'r2@test.com', password: 'p' })
  ])
  t.same(raced.map((r) => r.status).sort(), [200, 400], 'racing registrations: one 200, one 400')

  // The per-username login throttle counts failures on both (THROTTLE_USER_LIMIT=3).
  t.equal((await send(a, 'POST', '/account/login', { username: 'alice', password: 'wrong' })).status, 400)
  t.equal((await send(b, 'POST', '/account/login', { username: 'alice', password: 'wrong' })).status, 400)
  t.equal((await send(a, 'POST', '/account/login', { username: 'alice', password: 'wrong' })).status, 400)
  const throttled = await send(b, 'POST', '/account/login', { username: 'alice', password: 'secret' })
  t.equal(throttled.status, 429, 'the fourth attempt, on B, after failures on A and B: ' + throttled.text)
  t.match(throttled.text, /Request was throttled\. Expected available in \d+ seconds?\./)
  t.equal((await send(a, 'POST', '/account/login', { username: 'alice', password: 'secret' })).status, 429, 'and on A')

  // logoutall on B ends the tokens issued by both.
  t.equal((await send(b, 'POST', '/account/logoutall', undefined, tokenB)).status, 204)
  for (const [instance, token, name] of [[a, tokenA, 'A token on A'], [b, tokenA, 'A token on B'], [a, tokenB, 'B token on A']] as const) {
    const res = await send(instance, 'POST', '/account/logout', undefined, token)
    t.equal(res.status, 401, name)
    t.equal(res.text, '{"detail":"Invalid token."}')
  }
  t.notMatch(a.output() + b.output(), /"level":(50|60)/, 'no errors logged')
})
