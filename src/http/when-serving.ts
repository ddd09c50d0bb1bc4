// Work a start leaves for later (the entry answers and Jikan resources loaded
// into memory, schemas compiled ahead): begun once the service has answered
// its first request, or has listened for a while without one. A client
// waiting for the service to come up (a health check, a load balancer, a
// restarted consumer) is answered first, instead of behind the first slices
// of that work, which each hold the event loop for a moment.
import type { FastifyInstance } from 'fastify'
import { foreground } from '../catalogue/engine/turns.js'

/** How long a listening service with no request yet waits before it begins the work anyway. */
export const FIRST_ANSWER_WAIT_MS = 1000

/**
 * Runs `work` once, as a background slice of its own (see Foreground: one per
 * turn of the event loop, after those asked before it, while no client
 * waits), after the first answer the server
 * sends (or `waitMs` after it listens, whichever comes first). Never runs on a
 * server that does not listen (inject only), nor once it is closing (its
 * databases may be closed by then): what the work prepares must also be made
 * when first asked for.
 */
export function whenServing (fastify: FastifyInstance, work: () => void, waitMs = FIRST_ANSWER_WAIT_MS): void {
  let begun = false
  let closing = false
  let timer: NodeJS.Timeout | undefined
  const begin = (): void => {
    if (begun) return
    begun = true
    clearTimeout(timer)
    foreground.background(() => { if (!closing) work() })
  }
  fastify.addHook('onListen', (done) => {
    // One listener for one request: nothing is added to the requests after it.
    fastify.server.once('request', (_request, response) => { response.once('close', begin) })
    timer = setTimeout(begin, waitMs).unref()
    done()
  })
  fastify.addHook('preClose', (done) => {
    closing = true
    clearTimeout(timer)
    done()
  })
}
