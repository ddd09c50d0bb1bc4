// GET /anime/entry/:id/details and /anime/entry/:id/similar.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AnimeDetails, SimilarPage, SimilarQuery } from '../../../schemas/discovery.js'
import { EntryParams } from '../../../schemas/anime.js'
import { ErrorDetail, FieldErrors, FormatQuery } from '../../../schemas/common.js'
import { notFound } from '../../errors.js'
import { jsonType } from '../../http/answer-cache.js'
import { listJson } from '../../http/links.js'
import type { Static } from '@sinclair/typebox'

const details: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/entry/:id/details', {
    schema: {
      operationId: 'getAnimeDetails',
      summary: 'Everything about one anime',
      description: 'The seed fields, then every source URL, synonyms, season, studios, producers, scores, episode duration, thumbnail ' +
        'and related anime (with our id and title where the related one is in the catalogue). Unknown ids are 404.',
      tags: ['anime'],
      params: EntryParams,
      querystring: FormatQuery,
      response: { 200: AnimeDetails, 404: ErrorDetail }
    }
  }, async (request) => {
    const entry = fastify.discovery.details(request.params.id)
    if (entry === undefined) throw notFound()
    return entry
  })

  fastify.get('/entry/:id/similar', {
    schema: {
      operationId: 'listSimilarAnime',
      summary: 'Anime similar to one',
      description: 'The entries most similar to this one, best first: rare shared tags weigh more than common ones, and entries AOD lists as related ' +
        '(sequels, prequels…) rank by that signal too. Never the entry itself. Unknown ids are 404.',
      tags: ['anime'],
      params: EntryParams,
      querystring: SimilarQuery,
      response: { 200: SimilarPage, 400: FieldErrors, 404: ErrorDetail }
    }
  }, async (request, reply) => {
    const results = await fastify.discovery.similarAnswers(request.params.id, request.query.limit ?? 10)
    if (results === undefined) throw notFound()
    // Each item around its entry's answer as sent, keys in the order of SimilarAnime (see listJson).
    const body = listJson(results.length, { next: null, previous: null }, results.map((s) => [
      '{"anime":', s.anime, `,"score":${JSON.stringify(s.score)},"shared_tags":${JSON.stringify(s.shared_tags)},"related":${s.related}}`
    ]))
    reply.type(jsonType)
    return body as unknown as Static<typeof SimilarPage>
  })
}

export default details
