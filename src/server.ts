// The HTTP service of one process: build the app from the configuration,
// listen, stop gracefully. A library; the program is `anime-api serve`
// (src/cli.ts, through src/cluster.ts).
import { setTimeout as sleep } from 'node:timers/promises'
import fp from 'fastify-plugin'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Bindings, ChildLoggerOptions } from 'fastify/types/logger.js'
import app, { serverOptionsFor } from './app.js'
import type { AppConfig } from './config.js'
import { liveUpdates, workerHeader } from './live.js'
import { quietCollection } from './quiet-collection.js'

export async function startServer (config: AppConfig): Promise<FastifyInstance> {
  const fastify = Fastify({
    ...serverOptionsFor(config),
    logger: {
      level: config.logLevel,
      redact: { paths: ['req.headers.authorization', 'req.body.password'], censor: '[redacted]' }
    },
    childLoggerFactory: (logger, bindings, options) => new RequestLogger(logger, bindings, options)
  })
  workerHeader(fastify, config)
  await fastify.register(fp(app), config)
  await fastify.register(liveUpdates, config)
  await fastify.register(quietCollection, { growth: config.quietCollectionBytes })
  const stopGracefully = gracefulStop(fastify, config)
  // The signal handlers come before listening: in a cluster the primary hands this worker
  // connections as soon as it has registered it, before listen() resolves here, and a
  // SIGTERM in between would otherwise kill the process with those connections open.
  // A signal that arrives while listening is acted on once the server listens.
  let listened!: (ok: boolean) => void
  const listening = new Promise<boolean>((resolve) => { listened = resolve })
  const onSignal = (signal: NodeJS.Signals) => {
    void listening.then(async (ok) => { if (ok) await stopGracefully(signal) })
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  try {
    await fastify.listen({ host: config.host, port: config.port })
    listened(true)
  } catch (error) {
    listened(false)
    process.off('SIGTERM', onSignal)
    process.off('SIGINT', onSignal)
    await fastify.close() // the databases and timers opened by the plugins
    throw error
  }
  return fastify
}

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'
type LogArgs = Parameters<FastifyBaseLogger['info']>

/**
 * A request's logger, made (pino's child, with the request id bound) when the
 * request first logs at a level that is on. At the usual levels a request logs
 * nothing, and the child, its bindings serialised, was a cost of every request.
 */
class RequestLogger {
  private made: FastifyBaseLogger | null = null

  constructor (private readonly parent: FastifyBaseLogger, private readonly bindings: Bindings, private readonly options: ChildLoggerOptions) {}

  get level (): string { return this.child$().level }
  set level (level: string) { this.child$().level = level }
  get silent (): FastifyBaseLogger['silent'] { return this.child$().silent }

  trace (...args: LogArgs): void { this.log('trace', args) }
  debug (...args: LogArgs): void { this.log('debug', args) }
  info (...args: LogArgs): void { this.log('info', args) }
  warn (...args: LogArgs): void { this.log('warn', args) }
  error (...args: LogArgs): void { this.log('error', args) }
  fatal (...args: LogArgs): void { this.log('fatal', args) }
  child (bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger { return this.child$().child(bindings, options) }

  private log (level: Level, args: LogArgs): void {
    // A level of the route's own (options.level) is the child's to judge.
    if (this.made === null && this.options.level === undefined && !(this.parent as FastifyBaseLogger & { isLevelEnabled: (level: string) => boolean }).isLevelEnabled(level)) return
    ;(this.child$()[level] as (...args: LogArgs) => void)(...args)
  }

  private child$ (): FastifyBaseLogger {
    this.made ??= this.parent.child(this.bindings, this.options)
    return this.made
  }
}

/**
 * Graceful stop, without cutting a request:
 * 1. SIGTERM (what service managers and orchestrators send) first drains for
 *    SHUTDOWN_DRAIN: /ready answers 503 so that load balancers take the
 *    instance out, while every request, on new connections too, is still
 *    answered, with `Connection: close` so that clients and proxies leave their
 *    keep-alive connections. SIGINT (Ctrl-C) skips the drain, or ends it.
 * 2. The listener closes (no new connections) and so do idle connections;
 *    requests in flight finish (answered with `Connection: close`); then the
 *    databases are checkpointed and closed (onClose hooks) and the process exits 0.
 * 3. Requests still running SHUTDOWN_TIMEOUT after that lose their connections;
 *    a close that hangs 5 s more exits 1.
 * A repeated signal is ignored: under `npm start` or WORKERS, Ctrl-C reaches the
 * process twice (from the terminal and forwarded by npm or the primary).
 */
function gracefulStop (fastify: FastifyInstance, config: AppConfig): (signal: NodeJS.Signals) => Promise<void> {
  const { shutdownDrainMs, shutdownTimeoutMs } = config
  const endDrain = new AbortController()
  // Set on the raw response, before Fastify sees the request, from the drain on only:
  // a hook would run for every request of the process's life for the few of its end.
  // The headers Fastify writes are merged with it (http.ServerResponse#writeHead).
  const closeEach = (_request: unknown, response: { setHeader: (name: string, value: string) => unknown }): void => { response.setHeader('connection', 'close') }

  let stopping = false
  return async (signal) => {
    if (stopping) {
      if (signal === 'SIGINT') endDrain.abort()
      return
    }
    stopping = true
    fastify.markShuttingDown()
    const drainMs = signal === 'SIGTERM' ? shutdownDrainMs : 0
    fastify.log.info({ signal, drainMs, shutdownTimeoutMs }, 'shutting down')
    if (drainMs > 0) {
      fastify.server.prependListener('request', closeEach)
      await sleep(drainMs, undefined, { signal: endDrain.signal }).catch(() => {})
      fastify.log.info('drained: no longer accepting connections')
    }
    setTimeout(() => {
      fastify.log.warn('shutdown timeout: closing the connections still open')
      fastify.server.closeAllConnections()
    }, shutdownTimeoutMs).unref()
    setTimeout(() => {
      fastify.log.error('shutdown did not finish in time')
      process.exit(1)
    }, shutdownTimeoutMs + 5000).unref()
    try {
      await fastify.close()
      process.exit(0)
    } catch (error) {
      fastify.log.error({ err: error }, 'error while shutting down')
      process.exit(1)
    }
  }
}
