// Discovery queries (search, filtered random, tags, seasons, details, similar, full entries) over the
// catalogue's connection, decorated as `fastify.discovery`.
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { createSearch } from '../../catalogue/search.js'
import { createSeasons } from '../../catalogue/seasons.js'
import { createSimilar } from '../../catalogue/similar.js'
import { createFullEntries } from '../../catalogue/full-entries.js'

const createDiscovery = (db: FastifyInstance['catalogue']['db']) => ({ ...createSearch(db), ...createSeasons(db), ...createSimilar(db), ...createFullEntries(db) })

declare module 'fastify' {
  interface FastifyInstance {
    discovery: ReturnType<typeof createDiscovery>
  }
}

export default fp(async function discovery (fastify: FastifyInstance) {
  fastify.decorate('discovery', createDiscovery(fastify.catalogue.db))
}, { name: 'discovery', dependencies: ['catalogue'] })
