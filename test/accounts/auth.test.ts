// docs/compatibility.md: token authentication, logout and logoutall.
import t, { type Test } from 'tap'
import { createHash } from 'node:crypto'
import { storedRows } from '../helpers/stored.js'
import { accountsApp, login, post, register, tokenHeader } from '../helpers/accounts.js'
import { openAccountsStore } from '../../src/accounts/admin.js'

function expect401 (t: Test, res: { statusCode: number, body: string, headers: Record<string, unknown> }, detail: string, name: string) {
  t.equal(res.statusCode, 401, name)
  t.equal(res.body, JSON.stringify({ detail }), name)
  t.equal(res.headers['www-authenticate'], 'Token', `${name}: WWW-Authenticate`)
}

// Either backend (test/storage/postgres/ runs this file on PostgreSQL too).
const tokenRows = (dataDir: string): Array<{ digest: string, token_key: string, expiry: number | null }> =>
  storedRows(dataDir, 'SELECT digest, token_key, expiry FROM tokens ORDER BY created')

t.test('each 401 of the contract, with WWW-Authenticate: Token', async (t) => {
  const app = await accountsApp(t)
  const { token } = await register(app)
  const other = 'f'.repeat(64)
  for (const endpoint of ['/account/logout', '/account/logoutall']) {
    const cases: Array<[Record<string, string>, string, string]> = [
      [{}, 'Authentication credentials were not provided.', 'no header'],
      [{ authorization: '' }, 'Authentication credentials were not provided.', 'empty header'],
      [{ authorization: `Bearer ${token}` }, 'Authentication credentials were not provided.', 'another scheme'],
      [{ authorization: 'Basic dGVzdDp0ZXN0' }, 'Authentication credentials were not provided.', 'basic'],
      [{ authorization: 'Token' }, 'Invalid token header. No credentials provided.', 'Token alone'],
      [{ authorization: 'Token   ' }, 'Invalid token header. No credentials provided.', 'Token and spaces'],
      [{ authorization: 'Token a b' }, 'Invalid token header. Token string should not contain spaces.', 'Token a b'],
      [{ authorization: `Token ${token} x` }, 'Invalid token header. Token string should not contain spaces.', 'token and more'],
      [{ authorization: `Token ${other}` }, 'Invalid token.', 'unknown token'],
      [{ authorization: `Token ${token.slice(0, 8)}${'0'.repeat(56)}` }, 'Invalid token.', 'same lookup key, other digest'],
      [{ authorization: `Token ${token.toUpperCase()}` }, 'Invalid token.', 'upper-case'],
      [{ authorization: `Token ${token.slice(1)}` }, 'Invalid token.', 'too short'],
      [{ authorization: `Token ${token}0` }, 'Invalid token.', 'too long'],
      [{ authorization: 'Token zz' }, 'Invalid token.', 'not hex'],
      [{ authorization: 'Token ünïcode' }, 'Invalid token.', 'odd characters']
    ]
    for (const [headers, detail, name] of cases) expect401(t, await post(app, endpoint, undefined, headers), detail, `${endpoint}: ${name}`)
  }
  for (const scheme of ['token', 'TOKEN', 'ToKeN']) {
    t.equal((await post(app, '/account/logout', undefined, { authorization: `${scheme} ${(await login(app)).token}` })).statusCode, 204, `scheme ${scheme}`)
  }
  t.equal((await post(app, '/account/logout', undefined, { authorization: `Token\t${token}` })).statusCode, 204, 'any ASCII whitespace separates')
})

t.test('the 401 comes before the body is read', async (t) => {
  const app = await accountsApp(t)
  const res = await app.inject({ method: 'POST', url: '/account/logout', payload: '{broken', headers: { 'content-type': 'application/json' } })
  expect401(t, res, 'Authentication credentials were not provided.', 'broken JSON')
  const typed = await app.inject({ method: 'POST', url: '/account/logout', payload: 'x', headers: { 'content-type': 'text/plain', authorization: 'Token' } })
  expect401(t, typed, 'Invalid token header. No credentials provided.', 'unsupported type')
})

t.test('logout deletes that token only; logoutall every token of the user', async (t) => {
  const app = await accountsApp(t)
  const a1 = (await register(app, 'alice')).token
  const a2 = (await login(app, 'alice')).token
  const a3 = (await login(app, 'alice')).token
  const b1 = (await register(app, 'bob')).token

  const out = await post(app, '/account/logout', undefined, tokenHeader(a1))
  t.equal(out.statusCode, 204)
  t.equal(out.body, '', 'empty body')
  expect401(t, await post(app, '/account/logout', undefined, tokenHeader(a1)), 'Invalid token.', 'logged-out token')
  t.equal((await post(app, '/account/logout', undefined, tokenHeader(a2))).statusCode, 204, 'other tokens stay valid')

  const all = await post(app, '/account/logoutall', { ignored: true }, tokenHeader(a3))
  t.equal(all.statusCode, 204)
  t.equal(all.body, '')
  expect401(t, await post(app, '/account/logoutall', undefined, tokenHeader(a3)), 'Invalid token.', 'after logoutall')
  const fresh = (await login(app, 'alice')).token
  t.equal((await post(app, '/account/logoutall', undefined, tokenHeader(fresh))).statusCode, 204, 'login works again')
  t.equal((await post(app, '/account/logout', undefined, tokenHeader(b1))).statusCode, 204, "other users' tokens untouched")
})

