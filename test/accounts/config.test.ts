// The account settings from the environment: PASSWORD_SCRYPT_N and the token and throttle variables.
import t from 'tap'
import { ConfigError, loadConfig } from '../../src/config.js'

t.test('defaults: OWASP scrypt, 10-hour tokens, no refresh, no limit, 30 and 10 attempts a minute', async (t) => {
  const config = loadConfig({})
  t.equal(config.passwordScryptN, 131072)
  t.equal(config.tokenTtlMs, 36_000_000)
  t.equal(config.tokenAutoRefresh, false)
  t.equal(config.tokenLimit, null)
  t.same([config.throttleIpLimit, config.throttleUserLimit, config.throttleWindowMs], [30, 10, 60_000])
})

t.test('PASSWORD_SCRYPT_N: a power of two', async (t) => {
  t.equal(loadConfig({ PASSWORD_SCRYPT_N: '1024' }).passwordScryptN, 1024)
  t.equal(loadConfig({ PASSWORD_SCRYPT_N: '262144' }).passwordScryptN, 262144)
  for (const bad of ['1000', '0', 'lots', '-2', String(2 ** 21)]) {
    t.throws(() => loadConfig({ PASSWORD_SCRYPT_N: bad }), ConfigError, bad)
  }
})

t.test('TOKEN_TTL never, TOKEN_LIMIT, TOKEN_AUTO_REFRESH', async (t) => {
  t.equal(loadConfig({ TOKEN_TTL: 'never' }).tokenTtlMs, null)
  t.equal(loadConfig({ TOKEN_TTL: '15m' }).tokenTtlMs, 900_000)
  t.equal(loadConfig({ TOKEN_LIMIT: '5' }).tokenLimit, 5)
  t.equal(loadConfig({ TOKEN_AUTO_REFRESH: 'true' }).tokenAutoRefresh, true)
})

t.test('PASSWORD_HASH_QUEUE and PASSWORD_HASH_TIMEOUT: the hash queue\'s bounds, the wait shorter than REQUEST_TIMEOUT', async (t) => {
  const defaults = loadConfig({})
  t.equal(defaults.passwordHashQueue, 'auto', '8 per hashing thread')
  t.equal(defaults.passwordHashTimeoutMs, 10_000)
  t.equal(loadConfig({ PASSWORD_HASH_QUEUE: '50' }).passwordHashQueue, 50)
  t.equal(loadConfig({ PASSWORD_HASH_QUEUE: '0' }).passwordHashQueue, 0, 'none waits: refused whenever every thread is busy')
  t.equal(loadConfig({ PASSWORD_HASH_QUEUE: 'AUTO' }).passwordHashQueue, 'auto')
  t.equal(loadConfig({ PASSWORD_HASH_TIMEOUT: '2s' }).passwordHashTimeoutMs, 2000)
  t.equal(loadConfig({ PASSWORD_HASH_TIMEOUT: '1m', REQUEST_TIMEOUT: 'off' }).passwordHashTimeoutMs, 60_000, 'any wait when requests have no time limit')
  t.equal(loadConfig({ REQUEST_TIMEOUT: '5s' }).passwordHashTimeoutMs, 2500, 'unset, at most half of REQUEST_TIMEOUT')
  t.equal(loadConfig({ REQUEST_TIMEOUT: '5s', PASSWORD_HASH_TIMEOUT: '4s' }).passwordHashTimeoutMs, 4000)
  for (const [env, variable] of [
    [{ PASSWORD_HASH_QUEUE: 'lots' }, 'PASSWORD_HASH_QUEUE'],
    [{ PASSWORD_HASH_QUEUE: '-1' }, 'PASSWORD_HASH_QUEUE'],
    [{ PASSWORD_HASH_TIMEOUT: '0' }, 'PASSWORD_HASH_TIMEOUT'],
    [{ PASSWORD_HASH_TIMEOUT: '30s' }, 'PASSWORD_HASH_TIMEOUT'],
    [{ PASSWORD_HASH_TIMEOUT: '5s', REQUEST_TIMEOUT: '5s' }, 'PASSWORD_HASH_TIMEOUT']
  ] as const) {
    let thrown: unknown
    try { loadConfig(env) } catch (error) { thrown = error }
    t.ok(thrown instanceof ConfigError && thrown.variable === variable, `${JSON.stringify(env)}: ${String(thrown)}`)
  }
})
