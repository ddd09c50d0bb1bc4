// GET /anime/tags: tags with how many entries have each, most used first.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { TagPage, TagsQuery } from '../../../schemas/discovery.js'
import { FieldErrors } from '../../../schemas/common.js'
import { queryOf } from '../../http/discovery-query.js'
import { limitOffsetLinks, manualQuery, QueryReader } from '../../http/query-params.js'

const tags: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/tags', {
    ...manualQuery,
    schema: {
      summary: 'Tags and their use',
      description: 'Every tag of the served entries with how many have it, most used first (ties by name), paged by `limit` and `offset`.',
      tags: ['anime'],
      querystring: TagsQuery,
      response: { 200: TagPage, 400: FieldErrors }
    }
  }, async (request) => {
    const reader = new QueryReader(queryOf(request))
    const prefix = reader.string('q', 200) ?? ''
    const limit = reader.integer('limit', { min: 1, max: 1000 }) ?? 100
    const offset = reader.integer('offset', { min: 0 }) ?? 0
    reader.done()
    const { count, results } = await fastify.discovery.tags(prefix, limit, offset)
    return { count, ...limitOffsetLinks(request, limit, offset, count), results }
  })
}

export default tags
