// docs/compatibility.md, accounts: POST /account/login, the token limit, password re-hashing,
// Django hashes, and the throttling of login and register.
import t from 'tap'
import { storedRows } from '../helpers/stored.js'
import { tempDir } from '../helpers/app.js'
import { accountsApp, login, post, register, tokenHeader } from '../helpers/accounts.js'
import { openAccountsStore } from '../../src/accounts/admin.js'
import { ACCOUNTS_SCHEMA_VERSION, openAccountsDb } from '../../src/storage/sqlite/database.js'
import { importDjangoUsers } from '../../src/accounts/django.js'

const url = '/account/login'
const badCredentials = '{"non_field_errors":["Unable to log in with provided credentials."]}'

// Either backend (test/storage/postgres/ runs this file on PostgreSQL too).
const storedPassword = (dataDir: string, username: string): string =>
  storedRows<{ password: string }>(dataDir, 'SELECT password FROM users WHERE username = ?', username)[0]!.password

t.test("the seed's example: expiry 10 hours on, six fractional digits, Z", async (t) => {
  const app = await accountsApp(t)
  await register(app)
  const res = await post(app, url, { username: 'test', password: 'test' })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.same(Object.keys(body), ['expiry', 'token'])
  t.equal(body.expiry, '2021-01-07T03:46:41.006000Z', 'the injected clock (2021-01-06T17:46:41.006Z) + 10 hours')
  t.match(body.token, /^[0-9a-f]{64}$/)
  t.equal(res.body, JSON.stringify(body))
})

t.test('expiry: other lifetimes, and null when tokens never expire', async (t) => {
  const never = await accountsApp(t, { tokenTtlMs: null })
  await register(never)
  t.same(Object.keys(await login(never)), ['expiry', 'token'])
  t.equal((await login(never)).expiry, null)
  const short = await accountsApp(t, { tokenTtlMs: 90_000 })
  short.clock.ms = Date.UTC(2024, 1, 29, 23, 59, 0, 0)
  await register(short)
  t.equal((await login(short)).expiry, '2024-03-01T00:00:30.000000Z', 'whole seconds still have six digits')
})

t.test('each login creates a new token; earlier ones stay valid', async (t) => {
  const app = await accountsApp(t)
  const first = (await register(app)).token
  const second = (await login(app)).token
  const third = (await login(app)).token
  t.not(second, third)
  t.equal((await post(app, '/account/logout', undefined, tokenHeader(second))).statusCode, 204)
  t.equal((await post(app, '/account/logout', undefined, tokenHeader(first))).statusCode, 204)
  t.equal((await post(app, '/account/logout', undefined, tokenHeader(third))).statusCode, 204)
})

t.test('wrong password, unknown username, inactive user: the same 400', async (t) => {
  const app = await accountsApp(t)
  await register(app)
  for (const body of [
    { username: 'test', password: 'wrong' },
    { username: 'nobody', password: 'test' },
    { username: 'test', password: 'test ' },
    { username: 'test', password: 'TEST' }
  ]) {
    const res = await post(app, url, body)
    t.equal(res.statusCode, 400)
    t.equal(res.body, badCredentials, JSON.stringify(body))
  }
  const store = await openAccountsStore(app.config)
  t.teardown(() => store.repository.close())
  await store.repository.setActive(1, false)
  t.equal((await post(app, url, { username: 'test', password: 'test' })).body, badCredentials, 'inactive user')
  await store.repository.setActive(1, true)
  t.equal((await post(app, url, { username: 'test', password: 'test' })).statusCode, 200, 'reactivated')
})

t.test('usernames log in without regard to case, trimmed, NFKC', async (t) => {
  const app = await accountsApp(t)
  await register(app, 'Alice', 'alice@test.com', 'pw')
  for (const username of ['Alice', 'alice', 'ALICE', '  alice ', 'Ａｌｉｃｅ']) {
    t.equal((await post(app, url, { username, password: 'pw' })).statusCode, 200, username)
  }
})

t.test('login field validation', async (t) => {
  const app = await accountsApp(t)
  const required = ['This field is required.']
  t.equal((await post(app, url, {})).body, JSON.stringify({ username: required, password: required }))
  t.same((await post(app, url, { username: null, password: '' })).json(),
    { username: ['This field may not be null.'], password: ['This field may not be blank.'] })
  t.same((await post(app, url, { username: ' ', password: [] })).json(),
    { username: ['This field may not be blank.'], password: ['Not a valid string.'] })
  t.same((await post(app, url, { username: {}, password: true })).json(),
    { username: ['Not a valid string.'], password: ['Not a valid string.'] })
  t.equal((await post(app, url, { username: 'x', password: 'y'.repeat(10_000) })).body, badCredentials, 'no length limit at login')
})

