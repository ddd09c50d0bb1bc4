// GET /anime/seasons: every (year, season) with its entry count, newest first.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { SeasonPage, SeasonsQuery } from '../../../schemas/discovery.js'
import { ErrorDetail, FieldErrors } from '../../../schemas/common.js'
import { pageRequestOf } from '../../http/filters.js'
import { pager } from '../../http/links.js'

const seasons: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/seasons', {
    schema: {
      operationId: 'listSeasons',
      summary: 'Seasons and their entries',
      description: 'Every season (year and season of first airing) that has served entries, with how many, newest first (Fall, Summer, Spring, Winter within a year), ' +
        'a page at a time. Each is a `year` and `season` filter of /anime/search. Entries of unknown year or season are in none.',
      tags: ['anime'],
      querystring: SeasonsQuery,
      response: { 200: SeasonPage, 400: FieldErrors, 404: ErrorDetail }
    }
  }, async (request) => {
    const paging = pager(pageRequestOf(request.query))
    const { count, results } = fastify.discovery.seasons(paging.pageFor)
    return { count, ...paging.links(request), results }
  })
}

export default seasons
