// WORKERS=2: the real server as a child process (anime-api serve, test/helpers/server.ts),
// two workers on one port sharing the SQLite files.
import t, { type Test } from 'tap'
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { once } from 'node:events'
import { aodRecord, aodText, writeAod } from '../helpers/aod.js'
import { tempDir } from '../helpers/app.js'
import { childEnv, eventually, freePort, program, startProcess } from '../helpers/server.js'

const root = path.resolve(import.meta.dirname, '..', '..')

interface Answer { status: number, worker: string, body: string }

/** One request on a connection of its own, so the primary hands it to the next worker. */
function request (port: number, method: string, url: string, body?: unknown, token?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const req = http.request({
      host: '127.0.0.1',
      port,
      method,
      path: url,
      agent: false,
      headers: {
        ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        ...(token === undefined ? {} : { authorization: `Token ${token}` })
      }
    }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { text += chunk })
      res.on('end', () => resolve({ status: res.statusCode!, worker: String(res.headers['x-worker'] ?? ''), body: text }))
    })
    req.on('error', reject)
    req.setTimeout(3000, () => req.destroy(new Error(`${method} ${url}: no answer in 3 s`)))
    req.end(payload)
  })
}

/** The server with WORKERS=2 in a child process, once both workers listen; its log lines (JSON) and exit. */
async function startCluster (t: Test, dir: string, port: number, settings: Record<string, string>) {
  const env = {
    ...process.env,
    DATA_DIR: dir,
    PORT: String(port),
    HOST: '127.0.0.1',
    WORKERS: '2',
    LOG_LEVEL: 'info',
    DEFAULT_CATALOGUE: writeAod(dir, [1, 2, 3].map((n) => aodRecord(n, { title: `Old ${n}` }))),
    PASSWORD_SCRYPT_N: '1024',
    RATE_LIMIT_MAX: '0',
    SHUTDOWN_DRAIN: '0',
    ...settings
  }
  const linesOf = (log: string) => log.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>)
  const { child: server, exited, output } = await startProcess(t, {
    env,
    ready: (log) => linesOf(log).filter((l) => l.msg === 'worker listening').length >= 2
  })
  return { server, env, exited, lines: () => linesOf(output()), log: output }
}

