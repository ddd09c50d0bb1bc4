// The login throttle under parallel guessing (issue 13, item 3): an attempt is
// reserved in the user store before its password is hashed, so requests in
// flight cannot all pass a check that only later records them. Through a real
// socket, from many client addresses at once. test/storage/postgres/ runs
// this file on PostgreSQL too.
import t from 'tap'
import { accountsApp, register, tokenHeader } from '../helpers/accounts.js'
import { storedRows } from '../helpers/stored.js'
import { countByStatus, listen, post, type Answer } from '../helpers/sockets.js'

// Hashes slow enough (scrypt N=2^14) that all guesses are in flight together; all of
// them may wait for a thread (the hash queue's own bound is test/accounts/hash-queue.test.ts's).
const slowHashes = { passwordScryptN: 2 ** 14, throttleWindowMs: 60_000, passwordHashQueue: 1000, passwordHashTimeoutMs: 120_000 }

t.test('60 parallel wrong logins for one username from 60 addresses: at most THROTTLE_USER_LIMIT are evaluated', async (t) => {
  const app = await accountsApp(t, { ...slowHashes, throttleUserLimit: 10, throttleIpLimit: 30 })
  await register(app, 'victim', 'victim@test.com', 'the-real-password')
  const port = await listen(app)
  const answers = await Promise.all(Array.from({ length: 60 }, (_, i) =>
    post(port, '/account/login', { username: 'victim', password: `guess-${i}` }, { from: `127.0.0.${i + 2}` })))
  const counts = countByStatus(answers)
  const evaluated = answers.filter((a) => a.status !== 429)
  t.ok(evaluated.length <= 10, `at most 10 answers are not 429 (${JSON.stringify(counts)})`)
  t.equal(evaluated.length, 10, 'and the limit is used up, not refused early')
  t.ok(evaluated.every((a) => a.status === 400), 'each evaluated guess is a plain wrong password')
  t.ok(answers.filter((a) => a.status === 429).every((a) => /^\{"detail":"Request was throttled\. Expected available in \d+ seconds?\."\}$/.test(a.body)),
    'the others are the contract\'s 429')
  const right = await post(port, '/account/login', { username: 'victim', password: 'the-real-password' }, { from: '127.0.0.99' })
  t.equal(right.status, 429, 'even the right password waits for the window to pass')
  app.clock.advance(60_000)
  const later = await post(port, '/account/login', { username: 'victim', password: 'the-real-password' }, { from: '127.0.0.99' })
  t.equal(later.status, 200, 'the owner logs in once the window has passed')
})

t.test('a successful login does not use up the username\'s limit', async (t) => {
  const app = await accountsApp(t, { ...slowHashes, throttleUserLimit: 3 })
  await register(app, 'owner', 'owner@test.com', 'pw')
  const port = await listen(app)
  // One after another: a login in flight holds one of the username's attempts until its password proves right.
  const answers: Answer[] = []
  for (let i = 0; i < 12; i++) answers.push(await post(port, '/account/login', { username: 'owner', password: 'pw' }, { from: `127.0.1.${i + 2}` }))
  t.same(countByStatus(answers), { 200: 12 }, 'twelve logins with the right password, four times the limit')
  const failures = await Promise.all(Array.from({ length: 6 }, (_, i) =>
    post(port, '/account/login', { username: 'owner', password: 'wrong' }, { from: `127.0.1.${i + 20}` })))
  t.same(countByStatus(failures), { 400: 3, 429: 3 }, 'then three failures are allowed, no more')
  t.equal(storedRows(app.config.dataDir, 'SELECT key FROM throttle_attempts').length, 12 + 6 + 1 + 3,
    'one attempt per request and address, and the three failures; no reservation of a success is left')
})

t.test('60 parallel logins and registrations from one address: at most THROTTLE_IP_LIMIT are let through', async (t) => {
  const app = await accountsApp(t, { ...slowHashes, throttleIpLimit: 10 })
  const port = await listen(app)
  const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => i % 2 === 0
    ? post(port, '/account/login', { username: `nobody${i}`, password: 'x' }, { from: '127.0.2.2' })
    : post(port, '/account/register', { username: `new${i}`, email: `new${i}@test.com`, password: 'x' }, { from: '127.0.2.2' })))
  const counts = countByStatus(answers)
  t.equal(answers.filter((a) => a.status !== 429).length, 10, `exactly 10 are let through (${JSON.stringify(counts)})`)
  t.equal((await post(port, '/account/login', { username: 'nobody', password: 'x' }, { from: '127.0.2.3' })).status, 400, 'another address is not affected')
})

t.test('parallel wrong passwords to delete an account with a stolen token: at most the limit are checked', async (t) => {
  const app = await accountsApp(t, { ...slowHashes, throttleUserLimit: 4 })
  const { token } = await register(app, 'holder', 'holder@test.com', 'pw')
  const port = await listen(app)
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) =>
    post(port, '/account/user', { password: `guess-${i}` }, { from: `127.0.3.${i + 2}`, headers: tokenHeader(token), method: 'DELETE' })))
  t.same(countByStatus(answers), { 400: 4, 429: 16 }, 'four checked, the rest refused')
  t.equal((await app.inject({ url: '/account/user', headers: tokenHeader(token) })).statusCode, 200, 'the account is still there')
})
