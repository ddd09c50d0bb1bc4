// An app for the account tests: a small catalogue, cheap password hashes
// (buildApp's scrypt N=2^10; one test uses the real parameters), a clock the test moves,
// and throttling out of the way unless a test asks for it.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { AppOptions } from '../../src/app.js'
import { aodRecord, writeAod } from './aod.js'
import { FAST_SCRYPT_N, buildApp, tempDir } from './app.js'

interface Teardown { teardown: (fn: () => unknown) => void }

export class TestClock {
  constructor (public ms = Date.parse('2021-01-06T17:46:41.006Z')) {}
  now = (): number => this.ms
  advance (ms: number): void { this.ms += ms }
}

export { FAST_SCRYPT_N }

export function fixtureCatalogue (dir: string): string {
  return writeAod(dir, [1, 2, 3].map((n) => aodRecord(n)))
}

export async function accountsApp (t: Teardown, options: AppOptions = {}): Promise<FastifyInstance & { clock: TestClock }> {
  const dir = options.dataDir ?? tempDir(t)
  const clock = new TestClock()
  const merged: AppOptions = {
    dataDir: dir,
    defaultCatalogue: fixtureCatalogue(dir),
    throttleIpLimit: 1_000_000,
    throttleUserLimit: 1_000_000,
    now: clock.now,
    ...options
  }
  // An option given as undefined falls back to the service's default (buildApp drops it).
  const app = await buildApp(t, merged)
  return Object.assign(app, { clock })
}

export const post = (app: FastifyInstance, url: string, payload?: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> =>
  app.inject({ method: 'POST', url, payload: payload as string | object | undefined, headers })

export async function register (app: FastifyInstance, username = 'test', email = `${username}@test.com`, password = 'test') {
  const res = await post(app, '/account/register', { username, email, password })
  if (res.statusCode !== 200) throw new Error(`register ${username}: ${res.statusCode} ${res.body}`)
  return res.json() as { user: { id: number, username: string, email: string }, token: string }
}

export async function login (app: FastifyInstance, username = 'test', password = 'test') {
  const res = await post(app, '/account/login', { username, password })
  if (res.statusCode !== 200) throw new Error(`login ${username}: ${res.statusCode} ${res.body}`)
  return res.json() as { expiry: string | null, token: string }
}

export const tokenHeader = (token: string): Record<string, string> => ({ authorization: `Token ${token}` })
