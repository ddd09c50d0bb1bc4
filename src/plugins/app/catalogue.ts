// The catalogue repository. On first start (no catalogue in DATA_DIR yet) the
// shipped default catalogue is imported, so a fresh install answers at once.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { openCatalogueDb } from '../../catalogue/db.js'
import { importCatalogueFile } from '../../catalogue/import.js'
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
  const db = openCatalogueDb(dataDir)
  // Leave the file whole: the WAL folded into the database and emptied before closing.
  fastify.addHook('onClose', async () => {
    db.pragma('wal_checkpoint(TRUNCATE)')
    db.close()
  })
  const repository = createCatalogue(db)
  if (repository.info().version === 0) {
    fastify.log.info({ file: defaultCatalogue }, 'no catalogue yet: importing the default catalogue')
    const report = await importCatalogueFile(dataDir, defaultCatalogue)
    fastify.log.info({ total: report.total, skipped: report.skipped }, 'default catalogue imported')
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
}, { name: 'catalogue', dependencies: ['config'] })
