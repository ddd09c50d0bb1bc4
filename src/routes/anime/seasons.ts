// GET /anime/seasons: every (year, season) with its entry count, newest first.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { SeasonPage, SeasonsQuery } from '../../../schemas/discovery.js'
import { ErrorDetail, FieldErrors } from '../../../schemas/common.js'
import { pager, queryOf, readPageQuery } from '../../http/discovery-query.js'
import { manualQuery, QueryReader } from '../../http/query-params.js'

const seasons: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/seasons', {
    ...manualQuery,
    schema: {
      summary: 'Seasons and their entries',
      description: 'Every season (year and season of first airing) that has served entries, with how many, newest first (Fall, Summer, Spring, Winter within a year), ' +
        'a page at a time. Each is a `year` and `season` filter of /anime/search. Entries of unknown year or season are in none.',
      tags: ['anime'],
      querystring: SeasonsQuery,
      response: { 200: SeasonPage, 400: FieldErrors, 404: ErrorDetail }
    }
  }, async (request) => {
    const reader = new QueryReader(queryOf(request))
    const paging = pager(readPageQuery(reader))
    reader.done()
    const { count, results } = fastify.discovery.seasons(paging.pageFor)
    return { count, ...paging.links(request), results }
  })
}

export default seasons
