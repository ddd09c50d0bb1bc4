// What a serving process does about live catalogue updates: SIGHUP re-checks
// the catalogue at once, and (outside a cluster; in one, the primary does it)
// CATALOGUE_UPDATE_INTERVAL schedules downloads.
import cluster from 'node:cluster'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { AppConfig } from './config.js'
import { firstUpdateDelay, scheduleUpdates } from './catalogue/schedule.js'
import { thisProgram } from './program.js'

/** Registered by server.ts after the app, before listening. */
export const liveUpdates = fp(async function liveUpdates (fastify: FastifyInstance, config: AppConfig) {
  const onHangup = () => {
    const changed = fastify.catalogueWatcher.refresh()
    fastify.log.info({ changed, version: fastify.catalogueWatcher.current().version }, 'SIGHUP: catalogue re-checked')
  }
  process.on('SIGHUP', onHangup)
  fastify.addHook('onClose', async () => { process.off('SIGHUP', onHangup) })

  if (config.catalogueUpdateIntervalMs !== null && !cluster.isWorker) {
    const schedule = scheduleUpdates({
      program: thisProgram(),
      url: config.catalogueUpdateUrl,
      dataDir: config.dataDir,
      intervalMs: config.catalogueUpdateIntervalMs,
      firstDelayMs: firstUpdateDelay(fastify.catalogue.info().importedAt, config.catalogueUpdateIntervalMs),
      log: fastify.log,
      onUpdated: () => { fastify.catalogueWatcher.refresh() }
    })
    fastify.addHook('onClose', async () => { schedule.stop() })
  }
}, { name: 'live-updates', dependencies: ['catalogue'] })

/** `x-worker: <pid>` on every response when several processes serve the port. */
export function workerHeader (fastify: FastifyInstance, config: AppConfig): void {
  if (config.workers <= 1) return
  const pid = String(process.pid)
  fastify.addHook('onRequest', (_request, reply, done) => {
    reply.header('x-worker', pid)
    done()
  })
}
