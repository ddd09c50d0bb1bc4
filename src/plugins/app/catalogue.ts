// The catalogue and its readers (src/catalogue/open.ts). At start the catalogue
// file is checked, and a damaged one rebuilt from its last import
// (src/catalogue/integrity.ts), never served half-broken. On first start (no
// catalogue in DATA_DIR yet) the shipped default catalogue is imported, so a
// fresh install answers at once. Ids come from the id map in the user store
// (src/catalogue/id-store.ts), so a catalogue.sqlite that was lost or rebuilt
// gets every id back. Decorates `catalogue` (entries, versions, id mapping),
// `entryAnswers` (the served version's entry answers held in memory),
// `discovery` (search, random, tags, seasons, details, similar, the scoring of
// recommendations), `catalogueLinks` (what the watchlists read) and
// `catalogueWatcher`.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { AnswerStore } from '../../catalogue/answers.js'
import type { Discovery } from '../../catalogue/discovery.js'
import { stampCatalogue } from '../../catalogue/integrity.js'
import type { CatalogueLinks } from '../../catalogue/links.js'
import { openCatalogue } from '../../catalogue/open.js'
import { repairCatalogue } from '../../catalogue/prepare.js'
import { whenServing } from '../../http/when-serving.js'
import type { VersionReader } from '../../catalogue/recent-version.js'
import type { Catalogue } from '../../catalogue/repository.js'
import type { CatalogueWatcher } from '../../catalogue/watch.js'

declare module 'fastify' {
  interface FastifyInstance {
    catalogue: Catalogue
    /** The catalogue's version and import date as answers are labelled with them (re-read every few milliseconds; searches take the index of that version). */
    catalogueVersion: VersionReader
    entryAnswers: AnswerStore
    discovery: Discovery
    catalogueLinks: CatalogueLinks
    catalogueWatcher: CatalogueWatcher
  }
}

export default fp(async function catalogue (fastify: FastifyInstance) {
  const { dataDir, defaultCatalogue, dataDirPrepared } = fastify.config
  const ids = fastify.userStore.catalogueIds
  // `anime-api serve` checked the file before building the app (in a cluster, the primary before forking).
  if (!dataDirPrepared) await repairCatalogue(dataDir, ids, fastify.log)
  const opened = openCatalogue(dataDir, {
    onError: (error) => { fastify.log.error({ err: error }, 'catalogue refresh failed') },
    onAnswersError: (error) => { fastify.log.error({ err: error }, 'loading the entry answers failed') }
  })
  // Leave the file whole: the WAL folded into the database and emptied before
  // closing, and stamped as sound (the next start need not read it through).
  fastify.addHook('onClose', async () => {
    opened.close()
    stampCatalogue(dataDir)
  })
  const { catalogue: repository, discovery, watcher } = opened
  if (repository.info().version === 0) {
    fastify.log.info({ file: defaultCatalogue }, 'no catalogue yet: importing the default catalogue')
    const { importDefaultCatalogue } = await import('../../catalogue/import.js')
    const report = await importDefaultCatalogue(dataDir, defaultCatalogue, ids, (error) => {
      fastify.log.warn({ err: error }, 'the user store holding the catalogue id map is unavailable: the default catalogue is imported with ids of its own, brought in line with the map at the next import')
    })
    fastify.log.info({ total: report.total, skipped: report.skipped }, 'default catalogue imported')
    // The readers were opened on the empty file: the imported catalogue is where the watcher starts, not a switch it reports.
    watcher.refresh()
  } else if (!dataDirPrepared) {
    // An install whose id map lived in catalogue.sqlite alone hands it to the
    // user store once, before the file can be lost (`anime-api serve` did it before building the app).
    await opened.saveIdMap(ids).then((adopted) => {
      if (adopted > 0) fastify.log.info({ urls: adopted }, 'catalogue id map saved with the accounts')
    }, (error: unknown) => {
      fastify.log.warn({ err: error }, 'could not bring the catalogue id map up to date with the user store; tried again at the next start or import')
    })
  }
  fastify.decorate('catalogue', repository)
  fastify.decorate('catalogueVersion', opened.recentVersion)
  fastify.decorate('entryAnswers', opened.answers)
  fastify.decorate('discovery', discovery)
  fastify.decorate('catalogueLinks', opened.links)
  // The search index of the served version, built off the event loop while the service starts answering
  // (its file read at once, decoded once the service has answered, or when first asked for). The
  // first of the work a start leaves for later (see whenServing): searches and recommendations need it,
  // and its set-up readies their code for them.
  discovery.holdIndexDecode()
  discovery.refreshIndex()
  whenServing(fastify, discovery.decodeIndex)
  // Loaded once the service answers (later versions load as the watcher sees them; any version when first asked for).
  whenServing(fastify, () => { opened.answers.prepare(repository.version()) })
  // A new catalogue committed by another connection (CLI, scheduled update, another
  // worker) is seen by the next query; the watcher tells in-memory caches and the
  // index (see src/catalogue/watch.ts). SIGHUP and scheduled updates call refresh() at once.
  watcher.onSwitch((info, previous) => {
    fastify.log.info({ version: info.version, previous: previous.version, entries: info.count, source: info.source }, 'serving a new catalogue')
  })
  watcher.start(2000)
  fastify.decorate('catalogueWatcher', watcher)
}, { name: 'catalogue', dependencies: ['config', 'accounts'] })
