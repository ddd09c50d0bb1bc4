// The account settings from the environment: PASSWORD_SCRYPT_N and the token and throttle variables.
import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.js'

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
