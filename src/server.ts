// Entry point: read the configuration from the environment, build the app, listen.
import fp from 'fastify-plugin'
import Fastify from 'fastify'
import app, { serverOptionsFor } from './app.js'
import { ConfigError, loadConfig, type AppConfig } from './config.js'
import { isMain, loadDotEnv } from './cli/io.js'
import { liveUpdates, workerHeader } from './live.js'
import { collectWhenIdle, limitYoungGeneration } from './heap.js'

export async function startServer (config: AppConfig) {
  limitYoungGeneration(config.heapYoungGeneration)
  const stopIdleCollection = collectWhenIdle(config.heapIdleCollectionMs)
  const fastify = Fastify({
    ...serverOptionsFor(config),
    logger: {
      level: config.logLevel,
      redact: { paths: ['req.headers.authorization', 'req.body.password'], censor: '[redacted]' }
    }
  })
  fastify.addHook('onClose', async () => stopIdleCollection())
  workerHeader(fastify, config)
  await fastify.register(fp(app), config)
  await fastify.register(liveUpdates, config)
  try {
    await fastify.listen({ host: config.host, port: config.port })
  } catch (error) {
    await fastify.close() // the databases and timers opened by the plugins
    throw error
  }

  // Graceful stop: the listener closes at once (no new connections), idle
  // keep-alive connections are closed, requests in flight finish (answered with
  // `Connection: close`), then the databases are checkpointed and closed (onClose
  // hooks) and the process exits 0. Requests still running after SHUTDOWN_TIMEOUT
  // lose their connections; a close that hangs past that plus 5 s exits 1.
  let closing = false
  const stop = (signal: string) => {
    if (closing) return
    closing = true
    fastify.log.info({ signal, shutdownTimeoutMs: config.shutdownTimeoutMs }, 'shutting down')
    setTimeout(() => {
      fastify.log.warn('shutdown timeout: closing the connections still open')
      fastify.server.closeAllConnections()
    }, config.shutdownTimeoutMs).unref()
    setTimeout(() => {
      fastify.log.error('shutdown did not finish in time')
      process.exit(1)
    }, config.shutdownTimeoutMs + 5000).unref()
    fastify.close().then(() => process.exit(0), (error: unknown) => {
      fastify.log.error({ err: error }, 'error while shutting down')
      process.exit(1)
    })
  }
  process.once('SIGTERM', () => stop('SIGTERM'))
  process.once('SIGINT', () => stop('SIGINT'))
  return fastify
}

// Run directly (`node dist/src/server.js`): configure from the environment and listen.
if (isMain(import.meta.url)) {
  let config: AppConfig
  try {
    loadDotEnv()
    config = loadConfig()
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    console.error(`anime-api: invalid configuration: ${error.message}`)
    process.exit(1)
  }
  // WORKERS > 1: a cluster (src/cluster.ts). No top-level await: the single executable is CommonJS.
  import('./cluster.js').then(({ startService }) => startService(config)).catch((error: unknown) => {
    console.error(error)
    process.exit(1)
  })
}