t.test('token limit: 403 when reached; expired and logged-out tokens do not count', async (t) => {
  const app = await accountsApp(t, { tokenLimit: 2 })
  const first = (await register(app)).token
  await login(app)
  const res = await post(app, url, { username: 'test', password: 'test' })
  t.equal(res.statusCode, 403)
  t.equal(res.body, '{"error":"Maximum amount of tokens allowed per user exceeded."}')
  t.equal((await post(app, url, { username: 'test', password: 'wrong' })).statusCode, 400, 'credentials are checked first')
  t.equal((await post(app, '/account/logout', undefined, tokenHeader(first))).statusCode, 204)
  await login(app)
  t.equal((await post(app, url, { username: 'test', password: 'test' })).statusCode, 403)
  app.clock.advance(10 * 3600 * 1000 + 1)
  await login(app)
  await login(app)
  t.equal((await post(app, url, { username: 'test', password: 'test' })).statusCode, 403)
  t.equal((await register(app, 'other')).token.length, 64, 'per user')
})

t.test('a hash below the current parameters is re-hashed at the next login', async (t) => {
  const dataDir = tempDir(t)
  const weak = await accountsApp(t, { dataDir, passwordScryptN: 1024 })
  await register(weak)
  t.match(storedPassword(dataDir, 'test'), /^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]{44}$/)
  await weak.close()
  const stronger = await accountsApp(t, { dataDir, passwordScryptN: 2048 })
  t.equal((await post(stronger, url, { username: 'test', password: 'wrong' })).statusCode, 400)
  t.match(storedPassword(dataDir, 'test'), /^scrypt\$1024\$/, 'not on a failed login')
  await login(stronger)
  t.match(storedPassword(dataDir, 'test'), /^scrypt\$2048\$8\$1\$/, 're-hashed')
  await login(stronger)
  await stronger.close()
  const weakAgain = await accountsApp(t, { dataDir, passwordScryptN: 1024 })
  await login(weakAgain)
  t.match(storedPassword(dataDir, 'test'), /^scrypt\$2048\$/, 'never downgraded')
})

t.test('Django pbkdf2_sha256 hashes verify and become scrypt at the first login', async (t) => {
  const dataDir = tempDir(t)
  const app = await accountsApp(t, { dataDir })
  const store = await openAccountsStore(app.config)
  t.teardown(() => store.repository.close())
  // Hashes made with Python's hashlib.pbkdf2_hmac, as Django stores them.
  const dump = [
    { model: 'auth.user', pk: 7, fields: { username: 'olduser', email: 'old@test.com', password: 'pbkdf2_sha256$260000$seasalt1$uq02VHUKS+KoTMaHYbi8F3JJrzn3Y46aU+NobpySnIs=', is_active: true } },
    { model: 'auth.user', pk: 8, fields: { username: 'sha1user', email: '', password: 'pbkdf2_sha1$1000$salty$b7VxPB1ATdHdUdIJpibkH53hG2c=', is_active: true } }
  ]
  const report = await importDjangoUsers(store.repository, JSON.stringify(dump), app.config.now())
  t.equal(report.imported, 2)
  t.equal(storedPassword(dataDir, 'olduser').split('$')[0], 'pbkdf2_sha256')
  t.equal((await post(app, url, { username: 'olduser', password: 'wrong' })).body, badCredentials)
  t.equal(storedPassword(dataDir, 'olduser').split('$')[0], 'pbkdf2_sha256', 'kept after a failed login')
  await login(app, 'olduser', 'test')
  t.match(storedPassword(dataDir, 'olduser'), /^scrypt\$1024\$8\$1\$/, 're-hashed to scrypt')
  await login(app, 'olduser', 'test')
  await login(app, 'sha1user', 'sha1pw')
  t.match(storedPassword(dataDir, 'sha1user'), /^scrypt\$/)
  const registered = await register(app, 'newuser')
  t.equal(registered.user.id, 9, 'new ids come after the imported ones')
})

t.test('throttling per client address: login and register share the count', async (t) => {
  const app = await accountsApp(t, { throttleIpLimit: 3, throttleWindowMs: 60_000 })
  await register(app)
  app.clock.advance(20_000)
  await login(app)
  t.equal((await post(app, url, { username: 'test', password: 'wrong' })).statusCode, 400)
  app.clock.advance(10_000)
  const res = await post(app, url, { username: 'test', password: 'test' })
  t.equal(res.statusCode, 429)
  t.equal(res.body, '{"detail":"Request was throttled. Expected available in 30 seconds."}')
  t.equal(res.headers['retry-after'], '30')
  const reg = await post(app, '/account/register', { username: 'x', email: 'x@test.com', password: 'x' })
  t.equal(reg.statusCode, 429, 'register too')
  const broken = await app.inject({ method: 'POST', url, payload: '{', headers: { 'content-type': 'application/json' } })
  t.equal(broken.statusCode, 429, 'before the body is read')
  const elsewhere = await app.inject({ method: 'POST', url, payload: { username: 'test', password: 'test' }, remoteAddress: '10.0.0.2' })
  t.equal(elsewhere.statusCode, 200, 'another address has its own count')
  t.equal((await app.inject('/anime/entry/1')).statusCode, 200, 'anime endpoints are not throttled')
  app.clock.advance(29_200)
  const last = await post(app, url, { username: 'test', password: 'test' })
  t.equal(last.body, '{"detail":"Request was throttled. Expected available in 1 second."}', 'one second: singular, as Django REST framework words it')
  t.equal(last.headers['retry-after'], '1')
  app.clock.advance(800)
  t.equal((await post(app, url, { username: 'test', password: 'test' })).statusCode, 200, 'available again')
})

