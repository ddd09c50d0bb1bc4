// /anime: the seed's entry and random endpoints.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { AnimeEntry, EntryParams } from '../../../schemas/anime.js'
import { ErrorDetail, FormatQuery } from '../../../schemas/common.js'
import { notFound } from '../../errors.js'

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
    schema: {
      summary: 'A random anime entry',
      description: 'Each served entry is equally likely. 404 when the catalogue is empty.',
      tags: ['anime'],
      querystring: FormatQuery,
      response: { 200: AnimeEntry, 404: ErrorDetail }
    }
  }, async () => {
    const entry = fastify.catalogue.random()
    if (entry === undefined) throw notFound()
    return entry
  })
}

export default anime
