// Memory given back once the service goes quiet after a burst of requests.
//
// What a burst leaves (objects promoted to V8's old generation, buffers whose
// bytes go only with the objects holding them, a young generation grown to its
// cap) stays resident until V8's next full collection, and a quiet process
// allocates nothing that would start one: V8's memory reducer runs one only on
// its own timers, anywhere from seconds to some 100 s later. So when the event loop has been
// nearly idle for 6 s and what V8 answers for (its heap and the bytes of
// buffers) has grown since the last such collection, the service runs a full
// collection itself, twice: the first finds what is live, and only the second,
// knowing how full each page is, moves the survivors out of the pages left
// nearly empty and frees them (after one, the old generation kept its pages, a
// few MB live in tens). Why 6 s: V8 shrinks the young generation after a full
// collection only when the allocation rate it measured over the last 5 s is
// low, and it measures it from one collection to the next; 2 s after the
// burst, the burst was still in that window. After such a collection V8 sets
// the old generation's limit a few MB above what is live, and counts the
// buffers allocated since against it: a route that allocated a large buffer
// per answer then ran full collection after full collection under the next
// burst, which is why /v4 pages reuse theirs (src/jikan/resources.ts,
// docs/deployment.md). QUIET_COLLECTION=off: nothing is done.
import { performance } from 'node:perf_hooks'
import v8 from 'node:v8'
import vm from 'node:vm'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'

export interface QuietCollectorOptions {
  /** The collection: V8's `gc()`, twice. */
  collect: () => void
  /** What a collection can give back, in bytes: V8's heap and the buffers' bytes outside it (process.memoryUsage's heapTotal + external). */
  held: () => number
  /** The share of time the event loop worked since the last call, 0 to 1 (from performance.eventLoopUtilization). */
  busy: () => number
  /** Growth of `held` since the last collection (bytes) that makes one worth its pause (QUIET_COLLECTION). */
  growth: number
  /** Told of each collection: `held` before it and one tick later (V8 frees the pages on a thread of its own). */
  collected?: (before: number, after: number) => void
}

/** A tick a second; a collection after 6 quiet ones, each under 2 % of the loop's time at work. */
export const QUIET_COLLECTION = { intervalMs: 1000, quietTicks: 6, quietShare: 0.02 } as const

/**
 * The rule, one tick at a time (a tick a second in the service): collect when
 * the loop has been quiet for `quietTicks` ticks in a row and `held` is `growth` above
 * what it was just after the last collection (or at the start). Memory kept
 * live (caches filling) raises the mark instead of causing a collection every
 * few seconds. Not resident memory: a password hash's (scrypt's, outside V8)
 * comes and goes with each login, and no collection gives it back.
 */
export function createQuietCollector (options: QuietCollectorOptions): { tick: () => boolean } {
  const { collect, held, busy, growth, collected } = options
  const { quietTicks, quietShare } = QUIET_COLLECTION
  let mark = held()
  let quiet = 0
  let pending: number | null = null // held before the last collection, until the tick after it
  return {
    tick () {
      const now = held()
      if (pending !== null) {
        collected?.(pending, now)
        mark = now
        pending = null
      }
      quiet = busy() < quietShare ? quiet + 1 : 0
      if (quiet < quietTicks || now < mark + growth) return false
      collect()
      pending = now
      quiet = 0
      return true
    }
  }
}

/**
 * V8's gc(): node's, when it runs with --expose-gc; else taken from a context
 * made while V8's flag that exposes it is set. The flag is set back at once,
 * so that no other context (a worker thread's included) gets gc(). The same
 * function either way: it collects the whole heap of the process's isolate.
 */
export function v8Gc (): () => void {
  const exposed = (globalThis as { gc?: unknown }).gc
  if (typeof exposed === 'function') return exposed as () => void
  v8.setFlagsFromString('--expose-gc')
  try {
    return vm.runInNewContext('gc') as () => void
  } finally {
    v8.setFlagsFromString('--no-expose-gc')
  }
}

/**
 * Ticks every second from registration to close, logging each collection at
 * debug level. Does nothing with `growth` null (QUIET_COLLECTION=off).
 */
export const quietCollection = fp(async function quietCollection (fastify: FastifyInstance, options: { growth: number | null }) {
  if (options.growth === null) return
  // Taken at the first collection, not at start: the context it may need is not made for nothing.
  let gc: (() => void) | undefined
  let last = performance.eventLoopUtilization()
  const collector = createQuietCollector({
    collect: () => {
      gc ??= v8Gc()
      gc()
      gc()
    },
    growth: options.growth,
    held: () => {
      const { heapTotal, external } = process.memoryUsage()
      return heapTotal + external
    },
    busy: () => {
      const now = performance.eventLoopUtilization()
      const share = performance.eventLoopUtilization(now, last).utilization
      last = now
      return share
    },
    collected: (before, after) => {
      fastify.log.debug({ heldBeforeMb: Math.round(before / 1e6), heldAfterMb: Math.round(after / 1e6), rssMb: Math.round(process.memoryUsage.rss() / 1e6) }, 'quiet collection')
    }
  })
  const timer = setInterval(() => { collector.tick() }, QUIET_COLLECTION.intervalMs).unref()
  fastify.addHook('onClose', async () => { clearInterval(timer) })
}, { name: 'quiet-collection' })
