// /anime: the seed's entry and random endpoints.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AnimeEntry, EntryParams } from '../../../schemas/anime.js'
import { ErrorDetail, FieldErrors, FormatQuery } from '../../../schemas/common.js'
import { notFound } from '../../errors.js'
import { RandomQuery } from '../../../schemas/discovery.js'
import { hasFilters, queryOf, readRandomQuery } from '../../http/discovery-query.js'
import { manualQuery } from '../../http/query-params.js'
import search from './search.js'
import tags from './tags.js'
import details from './details.js'

/** A positive whole number within SQLite's integer range, else null. */
export function parseId (text: string): number | null {
  if (!/^[1-9]\d{0,15}$/.test(text)) return null
  return Number(text)
}

const anime: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/entry/:id', {
    schema: {
      summary: 'One anime entry',
      description: 'The entry with this id. Unknown ids and ids that are not positive whole numbers are 404.',
      tags: ['anime'],
      params: EntryParams,
      querystring: FormatQuery,
      response: { 200: AnimeEntry, 404: ErrorDetail }
    }
  }, async (request) => {
    const id = parseId(request.params.id)
    const entry = id === null ? undefined : fastify.catalogue.entry(id)
    if (entry === undefined) throw notFound()
    return entry
  })

  fastify.get('/random', {
    ...manualQuery,
    schema: {
      summary: 'A random anime entry',
      description: 'Each served entry is equally likely; with filters (those of /anime/search), each matching entry. 404 when none matches.',
      tags: ['anime'],
      querystring: RandomQuery,
      response: { 200: AnimeEntry, 400: FieldErrors, 404: ErrorDetail }
    }
  }, async (request) => {
    const filters = readRandomQuery(queryOf(request))
    const entry = hasFilters(filters) ? fastify.discovery.randomMatching(filters) : fastify.catalogue.random()
    if (entry === undefined) throw notFound()
    return entry
  })

  // Discovery (search, tags, details, similar): autoload loads only the index file of a folder that has one.
  await fastify.register(search)
  await fastify.register(tags)
  await fastify.register(details)
}

export default anime
