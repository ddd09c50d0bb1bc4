// GET /account/recommendations: anime the caller has not listed, from what they rated and completed.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { authErrors } from '../../../schemas/account.js'
import { FieldErrors } from '../../../schemas/common.js'
import { DEFAULT_RECOMMENDATIONS, RecommendationsQuery, RecommendationsReply } from '../../../schemas/recommendations.js'
import { filtersOf } from '../../http/filters.js'
import { jsonType } from '../../http/answer-cache.js'
import { joinJson } from '../../http/links.js'
import type { EntryJson, RecommendationsOf } from '../../watchlists/recommendations.js'
import { compileSoon } from '../../validation/index.js'
import type { Static } from '@sinclair/typebox'

/**
 * The answer as sent: each recommendation around its entry's answer as held
 * (or stored), keys in the order of RecommendationsReply, compact, text escaped
 * as JSON.stringify does: the bytes the route's serialiser would write from the
 * same values, without parsing the entries' answers or compiling that serialiser.
 */
export function recommendationsJson (found: RecommendationsOf<EntryJson>): Buffer {
  const parts: EntryJson[] = [`{"basis":${JSON.stringify(found.basis)},"results":[`]
  found.results.forEach((r, i) => {
    parts.push(i === 0 ? '{"anime":' : ',{"anime":', r.anime,
      `,"score":${JSON.stringify(r.score)},"because":{"anime":[${r.because.anime.map((a) => `{"id":${a.id},"title":${JSON.stringify(a.title)},"related":${a.related}}`).join(',')}],` +
      `"tags":${JSON.stringify(r.because.tags)}}}`)
  })
  parts.push(']}')
  return joinJson(parts)
}

const recommendations: FastifyPluginAsyncTypebox = async (fastify) => {
  // The first recommendations after a start answer as fast as the later ones: their validator compiles once the service listens
  // (the answer is written as JSON text, recommendationsJson: no serializer to compile).
  compileSoon(RecommendationsQuery)
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
  }, async (request, reply) => {
    const { limit = DEFAULT_RECOMMENDATIONS } = request.query
    const filters = filtersOf(request.query)
    const body = recommendationsJson(await fastify.recommender.recommendAnswersFor(request.auth!.user.id, filters, limit))
    reply.type(jsonType)
    return body as unknown as Static<typeof RecommendationsReply>
  })
}

export default recommendations
