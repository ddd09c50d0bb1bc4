import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { ConfigError, defaultConfig, loadConfig, parseDuration } from '../src/config.js'

t.test('defaults', async (t) => {
  const config = loadConfig({})
  t.equal(config.host, '127.0.0.1')
  t.equal(config.port, 8000)
  t.equal(config.dataDir, path.resolve('var'))
  t.equal(config.logLevel, 'info')
  t.equal(config.tokenTtlMs, 10 * 3600 * 1000)
  t.equal(config.tokenAutoRefresh, false)
  t.equal(config.tokenLimit, null)
  t.equal(path.basename(config.defaultCatalogue), 'anime-offline-database.json')
})

t.test('reads each variable', async (t) => {
  const config = loadConfig({
    HOST: '0.0.0.0',
    PORT: '9000',
    DATA_DIR: '/tmp/x',
    LOG_LEVEL: 'WARN',
    TOKEN_TTL: '15m',
    TOKEN_AUTO_REFRESH: 'yes',
    TOKEN_LIMIT: '5',
    THROTTLE_IP_LIMIT: '7',
    THROTTLE_USER_LIMIT: '3',
    THROTTLE_WINDOW: '2m'
  })
  t.match(config, {
    host: '0.0.0.0',
    port: 9000,
    dataDir: '/tmp/x',
    logLevel: 'warn',
    tokenTtlMs: 900_000,
    tokenAutoRefresh: true,
    tokenLimit: 5,
    throttleIpLimit: 7,
    throttleUserLimit: 3,
    throttleWindowMs: 120_000
  })
  t.equal(loadConfig({ TOKEN_TTL: 'never' }).tokenTtlMs, null)
  t.equal(loadConfig({ TOKEN_LIMIT: '0' }).tokenLimit, null)
  t.equal(loadConfig({ PORT: '' }).port, defaultConfig.port, 'empty means unset')
})

t.test('a bad value stops the start with a message naming the variable', async (t) => {
  const bad: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'eighty' }, /^PORT: expected a whole number/],
    [{ PORT: '70000' }, /^PORT: must be between 0 and 65535/],
    [{ PORT: '-1' }, /^PORT:/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL: expected one of/],
    [{ TOKEN_TTL: 'ten hours' }, /^TOKEN_TTL: expected a duration/],
    [{ TOKEN_AUTO_REFRESH: 'maybe' }, /^TOKEN_AUTO_REFRESH: expected true or false/],
    [{ TOKEN_LIMIT: '1.5' }, /^TOKEN_LIMIT:/],
    [{ THROTTLE_WINDOW: '0s' }, /^THROTTLE_WINDOW: must be greater than zero/]
  ]
  for (const [env, message] of bad) {
    t.throws(() => loadConfig(env), message, JSON.stringify(env))
    t.throws(() => loadConfig(env), ConfigError)
  }
})

t.test('durations', async (t) => {
  t.equal(parseDuration('X', '90'), 90_000)
  t.equal(parseDuration('X', '250ms'), 250)
  t.equal(parseDuration('X', '1.5h'), 5_400_000)
  t.equal(parseDuration('X', '7d'), 604_800_000)
})

t.test('SHUTDOWN_DRAIN: a duration, 0 or off for none', async (t) => {
  t.equal(loadConfig({}).shutdownDrainMs, 5000)
  t.equal(loadConfig({ SHUTDOWN_DRAIN: '2s' }).shutdownDrainMs, 2000)
  t.equal(loadConfig({ SHUTDOWN_DRAIN: '0' }).shutdownDrainMs, 0)
  t.equal(loadConfig({ SHUTDOWN_DRAIN: 'off' }).shutdownDrainMs, 0)
  t.throws(() => loadConfig({ SHUTDOWN_DRAIN: 'a while' }), /^SHUTDOWN_DRAIN: expected a duration/)
})

t.test('watchlist and MAL import limits: defaults, .env.example, each variable, bad values', async (t) => {
  t.match(loadConfig({}), { watchlistsPerUser: 100, malImportMaxBytes: 16 << 20, malImportMaxEntries: 20_000, malImportMaxPending: 4 })
  const { parseEnv } = await import('node:util')
  const example = (parseEnv as (text: string) => Record<string, string>)(fs.readFileSync(path.join(import.meta.dirname, '..', '.env.example'), 'utf8'))
  for (const name of ['WATCHLISTS_PER_USER', 'MAL_IMPORT_MAX_BYTES', 'MAL_IMPORT_MAX_ENTRIES', 'MAL_IMPORT_MAX_PENDING']) t.ok(name in example, `${name} is in .env.example`)
  t.match(loadConfig(example), { watchlistsPerUser: 100, malImportMaxBytes: 16 << 20, malImportMaxEntries: 20_000, malImportMaxPending: 4 }, 'with the defaults')
  t.match(loadConfig({ WATCHLISTS_PER_USER: '5', MAL_IMPORT_MAX_BYTES: '2mb', MAL_IMPORT_MAX_ENTRIES: '500', MAL_IMPORT_MAX_PENDING: '1' }),
    { watchlistsPerUser: 5, malImportMaxBytes: 2 << 20, malImportMaxEntries: 500, malImportMaxPending: 1 })
  for (const [variable, value] of [
    ['WATCHLISTS_PER_USER', '0'], ['WATCHLISTS_PER_USER', 'many'], ['MAL_IMPORT_MAX_BYTES', '10'], ['MAL_IMPORT_MAX_BYTES', 'huge'],
    ['MAL_IMPORT_MAX_ENTRIES', '0'], ['MAL_IMPORT_MAX_PENDING', '-1']
  ] as const) {
    let thrown: unknown
    try { loadConfig({ [variable]: value }) } catch (error) { thrown = error }
    t.ok(thrown instanceof ConfigError && thrown.variable === variable, `${variable}=${value}: ${String(thrown)}`)
  }
})
