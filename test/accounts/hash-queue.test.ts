// The queue of password hashes (issue 13, item 6): bounded in length and in
// time, past either a 503 in the contract's shape with Retry-After at once; a
// request whose client went away leaves the queue unhashed and uncounted; no
// connection ends without an answer. Through real sockets where it matters.
import { scrypt } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import t from 'tap'
import { ClientGoneError, PasswordsBusyError } from '../../src/accounts/errors.js'
import { HASH_SLOTS, createHashQueue } from '../../src/accounts/passwords.js'
import { httpErrorOf } from '../../src/http/domain-errors.js'
import { storedAttemptKey } from '../../src/accounts/throttle.js'
import { accountsApp, register } from '../helpers/accounts.js'
import { spawnServer } from '../helpers/server.js'
import { countByStatus, listen, post, send, type Answer } from '../helpers/sockets.js'
import { storedRows } from '../helpers/stored.js'

const busyBody = /^\{"detail":"Too many password checks in progress\. Try again in (\d+) seconds?\."\}$/

/** A piece of work that ends when the test says so, and tells whether it ever started. */
function gate () {
  let open!: () => void
  let started = false
  const done = new Promise<void>((resolve) => { open = resolve })
  return { work: async () => { started = true; await done; return 'hashed' }, open: () => open(), started: () => started }
}

t.test('the queue: bounded length, bounded wait, and waiters whose client left are dropped unrun', async (t) => {
  const queue = createHashQueue({ slots: 1, limit: 2, maxWaitMs: 60_000 })
  const running = gate()
  const first = queue.run(running.work)
  const waiting = gate()
  const second = queue.run(waiting.work)
  const leaving = gate()
  const controller = new AbortController()
  const third = queue.run(leaving.work, controller.signal)
  await t.rejects(queue.run(gate().work), PasswordsBusyError, 'a third waiter is refused at once')
  controller.abort()
  await t.rejects(third, ClientGoneError, 'a waiter whose client left is dropped')
  const fourth = gate()
  const fourthRun = queue.run(fourth.work)
  t.equal(running.started() && !waiting.started(), true, 'one at a time')
  running.open()
  t.equal(await first, 'hashed')
  waiting.open()
  t.equal(await second, 'hashed')
  fourth.open()
  t.equal(await fourthRun, 'hashed', 'its place went to the next')
  t.equal(leaving.started(), false, 'the dropped one never ran')
  const gone = new AbortController()
  gone.abort()
  await t.rejects(queue.run(gate().work, gone.signal), ClientGoneError, 'a client gone already is not even queued')

  const slow = createHashQueue({ slots: 1, limit: 10, maxWaitMs: 50 })
  const holder = gate()
  const held = slow.run(holder.work)
  const late = gate()
  const error = await slow.run(late.work).catch((e: unknown) => e)
  t.ok(error instanceof PasswordsBusyError, 'a waiter is refused after the longest wait')
  const answer = httpErrorOf(error)
  t.equal(answer?.statusCode, 503)
  t.match(answer?.headers['retry-after'], /^[1-9]\d*$/)
  t.equal(late.started(), false)
  holder.open()
  await held
})

/** Times a scrypt hash at `N` (r=8, p=1, as the service) in this process: the best of two, in milliseconds. */
async function scryptMs (N: number): Promise<number> {
  const once = async (): Promise<number> => {
    const started = performance.now()
    await new Promise((resolve, reject) => scrypt('x', 'salt', 32, { N, r: 8, p: 1, maxmem: 256 * N * 8 }, (error, key) => error === null ? resolve(key) : reject(error)))
    return performance.now() - started
  }
  return Math.min(await once(), await once())
}

t.test('past PASSWORD_HASH_QUEUE, logins are answered 503 with Retry-After at once; nothing else is lost', async (t) => {
  const queueLimit = 2
  const app = await accountsApp(t, { passwordScryptN: 2 ** 16, passwordHashQueue: queueLimit })
  await register(app, 'member', 'member@test.com', 'pw')
  const port = await listen(app)
  // Each login as the server saw it: when it arrived and when its answer was sent (the server's clock).
  const seen: Array<{ arrived: number, finished: number, status: number }> = []
  app.server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const arrived = performance.now()
    if (request.url === '/account/login') response.on('finish', () => seen.push({ arrived, finished: performance.now(), status: response.statusCode }))
  })
  const answers = await Promise.all(Array.from({ length: 30 }, (_, i) =>
    post(port, '/account/login', { username: `junk${i}`, password: 'x' })))
  const counts = countByStatus(answers)
  t.same(Object.keys(counts).sort(), ['400', '503'], `wrong passwords and refusals only (${JSON.stringify(counts)})`)
  const refused = answers.filter((a) => a.status === 503)
  const malformed = refused.filter((answer) => busyBody.exec(answer.body)?.[1] !== answer.headers['retry-after'] ||
    !/^application\/json/.test(String(answer.headers['content-type'])))
  t.same(malformed.map((a) => [a.body, a.headers['retry-after']]), [], 'each refusal: the contract\'s {"detail"} shape, Retry-After the same seconds')
  // The bound, whatever the machine's speed: when a login was taken in, at most HASH_SLOTS hashing and
  // PASSWORD_HASH_QUEUE waiting were in the server (one more allowed: a login counts until its answer is
  // sent, a little after its hash has freed its place).
  t.equal(seen.length, 30, 'the server saw every login')
  const evaluated = seen.filter((s) => s.status === 400)
  const crowded = evaluated.filter((login) => evaluated.filter((other) => other !== login && other.arrived <= login.arrived && other.finished > login.arrived).length > HASH_SLOTS + queueLimit)
  t.same(crowded.length, 0, `no login was taken in past ${HASH_SLOTS} hashing and ${queueLimit} waiting (${evaluated.length} of 30 taken in)`)
  const hashed = evaluated.map((s) => s.finished - s.arrived).sort((a, b) => a - b)
  const median = hashed[Math.floor(hashed.length / 2)]!
  const slowestRefusal = Math.max(...seen.filter((s) => s.status === 503).map((s) => s.finished - s.arrived))
  t.ok(slowestRefusal < median, `refused at once: the slowest refusal (${slowestRefusal.toFixed(1)} ms in the server) before the median hashed answer (${median.toFixed(0)} ms)`)
  t.equal((await post(port, '/account/login', { username: 'member', password: 'pw' })).status, 200, 'once the flood has passed, logins work')
})

