// How the serving process uses V8's heap.
//
// Young generation: V8 grows it up to 2 × 16 MiB semi-spaces under allocation
// pressure and rarely gives it back; a server answering small requests never
// needs that, and it was most of the RSS left after load (bench/NOTES.md).
// Stopping its growth keeps it at V8's initial 1 MiB semi-spaces: scavenges
// come more often but each copies only the objects of requests still in flight.
//
// Idle collection: a burst of requests promotes garbage into the old generation,
// and V8 keeps the pages it grew into once the traffic stops; its memory reducer
// returns them only ~100 s later (a watchdog: its allocation-rate check is fed by
// collections, and an idle process has none). One full collection once the event
// loop has been idle for a moment gives them back within seconds; compacting
// the old generation in it (V8 otherwise moves objects only off its most
// fragmented pages) frees the pages that a few survivors each kept, a third of
// what is left (bench/NOTES.md).
import v8 from 'node:v8'
import vm from 'node:vm'
import { performance } from 'node:perf_hooks'
import { debuglog } from 'node:util'

const debug = debuglog('anime-api')

/**
 * The V8 flags this module sets at run time, with V8's defaults. The production
 * loader (src/bundle/start.ts) puts them back while it makes the code cache:
 * V8 accepts cached data only under the flag hash of a fresh start.
 */
export const runtimeFlagDefaults: Readonly<Record<string, string | boolean>> = {
  'semi-space-growth-factor': '2',
  'expose-gc': false,
  'compact-on-every-full-gc': false
}

/**
 * Whether node was started with the V8 flag `name` (`--name`, `--no-name` or
 * `--name=value`, on its command line or in NODE_OPTIONS): the user's setting,
 * which then wins over ours.
 */
export function givenToNode (name: string): boolean {
  return [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)]
    .some((flag) => flag.startsWith('--') && v8Flag(flag).name === name)
}

/** A V8 flag's name (dashes, not underscores) and value: `--x=1` → 1, `--x` → true, `--no-x` → false. */
export function v8Flag (flag: string): { name: string, value: string | boolean } {
  const [name, value] = flag.replace(/^--/, '').replaceAll('_', '-').split('=') as [string, string | undefined]
  if (value !== undefined) return { name, value }
  return name.startsWith('no-') ? { name: name.slice(3), value: false } : { name, value: true }
}

/** Keeps the young generation small for serving (see above) unless HEAP_YOUNG_GENERATION=default. Whether it did. */
export function limitYoungGeneration (setting: 'small' | 'default'): boolean {
  if (setting === 'default' || givenToNode('max-semi-space-size') || givenToNode('semi-space-size')) return false
  // Read by V8 each time it considers growing the new space (a runtime flag, unlike --max-semi-space-size).
  v8.setFlagsFromString('--semi-space-growth-factor=1')
  return true
}

/**
 * V8's full collection: `gc` when node runs with --expose-gc, otherwise taken
 * from a context made while the flag is briefly on (V8 installs `gc` in the
 * contexts created under it). Every flag is back as it was once this returns.
 */
function fullCollection (): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc
  const gc = typeof exposed === 'function' ? exposed : withFlag('expose-gc', () => vm.runInNewContext('gc') as () => void)
  if (givenToNode('compact-on-every-full-gc')) return gc
  return () => withFlag('compact-on-every-full-gc', gc)
}

/** Runs `work` with a boolean V8 flag on, then turns it off again (its default). */
function withFlag<T> (name: string, work: () => T): T {
  v8.setFlagsFromString(`--${name}`)
  try {
    return work()
  } finally {
    v8.setFlagsFromString(`--no-${name}`)
  }
}

export interface IdleCollectionOptions {
  /** How often the event loop's load is sampled (ms); default: min(idleMs, 1000). */
  everyMs?: number
  /** Heap growth since the last full collection that makes one worth it (bytes); default 8 MiB. */
  minGrowthBytes?: number
  /** Called after each collection with the heap's committed size before and after (bytes). */
  onCollect?: (before: number, after: number) => void
}

/** Below this share of the time busy, the event loop counts as idle (a trickle of requests is idle). */
const IDLE_UTILIZATION = 0.05

/**
 * Runs one full collection once the event loop has been idle for `idleMs` after
 * the heap grew (see above); `idleMs` 0: never. Costs one sample of the event
 * loop's utilization and of the heap's size per `everyMs`. Returns the stop function.
 */
export function collectWhenIdle (idleMs: number, options: IdleCollectionOptions = {}): () => void {
  if (idleMs <= 0) return () => {}
  const collect = fullCollection()
  const everyMs = options.everyMs ?? Math.min(idleMs, 1000)
  const minGrowth = options.minGrowthBytes ?? 8 * 1024 * 1024
  const committed = (): number => v8.getHeapStatistics().total_heap_size
  let floor = committed() // the heap's size after the last full collection (or the smallest seen since)
  let last = performance.eventLoopUtilization()
  let idleFor = 0
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization()
    const { idle, active, utilization } = performance.eventLoopUtilization(now, last)
    last = now
    idleFor = utilization < IDLE_UTILIZATION ? idleFor + idle + active : 0
    const before = committed()
    floor = Math.min(floor, before)
    if (idleFor < idleMs || before - floor < minGrowth) return
    const started = performance.now()
    collect()
    floor = committed()
    idleFor = 0
    debug('idle collection: heap %d -> %d MiB in %d ms', Math.round(before / 1048576), Math.round(floor / 1048576), Math.round(performance.now() - started))
    options.onCollect?.(before, floor)
  }, everyMs)
  timer.unref()
  return () => clearInterval(timer)
}
