// The catalogue repository. On first start (no catalogue in DATA_DIR yet) the
// shipped default catalogue is imported, so a fresh install answers at once.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { openCatalogueDb } from '../../catalogue/db.js'
import { importCatalogueFile } from '../../catalogue/import.js'
import { createCatalogue, type Catalogue } from '../../catalogue/repository.js'

declare module 'fastify' {
  interface FastifyInstance {
    catalogue: Catalogue
  }
}

export default fp(async function catalogue (fastify: FastifyInstance) {
  const { dataDir, defaultCatalogue } = fastify.config
  const db = openCatalogueDb(dataDir)
  fastify.addHook('onClose', async () => { db.close() })
  const repository = createCatalogue(db)
  if (repository.info().version === 0) {
    fastify.log.info({ file: defaultCatalogue }, 'no catalogue yet: importing the default catalogue')
    const report = await importCatalogueFile(dataDir, defaultCatalogue)
    fastify.log.info({ total: report.total, skipped: report.skipped }, 'default catalogue imported')
  }
  fastify.decorate('catalogue', repository)
}, { name: 'catalogue', dependencies: ['config'] })
