// Passwords at the real parameters (scrypt N=2^17, r=8, p=1): the stored form,
// hashing off the event loop, and unknown usernames costing what wrong passwords cost.
import t from 'tap'
import { storedRows } from '../helpers/stored.js'
import { performance } from 'node:perf_hooks'
import { accountsApp, post, register } from '../helpers/accounts.js'
import { hashPassword, needsRehash, verifyPassword, OWASP_SCRYPT } from '../../src/accounts/passwords.js'

t.test('the service hashes at OWASP parameters by default', async (t) => {
  // The hash queue's wait out of the way: on a busy machine these hashes at this cost take longer than its default.
  const app = await accountsApp(t, { passwordScryptN: undefined, passwordHashTimeoutMs: 600_000 })
  t.equal(app.config.passwordScryptN, 2 ** 17)
  await register(app)
  const stored = storedRows<{ password: string }>(app.config.dataDir, 'SELECT password FROM users')[0]!.password
  const [algorithm, N, r, p, salt, key] = stored.split('$')
  t.same([algorithm, N, r, p], ['scrypt', '131072', '8', '1'])
  t.equal(Buffer.from(salt!, 'base64').length, 16, '16-byte salt')
  t.equal(Buffer.from(key!, 'base64').length, 32, '32-byte key')
  t.equal((await post(app, '/account/login', { username: 'test', password: 'test' })).statusCode, 200)

  // While logins run flat out, anime requests keep answering promptly. Measured
  // against the logins themselves (no fixed time, machines differ): with hashing on
  // the event loop, requests would be answered only between hashes, each waiting
  // up to a whole hash.
  const loginStarted = performance.now()
  const loginTimes: number[] = []
  const logins = Array.from({ length: 4 }, (_, i) => post(app, '/account/login', { username: 'test', password: i % 2 === 0 ? 'test' : 'wrong' })
    .then((res) => { loginTimes.push(performance.now() - loginStarted); return res }))
  let done = false
  void Promise.all(logins).then(() => { done = true })
  const latencies: number[] = []
  while (!done) {
    const started = performance.now()
    const res = await app.inject('/anime/random')
    latencies.push(performance.now() - started)
    t.equal(res.statusCode, 200)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  const codes = (await Promise.all(logins)).map((res) => res.statusCode)
  t.same(codes, [200, 400, 200, 400])
  const oneHash = Math.min(...loginTimes) // the first login to finish took one hash at least
  t.ok(latencies.length >= 4 * logins.length, `anime requests answered while hashing (${latencies.length} during ${logins.length} logins)`)
  t.ok(Math.max(...latencies) < oneHash, `the slowest anime request took ${Math.max(...latencies).toFixed(1)} ms, under the first login's ${oneHash.toFixed(0)} ms`)
})

t.test('an unknown username costs the time of a wrong password', async (t) => {
  // A quarter of the default cost (2^15): still hundreds of times what a login without a hash takes.
  const app = await accountsApp(t, { passwordScryptN: 2 ** 15 })
  await register(app)
  const time = async (username: string) => {
    const started = performance.now()
    t.equal((await post(app, '/account/login', { username, password: 'wrong' })).statusCode, 400)
    return performance.now() - started
  }
  await time('nobody') // the dummy hash is made on first use
  const wrong = []
  const unknown = []
  for (let i = 0; i < 3; i++) {
    wrong.push(await time('test'))
    unknown.push(await time(`nobody${i}`))
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[1]!
  const ratio = median(unknown) / median(wrong)
  // Without a hash an unknown name would answer in about a millisecond, some 1/50 of a
  // wrong password; with two hashes, twice as long. Wide bounds: shared machines are noisy.
  t.ok(ratio > 0.4 && ratio < 2, `unknown ${median(unknown).toFixed(0)} ms vs wrong ${median(wrong).toFixed(0)} ms`)
  t.ok(median(wrong) > 15, 'and both cost a real hash')
})

t.test('hash strings: self-describing, verified constant-time, re-hash rules', async (t) => {
  const params = { ...OWASP_SCRYPT, N: 1024 }
  const hash = await hashPassword('pässwörd', params)
  t.match(hash, /^scrypt\$1024\$8\$1\$/)
  t.not(hash, await hashPassword('pässwörd', params), 'salted')
  t.ok(await verifyPassword('pässwörd', hash))
  t.notOk(await verifyPassword('passwörd', hash))
  t.notOk(needsRehash(hash, params))
  t.ok(needsRehash(hash, OWASP_SCRYPT))
  t.ok(needsRehash('pbkdf2_sha256$260000$seasalt1$uq02VHUKS+KoTMaHYbi8F3JJrzn3Y46aU+NobpySnIs=', params))
  t.ok(await verifyPassword('test', 'pbkdf2_sha256$260000$seasalt1$uq02VHUKS+KoTMaHYbi8F3JJrzn3Y46aU+NobpySnIs='))
  t.ok(await verifyPassword('correct horse', 'pbkdf2_sha256$1000$abcXYZ$pHQFxX5vH4R6V8XSSHBDBTfMjLxMjp/XhwGCnbEPPsc='))
  for (const broken of ['', '!unusable', 'md5$x$y', 'scrypt$1000$8$1$c2FsdA==$a2V5', 'scrypt$1048576000$8$1$c2FsdA==$a2V5a2V5a2V5a2V5a2V5a2V5',
    'pbkdf2_sha256$0$s$h', 'pbkdf2_sha256$99999999999$s$aGFzaGhhc2hoYXNoaGFzaA==', 'argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdA$aGFzaA']) {
    t.notOk(await verifyPassword('x', broken), `refused: ${broken}`)
  }
})
