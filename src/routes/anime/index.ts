// /anime: the seed's entry and random endpoints.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AnimeEntry, EntryParams } from '../../../schemas/anime.js'
import { ErrorDetail, FieldErrors, FormatQuery } from '../../../schemas/common.js'
import { notFound } from '../../errors.js'
import type { SeedAnime } from '../../catalogue/repository.js'
import { RandomQuery } from '../../../schemas/discovery.js'
import { filtersOf, hasFilters } from '../../http/filters.js'
import search from './search.js'
import tags from './tags.js'
import details from './details.js'

/**
 * A path id read in a hook that runs before validation: a positive whole number
 * as EntryParams takes it (src/validation reads `params` so), else null.
 */
export function parseId (text: string): number | null {
  if (!/^[1-9]\d{0,15}$/.test(text)) return null
  return Number(text)
}

const jsonType = 'application/json; charset=utf-8'

/**
 * The answers of GET /anime/entry/:id as sent (the JSON text each import stores,
 * see answerSql in src/catalogue/repository.ts), for one catalogue version at a
 * time, the `max` most recently used ids. A hit skips the SQLite read.
 */
export function createEntryCache (max = 5000) {
  let version: string | null = null
  const answers = new Map<number, string>()
  return {
    get (atVersion: string, id: number): string | undefined {
      if (atVersion !== version) return undefined
      const json = answers.get(id)
      if (json !== undefined) {
        // Most recently used last: Map keeps insertion order.
        answers.delete(id)
        answers.set(id, json)
      }
      return json
    },
    set (atVersion: string, id: number, json: string): void {
      if (atVersion !== version) {
        answers.clear()
        version = atVersion
      }
      answers.set(id, json)
      if (answers.size > max) answers.delete(answers.keys().next().value!)
    },
    get size () { return answers.size }
  }
}

const anime: FastifyPluginAsyncTypebox = async (fastify) => {
  const entries = createEntryCache()

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
    // The version before the data (see Catalogue.version): an import in between
    // files new data under the old version, which is dropped on the next turn.
    const version = fastify.catalogue.version()
    let json = entries.get(version, id)
    if (json === undefined) {
      json = fastify.catalogue.entryJson(id)
      if (json === undefined) throw notFound()
      entries.set(version, id, json)
    }
    // Sent as it is: a string with a JSON content type skips the serialiser.
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
    const filters = filtersOf(request.query)
    if (hasFilters(filters)) {
      const entry = fastify.discovery.randomMatching(filters)
      if (entry === undefined) throw notFound()
      return entry
    }
    const json = fastify.catalogue.randomJson()
    if (json === undefined) throw notFound()
    reply.type(jsonType)
    return json as unknown as SeedAnime
  })

  // Discovery (search, tags, details, similar).
  await fastify.register(search)
  await fastify.register(tags)
  await fastify.register(details)
}

export default anime
