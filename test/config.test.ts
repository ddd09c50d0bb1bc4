import t from 'tap'
import fs from 'node:fs'
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

t.test('HEAP_IDLE_COLLECTION', async (t) => {
  t.equal(loadConfig({}).heapIdleCollectionMs, 5000)
  t.equal(loadConfig({ HEAP_IDLE_COLLECTION: '500ms' }).heapIdleCollectionMs, 500)
  t.equal(loadConfig({ HEAP_IDLE_COLLECTION: 'off' }).heapIdleCollectionMs, 0)
  t.throws(() => loadConfig({ HEAP_IDLE_COLLECTION: 'soon' }), /^HEAP_IDLE_COLLECTION: expected a duration/)
})

t.test('after the heap grew, one full collection once the event loop is idle, none while it is busy', async (t) => {
  // In a child: the flags it sets are process-wide. Grows the old generation with
  // objects that then die, keeps the loop busy (timers still run), then idles.
  const script = `
    import v8 from 'node:v8'
    import { collectWhenIdle } from ${JSON.stringify(new URL('../src/heap.ts', import.meta.url).href)}
    const committed = () => v8.getHeapStatistics().total_heap_size
    const collections = []
    collectWhenIdle(300, { everyMs: 50, onCollect: (before, after) => collections.push({ before, after }) })
    const start = committed()
    let keep = []
    for (let i = 0; i < 400_000; i++) keep.push({ i, text: 'entry ' + i })
    for (let round = 0; round < 20; round++) { let garbage = []; for (let i = 0; i < 50_000; i++) garbage.push({ i }) }
    keep = null
    const grown = committed()
    const busyUntil = Date.now() + 800
    await new Promise((resolve) => { const spin = () => { const t = Date.now(); while (Date.now() - t < 20); Date.now() < busyUntil ? setImmediate(spin) : resolve() }; spin() })
    const whileBusy = collections.length
    await new Promise((resolve) => setTimeout(resolve, 1200))
    const afterIdle = collections.length
    await new Promise((resolve) => setTimeout(resolve, 600))
    console.log(JSON.stringify({ start, grown, whileBusy, afterIdle, collections, end: committed(), exposed: typeof globalThis.gc }))
    process.exit(0)`
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' })
  const r = JSON.parse(out.trim()) as { start: number, grown: number, whileBusy: number, afterIdle: number, collections: Array<{ before: number, after: number }>, end: number, exposed: string }
  t.ok(r.grown - r.start > 16 * 1048576, `the heap grew (${r.start} -> ${r.grown} bytes)`)
  t.equal(r.whileBusy, 0, 'no collection while the event loop is busy')
  t.equal(r.afterIdle, 1, 'one collection once it is idle')
  t.equal(r.collections.length, 1, 'and no more while the heap does not grow again')
  t.ok(r.collections[0]!.after < r.collections[0]!.before - 8 * 1048576, `it gave memory back (${r.collections[0]!.before} -> ${r.collections[0]!.after} bytes)`)
  t.ok(r.end < r.grown, 'the heap ends smaller than it grew')
  t.equal(r.exposed, 'undefined', 'gc is not left on the global object')
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
