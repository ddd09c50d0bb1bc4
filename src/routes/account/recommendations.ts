// GET /account/recommendations: anime the caller has not listed, from what they rated and completed.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { authErrors } from '../../../schemas/account.js'
import { FieldErrors } from '../../../schemas/common.js'
import { DEFAULT_RECOMMENDATIONS, RecommendationsQuery, RecommendationsReply } from '../../../schemas/recommendations.js'
import { filtersOf } from '../../http/filters.js'
import { compileSoon } from '../../validation/index.js'

const recommendations: FastifyPluginAsyncTypebox = async (fastify) => {
  // The first recommendations after a start answer as fast as the later ones: their validator and serializer compile once the service listens.
  compileSoon(RecommendationsQuery, RecommendationsReply)
  fastify.get('/recommendations', {
    schema: {
      operationId: 'getRecommendations',
      summary: 'Your recommendations',
      description: 'Anime you have not listed, best first, from your lists: high ratings pull toward their tags, low ratings and dropped entries push away, ' +
        'rare tags weigh more, and anime AOD relates to ones you liked (sequels of series you completed) rank high. Each says `because` of which of your anime ' +
        'and which tags. With nothing rated or completed yet you get the catalogue\'s best-scored entries instead (`basis: "top_scored"`). ' +
        'Takes the filters of /anime/search.',
      tags: ['account'],
      security: [{ Token: [] }],
      querystring: RecommendationsQuery,
      response: { 200: RecommendationsReply, ...authErrors, 400: FieldErrors }
    },
    onRequest: fastify.auth([fastify.verifyToken])
  }, async (request) => {
    const { limit = DEFAULT_RECOMMENDATIONS } = request.query
    const filters = filtersOf(request.query)
    const entries = await fastify.watchlists.repository.ratedEntries(request.auth!.user.id)
    return fastify.recommender.recommend(entries, filters, limit)
  })
}

export default recommendations