t.test('a login whose client went away is dropped from the queue: not hashed, not counted as a failure', async (t) => {
  const app = await accountsApp(t, { passwordScryptN: 2 ** 16, passwordHashQueue: 100, passwordHashTimeoutMs: 120_000, throttleUserLimit: 10 })
  await register(app, 'victim', 'victim@test.com', 'right')
  const port = await listen(app)
  const victimKey = storedAttemptKey('username:victim')
  const attemptsOfVictim = () => storedRows(app.config.dataDir, 'SELECT at FROM throttle_attempts WHERE key = ?', victimKey).length
  // Enough junk ahead of them that every hashing thread is busy for a while.
  const blockers = Array.from({ length: HASH_SLOTS + 6 }, (_, i) => send(port, '/account/login', { username: `blocker${i}`, password: 'x' }))
  const leaving = Array.from({ length: 5 }, (_, i) => send(port, '/account/login', { username: 'victim', password: `guess-${i}` }))
  // Each holds a reservation of the victim's failed logins while it waits for its hash.
  for (let tries = 0; attemptsOfVictim() < 5 && tries < 200; tries++) await new Promise((resolve) => setTimeout(resolve, 25))
  t.equal(attemptsOfVictim(), 5, 'the five guesses are waiting, each holding one of the victim\'s ten attempts')
  const outcomes = Promise.all(leaving.map((request) => request.answer.then(() => 'answered', () => 'gone')))
  for (const request of leaving) request.abandon()
  t.same(await outcomes, Array(5).fill('gone'), 'the clients left without an answer')
  // First in, first out: when this login is answered, every hash queued before it has had its turn.
  const right = await post(port, '/account/login', { username: 'victim', password: 'right' })
  t.equal(right.status, 200, 'the owner logs in')
  t.equal(attemptsOfVictim(), 0, 'none of the abandoned guesses counts against the victim')
  t.same(countByStatus(await Promise.all(blockers.map((b) => b.answer))), { 400: blockers.length }, 'the others were answered')
})

t.test('no connection ends without an answer: past PASSWORD_HASH_TIMEOUT a waiting login is answered 503', async (t) => {
  // A real process, with its socket timeout (REQUEST_TIMEOUT). A login waits at most 1 s for its hash,
  // then one hash of 64 MiB: the socket timeout leaves it room for that many times over, on this
  // machine as it is now (a hash timed here first). As many logins as would take twice that timeout
  // hashed one after another: without the hash queue's timeout, the later ones would lose their connection.
  const hashMs = await scryptMs(2 ** 16)
  const requestTimeoutMs = Math.ceil((4000 + 8 * hashMs) / 1000) * 1000
  const logins = Math.max(40, Math.ceil(2 * requestTimeoutMs * HASH_SLOTS / hashMs))
  const server = await spawnServer(t, {
    PASSWORD_SCRYPT_N: String(2 ** 16), REQUEST_TIMEOUT: `${requestTimeoutMs}ms`, PASSWORD_HASH_TIMEOUT: '1s', PASSWORD_HASH_QUEUE: '1000'
  })
  const answers = await Promise.allSettled(Array.from({ length: logins }, (_, i) =>
    post(server.port, '/account/login', { username: `junk${i}`, password: 'x' })))
  const failed = answers.filter((a) => a.status === 'rejected')
  t.equal(failed.length, 0, `every request was answered (${failed.map((a) => String((a as PromiseRejectedResult).reason)).join(', ')}; ${logins} logins, a hash took ${hashMs.toFixed(0)} ms here, REQUEST_TIMEOUT ${requestTimeoutMs} ms)`,
    { diagnostic: failed.length > 0, output: server.output().slice(-3000) })
  const answered = answers.flatMap((a) => a.status === 'fulfilled' ? [a.value] : [])
  const counts = countByStatus(answered)
  t.same(Object.keys(counts).sort(), ['400', '503'], `hashed in time or refused (${JSON.stringify(counts)})`)
  t.ok(answered.filter((a: Answer) => a.status === 503).every((a: Answer) => busyBody.test(a.body) && a.headers['retry-after'] !== undefined),
    'refusals in the contract\'s shape with Retry-After')
  server.child.kill('SIGTERM')
  await server.exited
})
