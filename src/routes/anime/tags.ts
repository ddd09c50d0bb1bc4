// GET /anime/tags: tags with how many entries have each, most used first.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { TagPage, TagsQuery } from '../../../schemas/discovery.js'
import { FieldErrors } from '../../../schemas/common.js'
import { limitOffsetLinks } from '../../http/links.js'

const tags: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/tags', {
    schema: {
      operationId: 'listTags',
      summary: 'Tags and their use',
      description: 'Every tag of the served entries with how many have it, most used first (ties by name), paged by `limit` and `offset`.',
      tags: ['anime'],
      querystring: TagsQuery,
      response: { 200: TagPage, 400: FieldErrors }
    }
  }, async (request) => {
    const { q = '', limit = 100, offset = 0 } = request.query
    const { count, results } = fastify.discovery.tags(q, limit, offset)
    return { count, ...limitOffsetLinks(request, limit, offset, count), results }
  })
}

export default tags
