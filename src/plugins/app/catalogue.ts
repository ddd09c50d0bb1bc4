// The catalogue repository. At start the catalogue file is checked, and a
// damaged one rebuilt from its last import (src/catalogue/integrity.ts), never
// served half-broken. On first start (no catalogue in DATA_DIR yet) the shipped
// default catalogue is imported, so a fresh install answers at once. Ids come
// from the id map in the user store (src/catalogue/id-store.ts), so a
// catalogue.sqlite that was lost or rebuilt gets every id back.
import cluster from 'node:cluster'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { openCatalogueDb } from '../../catalogue/db.js'
import { saveLocalMap } from '../../catalogue/id-store.js'
import { stampCatalogue } from '../../catalogue/integrity.js'
import { repairCatalogue } from '../../catalogue/prepare.js'
import { importDefaultCatalogue } from '../../catalogue/import.js'
import { createCatalogue, type Catalogue } from '../../catalogue/repository.js'
import { createCatalogueWatcher, type CatalogueWatcher } from '../../catalogue/watch.js'

declare module 'fastify' {
  interface FastifyInstance {
    catalogue: Catalogue
    catalogueWatcher: CatalogueWatcher
  }
}

export default fp(async function catalogue (fastify: FastifyInstance) {
  const { dataDir, defaultCatalogue } = fastify.config
  const ids = fastify.userStore.catalogueIds
  // In a cluster the primary checked the file before forking.
  if (!cluster.isWorker) await repairCatalogue(dataDir, ids, fastify.log)
  const db = openCatalogueDb(dataDir)
  // Leave the file whole: the WAL folded into the database and emptied before
  // closing, and stamped as sound (the next start need not read it through).
  fastify.addHook('onClose', async () => {
    db.pragma('wal_checkpoint(TRUNCATE)')
    db.close()
    stampCatalogue(dataDir)
  })
  const repository = createCatalogue(db)
  if (repository.info().version === 0) {
    fastify.log.info({ file: defaultCatalogue }, 'no catalogue yet: importing the default catalogue')
    const report = await importDefaultCatalogue(dataDir, defaultCatalogue, ids, (error) => {
      fastify.log.warn({ err: error }, 'the user store holding the catalogue id map is unavailable: the default catalogue is imported with ids of its own, brought in line with the map at the next import')
    })
    fastify.log.info({ total: report.total, skipped: report.skipped }, 'default catalogue imported')
  } else if (!cluster.isWorker) {
    // An install whose id map lived in catalogue.sqlite alone hands it to the
    // user store once, before the file can be lost (in a cluster, the primary does).
    await saveLocalMap(db, ids).then((adopted) => {
      if (adopted > 0) fastify.log.info({ urls: adopted }, 'catalogue id map saved with the accounts')
    }, (error: unknown) => {
      fastify.log.warn({ err: error }, 'could not bring the catalogue id map up to date with the user store; tried again at the next start or import')
    })
  }
  fastify.decorate('catalogue', repository)
  // A new catalogue committed by another connection (CLI, scheduled update, another
  // worker) is seen by the next query; the watcher tells in-memory caches (see
  // src/catalogue/watch.ts). SIGHUP and scheduled updates call refresh() at once.
  const watcher = createCatalogueWatcher(db, (error) => { fastify.log.error({ err: error }, 'catalogue refresh failed') })
  watcher.onSwitch((info, previous) => {
    fastify.log.info({ version: info.version, previous: previous.version, entries: info.count, source: info.source }, 'serving a new catalogue')
  })
  watcher.start(2000)
  fastify.addHook('onClose', async () => { watcher.stop() })
  fastify.decorate('catalogueWatcher', watcher)
}, { name: 'catalogue', dependencies: ['config', 'accounts'] })
