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
 */
export interface Foreground {
  /** `work()`, counted as waited for by a client until it settles. */
  during: <T>(work: () => Promise<T>) => Promise<T>
  /** Whether a client waits for some work now. */
  busy: () => boolean
  /**
   * Runs `next` at a later turn of the event loop when no client waits (a
   * background slice), else once none does, or `maxDeferMs` after it was asked
   * at the latest.
   */
  background: (next: () => void) => void
}

export interface ForegroundOptions {
  /** The longest a background slice waits for the foreground to end. */
  maxDeferMs?: number
  /** Runs at a later turn of the event loop (setImmediate; tests pass their own). */
  schedule?: (next: () => void) => void
}

export const MAX_BACKGROUND_DEFER_MS = 100

export function createForeground (options: ForegroundOptions = {}): Foreground {
  const maxDeferMs = options.maxDeferMs ?? MAX_BACKGROUND_DEFER_MS
  const schedule = options.schedule ?? setImmediate
  let waitedFor = 0
  /** Background slices asked for while a client waited, each with what ends its wait early. */
  const parked = new Set<{ next: () => void, timer: NodeJS.Timeout }>()

  const release = (slice: { next: () => void, timer: NodeJS.Timeout }): void => {
    if (!parked.delete(slice)) return
    clearTimeout(slice.timer)
    slice.next()
  }
  const releaseAll = (): void => { for (const slice of [...parked]) release(slice) }

  return {
    async during (work) {
      waitedFor++
      try {
        return await work()
      } finally {
        // At the next turn, not now: a client whose work ends here often asks for more at once (the next request of its connection).
        if (--waitedFor === 0 && parked.size > 0) schedule(() => { if (waitedFor === 0) releaseAll() })
      }
    },
    busy: () => waitedFor > 0,
    background (next) {
      schedule(() => {
        if (waitedFor === 0) { next(); return }
        const slice = { next, timer: setTimeout(() => { release(slice) }, maxDeferMs) }
        parked.add(slice)
      })
    }
  }
}

/** The service's foreground: one event loop, one per process (each worker thread has its own). */
export const foreground = createForeground()
