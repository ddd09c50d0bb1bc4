// Work that takes the event loop for a while (a search, similar entries) run
// one piece per turn of the loop, so that the cheap requests read at each turn
// (an entry, a random pick) never wait behind more than one of them.

/**
 * A gate: each call resolves at a later turn of the event loop (in the check
 * phase, after the sockets were read), one caller per turn, in the order they
 * asked. Ten searches parsed in one turn then run over ten turns, the entry
 * requests of each turn answered in between, where without it every entry
 * read with them waited for all ten. Total work is the same; a lone caller
 * waits one turn.
 */
export function createTurns (schedule: (next: () => void) => void = setImmediate): () => Promise<void> {
  const waiting: Array<() => void> = []
  let scheduled = false
  const run = (): void => {
    const next = waiting.shift()
    if (waiting.length > 0) schedule(run)
    else scheduled = false
    next?.()
  }
  return () => new Promise<void>((resolve) => {
    waiting.push(resolve)
    if (!scheduled) {
      scheduled = true
      schedule(run)
    }
  })
}

/**
 * Which of the event loop's work is waited for by a client (a recommendation
 * between its slices, a request waiting for the index to load) and which is
 * not (the start-up loads of the held answers, done in slices beside the
 * service): background slices step aside while a client waits, so the first
 * calls after a start are not each slowed by a slice of every load at every
 * yield. Never for long: a background slice deferred for `maxDeferMs` runs
 * anyway, so that a steady stream of recommendations cannot hold a load back
 * for good (it then advances a slice at a time at that pace).
 *
 * Background slices wait in one queue and run one per turn of the event loop,
 * in the order asked, whoever asked (the loads of the entry answers and of the
 * Jikan resources, compilations, the index's decode): a request read in a turn
 * waits for one slice at most, where slices of every load queued for the same
 * turn would each have run before the sockets were read again.
 */
export interface Foreground {
  /** `work()`, counted as waited for by a client until it settles. */
  during: <T>(work: () => Promise<T>) => Promise<T>
  /** Whether a client waits for some work now. */
  busy: () => boolean
  /**
   * Runs `next` at a later turn of the event loop, after the background slices
   * asked before it, one per turn, when no client waits; else once none does,
   * or `maxDeferMs` after it was asked at the latest.
   */
  background: (next: () => void) => void
}

export interface ForegroundOptions {
  /** The longest a background slice waits for the foreground to end. */
  maxDeferMs?: number
  /** Runs at a later turn of the event loop (setImmediate; tests pass their own). */
  schedule?: (next: () => void) => void
  /** Milliseconds since some fixed time (performance.now; tests pass their own). */
  now?: () => number
}

export const MAX_BACKGROUND_DEFER_MS = 100

/** What a background slice that can be cut finer (the loads' slices of rows) aims to take at most, in milliseconds. */
export const BACKGROUND_SLICE_MS = 3

export function createForeground (options: ForegroundOptions = {}): Foreground {
  const maxDeferMs = options.maxDeferMs ?? MAX_BACKGROUND_DEFER_MS
  const schedule = options.schedule ?? setImmediate
  const now = options.now ?? (() => performance.now())
  let waitedFor = 0
  /** Since when a client waits (while waitedFor > 0). */
  let busySince = 0
  /** Background slices not run yet, in the order asked, each with when it was asked. */
  const queue: Array<{ next: () => void, at: number }> = []
  let head = 0
  /** A turn is asked for (schedule) to run the next slice. */
  let scheduled = false
  /** While a client waits: what runs the first slice once it has waited maxDeferMs. */
  let timer: NodeJS.Timeout | undefined

  const pump = (): void => {
    scheduled = false
    if (head === queue.length) return
    const first = queue[head]!
    // Deferred from when it was asked or when the client began to wait, whichever is later.
    const due = Math.max(first.at, busySince) + maxDeferMs
    if (waitedFor > 0 && now() < due) {
      // A client waits: the slice runs once none does (during's end pumps) or once it has waited long enough.
      if (timer === undefined) timer = setTimeout(() => { timer = undefined; pumpSoon() }, Math.max(0, due - now()))
      return
    }
    clearTimeout(timer)
    timer = undefined
    queue[head++] = undefined as never
    // Loads that each ask for their next slice keep the queue from emptying: what has run is dropped now and then.
    if (head === queue.length || head >= 1024) { queue.splice(0, head); head = 0 }
    // The next slice at the next turn, whatever this one does (it may throw, or ask for more).
    if (head < queue.length) pumpSoon()
    first.next()
  }
  const pumpSoon = (): void => {
    if (scheduled) return
    scheduled = true
    schedule(pump)
  }

  return {
    async during (work) {
      if (waitedFor++ === 0) busySince = now()
      try {
        return await work()
      } finally {
        // At the next turn, not now: a client whose work ends here often asks for more at once (the next request of its connection).
        if (--waitedFor === 0 && head < queue.length) pumpSoon()
      }
    },
    busy: () => waitedFor > 0,
    background (next) {
      queue.push({ next, at: now() })
      pumpSoon()
    }
  }
}

/** The service's foreground: one event loop, one per process (each worker thread has its own). */
export const foreground = createForeground()
