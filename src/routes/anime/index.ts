// /anime: the seed's entry and random endpoints.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AnimeEntry, EntryParams } from '../../../schemas/anime.js'
import { ErrorDetail, FieldErrors, FormatQuery } from '../../../schemas/common.js'
import { notFound } from '../../errors.js'
import type { SeedAnime } from '../../catalogue/repository.js'
import { RandomQuery } from '../../../schemas/discovery.js'
import { filtersIn } from '../../http/filters.js'
import { jsonType } from '../../http/answer-cache.js'
import search from './search.js'
import tags from './tags.js'
import details from './details.js'
import mappings from './mappings.js'
import seasons from './seasons.js'

const anime: FastifyPluginAsyncTypebox = async (fastify) => {
  // The answers of GET /anime/entry/:id and /anime/random as sent (the JSON
  // text each import stores, see answerSql), all of the current version, in
  // memory (fastify.entryAnswers, createAnswerStore in src/catalogue/answers.ts);
  // the database answers while a new version loads.
  const { catalogue, catalogueVersion, entryAnswers: answers } = fastify

  fastify.get('/entry/:id', {
    schema: {
      operationId: 'getAnimeEntry',
      summary: 'One anime entry',
      description: 'The entry with this id. Unknown ids and ids that are not positive whole numbers are 404.',
      tags: ['anime'],
      params: EntryParams,
      querystring: FormatQuery,
      response: { 200: AnimeEntry, 404: ErrorDetail }
    }
  }, async (request, reply) => {
    const id = request.params.id
    const held = answers.get(catalogueVersion.version(), id)
    const json = held === undefined ? catalogue.entryJson(id) : held
    if (json === undefined || json === null) throw notFound()
    // Sent as it is: bytes or a string with a JSON content type skip the serialiser.
    reply.type(jsonType)
    return json as unknown as SeedAnime
  })

  fastify.get('/random', {
    schema: {
      operationId: 'getRandomAnime',
      summary: 'A random anime entry',
      description: 'Each served entry is equally likely; with filters (those of /anime/search), each matching entry. 404 when none matches.',
      tags: ['anime'],
      querystring: RandomQuery,
      response: { 200: AnimeEntry, 400: FieldErrors, 404: ErrorDetail }
    }
  }, async (request, reply) => {
    const filters = filtersIn(request.query)
    if (filters !== null) {
      const entry = await fastify.discovery.randomMatching(filters)
      if (entry === undefined) throw notFound()
      return entry
    }
    const held = answers.random(catalogueVersion.version())
    const json = held === undefined ? catalogue.randomJson() : held
    if (json === undefined || json === null) throw notFound()
    reply.type(jsonType)
    return json as unknown as SeedAnime
  })

  // Discovery (search, tags, seasons, details, similar) and id mapping.
  await fastify.register(search)
  await fastify.register(tags)
  await fastify.register(seasons)
  await fastify.register(details)
  await fastify.register(mappings)
}

export default anime
