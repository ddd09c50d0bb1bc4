// Durability, for real: a child process serves; the test registers accounts as
// fast as it can, kills the child with SIGKILL mid-stream, restarts it on the
// same DATA_DIR, and every account that got a 200 logs in (and its token works).
import t, { type Test } from 'tap'
import { tempDir } from '../helpers/app.js'
import { fixtureCatalogue } from '../helpers/accounts.js'
import { freshDatabase } from '../helpers/postgres.js'
import { freePort, serviceEnv, startProcess, type StartedProcess } from '../helpers/server.js'

interface Child extends StartedProcess { base: string }

async function startChild (t: Test, dataDir: string, catalogue: string, databaseUrl?: string): Promise<Child> {
  const port = await freePort()
  const started = await startProcess(t, {
    env: {
      ...serviceEnv(port, dataDir, catalogue),
      LOG_LEVEL: 'info',
      PASSWORD_SCRYPT_N: '1024',
      THROTTLE_IP_LIMIT: '1000000',
      THROTTLE_USER_LIMIT: '1000000',
      // Hundreds of registrations, logins and logouts from one address: not the global rate limit's business here,
      // nor the password-hash queue's (32 logins at once after the restart).
      RATE_LIMIT_MAX: '0',
      PASSWORD_HASH_QUEUE: '1000',
      SHUTDOWN_DRAIN: '0',
      // On PostgreSQL when test/storage/postgres/ runs this file.
      ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl })
    },
    ready: (output) => output.includes('Server listening')
  })
  return { ...started, base: `http://127.0.0.1:${port}` }
}

const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })

t.test('every registration answered 200 survives SIGKILL', async (t) => {
  const dataDir = tempDir(t)
  const catalogue = fixtureCatalogue(tempDir(t))
  const server = process.env.TEST_DATABASE_URL
  const databaseUrl = server === undefined || server === '' ? undefined : await freshDatabase(t, server)
  const first = await startChild(t, dataDir, catalogue, databaseUrl)

  const registered: Array<{ username: string, token: string }> = []
  let next = 0
  let stop = false
  const worker = async () => {
    while (!stop) {
      const username = `user${next++}`
      try {
        const res = await postJson(`${first.base}/account/register`, { username, email: `${username}@test.com`, password: `pw-${username}` })
        if (res.status === 200) registered.push({ username, token: ((await res.json()) as { token: string }).token })
      } catch {
        return // the connection died with the server
      }
    }
  }
  const workers = Array.from({ length: 16 }, worker)
  // Killed once enough accounts were answered 200, with more on their way (however busy the machine).
  for (let waited = 0; registered.length < 10 && waited < 120_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal(first.child.exitCode, null, 'the server is still running when killed', first.child.exitCode === null ? {} : { output: first.output() })
  first.child.kill('SIGKILL')
  stop = true
  await Promise.all(workers)
  await first.exited
  t.equal(first.child.signalCode, 'SIGKILL')
  t.ok(registered.length >= 10, `${registered.length} accounts got 200 before the kill (${next - registered.length} unanswered)`)

  const second = await startChild(t, dataDir, catalogue, databaseUrl)
  const lost: string[] = []
  for (let i = 0; i < registered.length; i += 32) {
    await Promise.all(registered.slice(i, i + 32).map(async ({ username, token }) => {
      const login = await postJson(`${second.base}/account/login`, { username, password: `pw-${username}` })
      const logout = await postJson(`${second.base}/account/logout`, {}, { authorization: `Token ${token}` })
      if (login.status !== 200 || logout.status !== 204) lost.push(`${username}: login ${login.status}, token ${logout.status}`)
    }))
  }
  t.same(lost, [], 'every account that got a 200 logs in, and its token is valid')
  second.child.kill('SIGTERM')
  await second.exited
})
