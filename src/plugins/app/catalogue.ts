// The catalogue and its readers (src/catalogue/open.ts). On first start (no
// catalogue in DATA_DIR yet) the shipped default catalogue is imported, so a
// fresh install answers at once. Decorates `catalogue` (entries, versions, id
// mapping), `discovery` (search, random, tags, details, similar, the scoring
// of recommendations), `catalogueLinks` (what the watchlists read) and
// `catalogueWatcher`.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { importCatalogueFile } from '../../catalogue/import.js'
import type { Discovery } from '../../catalogue/discovery.js'
import type { CatalogueLinks } from '../../catalogue/links.js'
import { openCatalogue } from '../../catalogue/open.js'
import type { Catalogue } from '../../catalogue/repository.js'
import type { CatalogueWatcher } from '../../catalogue/watch.js'

declare module 'fastify' {
  interface FastifyInstance {
    catalogue: Catalogue
    discovery: Discovery
    catalogueLinks: CatalogueLinks
    catalogueWatcher: CatalogueWatcher
  }
}

export default fp(async function catalogue (fastify: FastifyInstance) {
  const { dataDir, defaultCatalogue } = fastify.config
  const opened = openCatalogue(dataDir, { onError: (error) => { fastify.log.error({ err: error }, 'catalogue refresh failed') } })
  // Leave the file whole: the WAL folded into the database and emptied before closing.
  fastify.addHook('onClose', async () => { opened.close() })
  const { catalogue: repository, discovery, watcher } = opened
  if (repository.info().version === 0) {
    fastify.log.info({ file: defaultCatalogue }, 'no catalogue yet: importing the default catalogue')
    const report = await importCatalogueFile(dataDir, defaultCatalogue)
    fastify.log.info({ total: report.total, skipped: report.skipped }, 'default catalogue imported')
  }
  fastify.decorate('catalogue', repository)
  fastify.decorate('discovery', discovery)
  fastify.decorate('catalogueLinks', opened.links)
  // The search index of the served version, built off the event loop while the service starts answering.
  discovery.refreshIndex()
  // A new catalogue committed by another connection (CLI, scheduled update, another
  // worker) is seen by the next query; the watcher tells in-memory caches and the
  // index (see src/catalogue/watch.ts). SIGHUP and scheduled updates call refresh() at once.
  watcher.onSwitch((info, previous) => {
    fastify.log.info({ version: info.version, previous: previous.version, entries: info.count, source: info.source }, 'serving a new catalogue')
  })
  watcher.start(2000)
  fastify.decorate('catalogueWatcher', watcher)
}, { name: 'catalogue', dependencies: ['config'] })
