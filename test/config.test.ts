import t from 'tap'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
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
    HOST: '0.0.0.0', PORT: '9000', DATA_DIR: '/tmp/x', LOG_LEVEL: 'WARN', TOKEN_TTL: '15m',
    TOKEN_AUTO_REFRESH: 'yes', TOKEN_LIMIT: '5', THROTTLE_IP_LIMIT: '7', THROTTLE_USER_LIMIT: '3', THROTTLE_WINDOW: '2m'
  })
  t.match(config, {
    host: '0.0.0.0', port: 9000, dataDir: '/tmp/x', logLevel: 'warn', tokenTtlMs: 900_000,
    tokenAutoRefresh: true, tokenLimit: 5, throttleIpLimit: 7, throttleUserLimit: 3, throttleWindowMs: 120_000
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

t.test('HEAP_YOUNG_GENERATION', async (t) => {
  t.equal(loadConfig({}).heapYoungGeneration, 'small')
  t.equal(loadConfig({ HEAP_YOUNG_GENERATION: 'Default' }).heapYoungGeneration, 'default')
  t.throws(() => loadConfig({ HEAP_YOUNG_GENERATION: 'tiny' }), /^HEAP_YOUNG_GENERATION: expected small or default/)
})

t.test('a small young generation stays small under allocation pressure', async (t) => {
  // In a child: the flag is process-wide. Allocates ~400 MB of short-lived objects, then reports the new space.
  const newSpaceMb = (setting: string, nodeArgs: string[] = []): number => {
    const script = `
      import v8 from 'node:v8'
      import { limitYoungGeneration } from ${JSON.stringify(new URL('../src/heap.ts', import.meta.url).href)}
      const applied = limitYoungGeneration(${JSON.stringify(setting)})
      let keep = []
      for (let i = 0; i < 4_000_000; i++) { keep.push({ i, text: 'x' + i }); if (keep.length > 1000) keep = [] }
      const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')
      console.log(JSON.stringify({ applied, mb: space.space_size / 1048576 }))`
    const out = execFileSync(process.execPath, [...nodeArgs, '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' })
    const { applied, mb } = JSON.parse(out.trim()) as { applied: boolean, mb: number }
    t.equal(applied, setting === 'small' && nodeArgs.length === 0, `applied with ${setting} ${nodeArgs.join(' ')}`)
    return mb
  }
  const small = newSpaceMb('small')
  const grown = newSpaceMb('default')
  t.ok(small <= 4, `new space ${small} MB with small`)
  t.ok(grown >= 2 * small, `new space ${grown} MB with default (V8 grows it)`)
  t.ok(newSpaceMb('small', ['--max-semi-space-size=8']) > small, "node's own --max-semi-space-size wins")
})
