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
