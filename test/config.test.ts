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

t.test('JIKAN_WRITTEN_MAX: off (0) by default, a size, or off/0/none', async (t) => {
  t.equal(loadConfig({}).jikanWrittenMaxBytes, 0)
  t.equal(loadConfig({ JIKAN_WRITTEN_MAX: '100mb' }).jikanWrittenMaxBytes, 100 << 20)
  t.equal(loadConfig({ JIKAN_WRITTEN_MAX: '65536' }).jikanWrittenMaxBytes, 65536)
  for (const off of ['off', '0', 'none']) t.equal(loadConfig({ JIKAN_WRITTEN_MAX: off }).jikanWrittenMaxBytes, 0, off)
  t.throws(() => loadConfig({ JIKAN_WRITTEN_MAX: 'all' }), /^JIKAN_WRITTEN_MAX: expected a size/)
  t.throws(() => loadConfig({ JIKAN_WRITTEN_MAX: '2gb' }), /^JIKAN_WRITTEN_MAX: expected a size/)
  t.throws(() => loadConfig({ JIKAN_WRITTEN_MAX: '2048mb' }), /^JIKAN_WRITTEN_MAX: must be between 1kb and 1024mb/)
})

t.test('watchlist and MAL import limits: defaults, each variable, bad values', async (t) => {
  t.match(loadConfig({}), { watchlistsPerUser: 100, malImportMaxBytes: 16 << 20, malImportMaxEntries: 20_000, malImportMaxPending: 4 })
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

t.test('.env.example and docs/configuration.md list exactly the table\'s variables, in its order, with its defaults', async (t) => {
  const { variables } = await import('../src/config.js')
  const root = path.join(import.meta.dirname, '..')
  const names = Object.keys(variables)
  const example = fs.readFileSync(path.join(root, '.env.example'), 'utf8')
  // Every line NAME=value, commented or not (DATABASE_URL has no default: its line is an example).
  const lines = [...example.matchAll(/^(?:# )?([A-Z][A-Z0-9_]+)=(.*)$/gm)].map(([, name, value]) => [name!, value!] as const)
  t.same(lines.map(([name]) => name), names, '.env.example')
  for (const [name, value] of lines) {
    const fallback = (variables[name as keyof typeof variables].schema as { default?: unknown }).default
    if (fallback === undefined) t.ok(example.includes(`# ${name}=`) || name === 'DEFAULT_CATALOGUE', `${name} has no default: commented out, or the shipped file`)
    else t.equal(value, String(fallback), `${name}'s value is its default`)
  }
  const docs = fs.readFileSync(path.join(root, 'docs', 'configuration.md'), 'utf8')
  t.same([...docs.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map(([, name]) => name), names, 'docs/configuration.md')
  t.match(loadConfig(Object.fromEntries(lines.filter(([name]) => !example.includes(`# ${name}=`)))), { ...defaultConfig, defaultCatalogue: String, now: Function }, '.env.example as the environment gives the defaults')
})

t.test('every bad variable is named at once, the first as the error\'s', async (t) => {
  let thrown: unknown
  try { loadConfig({ PORT: 'eighty', TOKEN_LIMIT: 'x', WORKERS: '0' }) } catch (error) { thrown = error }
  t.ok(thrown instanceof ConfigError)
  t.equal((thrown as ConfigError).variable, 'PORT')
  t.match((thrown as Error).message, /^PORT: expected a whole number, got "eighty"; TOKEN_LIMIT: expected a whole number, got "x"; WORKERS: must be between 1 and 256, got 0$/)
  t.throws(() => loadConfig({ THROTTLE_WINDOW: '0', BODY_LIMIT: 'big' }), /^THROTTLE_WINDOW: must be greater than zero, got "0"; BODY_LIMIT: expected a size/, 'the conversions\' faults too')
})

t.test('words in any case: AUTO, NEVER, Yes, WARN; surrounding blanks ignored', async (t) => {
  t.match(loadConfig({ WORKERS: 'AUTO', TOKEN_TTL: 'NEVER', TOKEN_AUTO_REFRESH: 'Yes', LOG_LEVEL: ' WARN ', PORT: ' 9000 ', RATE_LIMIT_MAX: 'Off' }),
    { tokenTtlMs: null, tokenAutoRefresh: true, logLevel: 'warn', port: 9000, rateLimitMax: 0 })
  t.equal(loadConfig({ TOKEN_AUTO_REFRESH: 'off' }).tokenAutoRefresh, false)
  t.throws(() => loadConfig({ SHUTDOWN_TIMEOUT: 'off' }), /^SHUTDOWN_TIMEOUT: expected a duration/, 'off only where the variable has an off')
})