t.test('WORKERS=2 serves one port from two processes sharing the SQLite files', async (t) => {
  const dir = tempDir(t)
  const port = await freePort()
  const { server, env, exited, lines, log: output } = await startCluster(t, dir, port, { THROTTLE_IP_LIMIT: '100000', THROTTLE_USER_LIMIT: '100000' })

  // Both workers answer.
  const workers = new Set<string>()
  for (let i = 0; i < 40 && workers.size < 2; i++) {
    const res = await request(port, 'GET', '/anime/entry/1')
    t.equal(res.status, 200)
    workers.add(res.worker)
  }
  t.equal(workers.size, 2, `requests were served by two workers: ${[...workers].join(', ')}`)
  t.ok([...workers].every((w) => /^\d+$/.test(w) && w !== String(server.pid)), 'x-worker is a worker pid, not the primary')
  t.equal(lines().filter((l) => l.msg === 'default catalogue imported').length, 1, 'the default catalogue was imported once, by the primary')

  // An account made through one worker logs in through the other; tokens made by
  // one are accepted (and logged out) by the other.
  const registered = await request(port, 'POST', '/account/register', { username: 'alice', email: 'alice@example.com', password: 'pw-alice-1' })
  t.equal(registered.status, 200, registered.body)
  const tokensBy = new Map<string, string[]>([[registered.worker, [JSON.parse(registered.body).token]]])
  for (let i = 0; i < 40 && (tokensBy.size < 2 || [...tokensBy.values()].some((list) => list.length < 3)); i++) {
    const login = await request(port, 'POST', '/account/login', { username: 'alice', password: 'pw-alice-1' })
    t.equal(login.status, 200, login.body)
    tokensBy.set(login.worker, [...(tokensBy.get(login.worker) ?? []), JSON.parse(login.body).token])
  }
  t.equal(tokensBy.size, 2, 'the account registered through one worker logged in through the other')
  let crossed: { token: string, madeBy: string, usedBy: string } | undefined
  for (const [madeBy, tokens] of tokensBy) {
    for (const token of tokens) {
      const res = await request(port, 'POST', '/account/logout', undefined, token)
      t.equal(res.status, 204, `logout with a token made by ${madeBy}, answered by ${res.worker}`)
      if (res.worker !== madeBy) crossed ??= { token, madeBy, usedBy: res.worker }
    }
  }
  t.ok(crossed !== undefined, 'a token made by one worker was used through the other')
  for (let i = 0; i < 4; i++) {
    const res = await request(port, 'POST', '/account/logout', undefined, crossed!.token)
    t.equal(res.status, 401, `the logged-out token is refused by ${res.worker}`)
  }

  // A catalogue update through the CLI (from a local HTTP server) reaches every worker at once.
  const body = aodText([1, 2, 3, 4].map((n) => aodRecord(n, { title: `New ${n}` })), 'jsonl')
  const files = http.createServer((_req, res) => { res.end(body) }).listen(0, '127.0.0.1')
  await once(files, 'listening')
  t.teardown(() => files.close())
  const url = `http://127.0.0.1:${(files.address() as net.AddressInfo).port}/anime-offline-database.jsonl`
  // (not spawnSync: this process serves the file)
  const cli = await promisify(execFile)(process.execPath, [...program, 'catalogue', 'update', '--url', url], { cwd: root, env: childEnv(env), encoding: 'utf8' })
  t.match(cli.stdout, /1 added, 3 updated/)
  const seen = new Map<string, string>()
  for (let i = 0; i < 40 && seen.size < 2; i++) {
    const res = await request(port, 'GET', '/anime/entry/1')
    seen.set(res.worker, JSON.parse(res.body).title)
  }
  t.same([...seen.values()], ['New 1', 'New 1'], 'both workers serve the new catalogue')

  // SIGHUP to the primary reaches every worker.
  server.kill('SIGHUP')
  t.ok(await eventually(() => new Set(lines().filter((l) => l.msg === 'SIGHUP: catalogue re-checked').map((l) => l.pid)).size >= 2, 30_000, 100),
    'both workers re-check')

  // A worker that dies is replaced; the port keeps answering.
  const victim = [...seen.keys()][0]!
  process.kill(Number(victim), 'SIGKILL')
  const replacement = await eventually(async () => {
    const res = await request(port, 'GET', '/anime/random')
    return res.status === 200 && res.worker !== victim && !seen.has(res.worker) && res.worker
  }, 30_000, 100)
  t.ok(replacement, `worker ${victim} was replaced by ${replacement}`)
  if (!/worker died/.test(output())) t.comment(output().slice(-3000))
  t.match(output(), /worker died; starting another/)

  // SIGTERM stops the workers and the primary, gracefully.
  server.kill('SIGTERM')
  const { code } = await exited
  t.equal(code, 0, 'the primary exits 0 after its workers')
  await t.rejects(request(port, 'GET', '/anime/random'), 'nothing listens any more')
})

t.test('WORKERS=2: the login throttle counts the attempts made through either worker', async (t) => {
  const dir = tempDir(t)
  const port = await freePort()
  const { server, exited } = await startCluster(t, dir, port, { THROTTLE_USER_LIMIT: '4', THROTTLE_IP_LIMIT: '100000', THROTTLE_WINDOW: '10m' })
  t.equal((await request(port, 'POST', '/account/register', { username: 'bob', email: 'bob@example.com', password: 'pw-bob-1' })).status, 200)
  // Failed logins until the username is refused: with a count per worker it would take 8.
  const failedBy = new Set<string>()
  for (let i = 0; i < 4; i++) {
    const res = await request(port, 'POST', '/account/login', { username: 'bob', password: `guess ${i}` })
    t.equal(res.status, 400, `guess ${i}, answered by ${res.worker}`)
    failedBy.add(res.worker)
  }
  t.equal(failedBy.size, 2, 'the failed logins went through both workers')
  const refusedBy = new Set<string>()
  for (let i = 0; i < 6 && refusedBy.size < 2; i++) {
    const res = await request(port, 'POST', '/account/login', { username: 'bob', password: 'pw-bob-1' })
    t.equal(res.status, 429, `refused by ${res.worker}, even with the right password: ${res.body}`)
    refusedBy.add(res.worker)
  }
  t.equal(refusedBy.size, 2, 'both workers refuse')
  server.kill('SIGTERM')
  t.equal((await exited).code, 0)
})
