// GET /anime/search: text search with filters, orderings and pages.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { SearchPage, SearchQuery } from '../../../schemas/discovery.js'
import { ErrorDetail, FieldErrors } from '../../../schemas/common.js'
import { searchOf } from '../../http/filters.js'
import { pageJson } from '../../http/links.js'
import { jsonType } from '../../http/answer-cache.js'
import type { Static } from '@sinclair/typebox'

const search: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/search', {
    schema: {
      operationId: 'searchAnime',
      summary: 'Search and filter anime',
      description: 'Entries matching `q` (titles and synonyms) and every filter given, a page at a time, in the seed shape. ' +
        'Without `q`, filters alone list the catalogue. Bad parameters are 400 with one key per parameter; a page past the end is 404.',
      tags: ['anime'],
      querystring: SearchQuery,
      response: { 200: SearchPage, 400: FieldErrors, 404: ErrorDetail }
    }
  }, async (request, reply) => {
    const { search: searchRequest, page } = searchOf(request.query)
    // The entries' answers as sent, joined into the page (see pageJson): bytes with a JSON type skip the serialiser.
    const body = pageJson(request, await fastify.discovery.searchAnswers(searchRequest, page))
    reply.type(jsonType)
    return body as unknown as Static<typeof SearchPage>
  })
}

export default search