t.test('only a digest and an 8-character key are stored', async (t) => {
  const app = await accountsApp(t)
  const { token } = await register(app)
  const rows = tokenRows(app.config.dataDir)
  t.equal(rows.length, 1)
  t.equal(rows[0]!.token_key, token.slice(0, 8))
  t.equal(rows[0]!.digest, createHash('sha512').update(Buffer.from(token, 'hex')).digest('hex'), "knox's digest: SHA-512 of the token's bytes")
  const dump = JSON.stringify(storedRows(app.config.dataDir, 'SELECT * FROM tokens')) + JSON.stringify(storedRows(app.config.dataDir, 'SELECT * FROM users'))
  t.notOk(dump.includes(token), 'the token itself is nowhere')
})

t.test('expired tokens are refused and deleted when seen (injected clock)', async (t) => {
  const app = await accountsApp(t, { tokenTtlMs: 3600_000 })
  const { token } = await register(app)
  const other = (await login(app)).token
  app.clock.advance(3600_000 - 1)
  t.equal((await post(app, '/account/logout', undefined, tokenHeader(other))).statusCode, 204, 'valid until its expiry')
  app.clock.advance(1)
  t.equal(tokenRows(app.config.dataDir).length, 1)
  expect401(t, await post(app, '/account/logout', undefined, tokenHeader(token)), 'Invalid token.', 'expired')
  t.equal(tokenRows(app.config.dataDir).length, 0, 'deleted when seen')
})

t.test('tokens that never expire', async (t) => {
  const app = await accountsApp(t, { tokenTtlMs: null })
  const { token } = await register(app)
  app.clock.advance(10 * 365 * 86400_000)
  t.equal((await post(app, '/account/logout', undefined, tokenHeader(token))).statusCode, 204)
})

t.test('expired tokens are swept', async (t) => {
  const app = await accountsApp(t, { tokenTtlMs: 60_000 })
  await register(app, 'a')
  await register(app, 'b')
  app.clock.advance(30_000)
  await register(app, 'c')
  app.clock.advance(30_000)
  t.equal(await app.accounts.sweep(), 2)
  t.equal(tokenRows(app.config.dataDir).length, 1)
})

t.test('auto-refresh moves the expiry forward on use, at most once a minute', async (t) => {
  const app = await accountsApp(t, { tokenTtlMs: 3600_000, tokenAutoRefresh: true })
  const start = app.clock.ms
  const { token } = await register(app)
  const expiry = () => tokenRows(app.config.dataDir)[0]!.expiry
  t.equal(expiry(), start + 3600_000)
  // Uses of the token through the strategy itself: a logout would delete it.
  app.clock.advance(60_000)
  await app.accounts.authenticate(`Token ${token}`)
  t.equal(expiry(), start + 3600_000, 'not within the first minute')
  app.clock.advance(1)
  await app.accounts.authenticate(`Token ${token}`)
  t.equal(expiry(), start + 60_001 + 3600_000, 'moved forward')
  app.clock.advance(3000_000)
  await app.accounts.authenticate(`Token ${token}`)
  app.clock.advance(3000_000)
  t.ok(app.clock.ms > start + 3600_000, 'past the original expiry')
  t.equal((await post(app, '/account/logout', undefined, tokenHeader(token))).statusCode, 204, 'still valid thanks to the refresh')
})

t.test('auto-refresh is off by default', async (t) => {
  const app = await accountsApp(t, { tokenTtlMs: 3600_000 })
  const { token } = await register(app)
  app.clock.advance(1800_000)
  await app.accounts.authenticate(`Token ${token}`)
  app.clock.advance(1800_000)
  expect401(t, await post(app, '/account/logout', undefined, tokenHeader(token)), 'Invalid token.', 'expired at its first expiry')
})

t.test('deactivated users: token 401 "User inactive or deleted.", login 400, reactivation restores', async (t) => {
  const app = await accountsApp(t)
  const { token, user } = await register(app)
  const store = await openAccountsStore(app.config)
  t.teardown(() => store.repository.close())
  await store.repository.setActive(user.id, false)
  expect401(t, await post(app, '/account/logout', undefined, tokenHeader(token)), 'User inactive or deleted.', 'inactive')
  expect401(t, await post(app, '/account/logoutall', undefined, tokenHeader(token)), 'User inactive or deleted.', 'inactive')
  t.equal((await post(app, '/account/login', { username: 'test', password: 'test' })).statusCode, 400)
  await store.repository.setActive(user.id, true)
  t.equal((await post(app, '/account/logout', undefined, tokenHeader(token))).statusCode, 204, 'the token was kept')
  const again = (await login(app)).token
  await store.repository.deleteUser(user.id)
  expect401(t, await post(app, '/account/logout', undefined, tokenHeader(again)), 'Invalid token.', 'deleted user: its tokens went with it')
})

t.test('public endpoints ignore Authorization entirely', async (t) => {
  const app = await accountsApp(t)
  const { token } = await register(app)
  await post(app, '/account/logout', undefined, tokenHeader(token))
  for (const authorization of ['Token garbage', 'Token', 'Token a b', `Token ${token}`, 'Bearer x', 'Token ' + 'f'.repeat(64)]) {
    for (const url of ['/anime/entry/1', '/anime/random', '/anime/entry/999999']) {
      const res = await app.inject({ url, headers: { authorization } })
      t.equal(res.statusCode, url.endsWith('999999') ? 404 : 200, `${url} with ${authorization}`)
      t.notOk(res.headers['www-authenticate'])
    }
    t.equal((await post(app, '/account/register', { username: `u${authorization.length}${Math.random()}`.slice(0, 20), email: `${Math.random()}@test.com`, password: 'x' }, { authorization })).statusCode, 200, `register with ${authorization}`)
    t.equal((await post(app, '/account/login', { username: 'test', password: 'test' }, { authorization })).statusCode, 200, `login with ${authorization}`)
  }
})