t.test('throttling per username: failed logins, from any address', async (t) => {
  const app = await accountsApp(t, { throttleUserLimit: 2, throttleWindowMs: 60_000 })
  await register(app)
  await register(app, 'bystander')
  for (const remoteAddress of ['10.0.0.1', '10.0.0.2']) {
    const res = await app.inject({ method: 'POST', url, payload: { username: 'test', password: 'guess' }, remoteAddress })
    t.equal(res.statusCode, 400)
  }
  app.clock.advance(15_000)
  const res = await app.inject({ method: 'POST', url, payload: { username: 'TEST', password: 'test' }, remoteAddress: '10.0.0.3' })
  t.equal(res.statusCode, 429, 'even the right password, any case of the username')
  t.equal(res.body, '{"detail":"Request was throttled. Expected available in 45 seconds."}')
  t.equal(res.headers['retry-after'], '45')
  t.equal((await post(app, url, { username: 'bystander', password: 'test' })).statusCode, 200, 'other usernames are not affected')
  for (let i = 0; i < 3; i++) t.equal((await post(app, url, { username: 'ghost', password: 'x' })).statusCode, i < 2 ? 400 : 429, 'unknown usernames count too')
  app.clock.advance(45_000)
  t.equal((await post(app, url, { username: 'test', password: 'test' })).statusCode, 200, 'available again')
})

t.test('the throttle keeps its attempts with the accounts: a restart forgets none, keys are hashed', async (t) => {
  const dataDir = tempDir(t)
  const limits = { dataDir, throttleUserLimit: 2, throttleWindowMs: 60_000 }
  const first = await accountsApp(t, limits)
  await register(first)
  for (let i = 0; i < 2; i++) t.equal((await post(first, url, { username: 'test', password: 'wrong' })).statusCode, 400)
  await first.close()
  const second = await accountsApp(t, limits)
  t.equal((await post(second, url, { username: 'test', password: 'test' })).statusCode, 429, 'refused after the restart')
  const keys = storedRows<{ key: string }>(dataDir, 'SELECT key FROM throttle_attempts').map((row) => row.key)
  t.ok(keys.length >= 5, `register, two failed logins and a login attempt from one address, two failures for the username (${keys.length} rows)`)
  t.ok(keys.every((key) => /^[0-9a-f]{64}$/.test(key)), 'stored as SHA-256: no usernames or addresses at rest')
  second.clock.advance(60_000)
  t.equal((await post(second, url, { username: 'test', password: 'test' })).statusCode, 200, 'available again after the window')
})

t.test('an accounts file from before the throttle table gains it', { skip: process.env.TEST_DATABASE_URL !== undefined && 'SQLite files only' }, async (t) => {
  const dataDir = tempDir(t)
  const old = openAccountsDb(dataDir)
  old.exec('DROP TABLE throttle_attempts; DROP TABLE catalogue_ids; DROP TABLE catalogue_id_state')
  old.pragma('user_version = 2')
  old.close()
  const app = await accountsApp(t, { dataDir, throttleUserLimit: 1 })
  await register(app)
  t.equal((await post(app, url, { username: 'test', password: 'wrong' })).statusCode, 400)
  t.equal((await post(app, url, { username: 'test', password: 'test' })).statusCode, 429, 'the throttle counts in the new table')
  const db = openAccountsDb(dataDir)
  t.equal(db.pragma('user_version', { simple: true }), ACCOUNTS_SCHEMA_VERSION)
  db.close()
})

t.test('throttling defaults are sensible: 30 attempts a minute per address', async (t) => {
  const app = await accountsApp(t, { throttleIpLimit: undefined, throttleUserLimit: undefined })
  t.equal(app.config.throttleIpLimit, 30)
  t.equal(app.config.throttleUserLimit, 10)
  const codes = []
  for (let i = 0; i < 31; i++) codes.push((await post(app, url, { username: `u${i}`, password: 'x' })).statusCode)
  t.same(codes.slice(0, 30), Array(30).fill(400))
  t.equal(codes[30], 429)
})
