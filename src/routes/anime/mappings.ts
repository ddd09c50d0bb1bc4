// GET /anime/mappings/:site/:id and POST /anime/mappings: one site's id to the
// entry that lists it and to its ids on every other site (see
// src/catalogue/mappings.ts). Parameters and bodies are validated by their
// schemas (schemas/mappings.ts): an unknown site is 400, a list body's bad
// items are reported one object per item.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { MappingBatch, MappingBatchAnswer, MappingBatchErrors, MappingParams, MAX_MAPPING_BATCH, SiteMapping } from '../../../schemas/mappings.js'
import { ErrorDetail, FieldErrors, FormatQuery } from '../../../schemas/common.js'
import { Type } from '@sinclair/typebox'
import { notFound } from '../../errors.js'
import { siteIdKey } from '../../catalogue/sites.js'
import type { SiteMapping as Mapping } from '../../catalogue/mappings.js'
import { createAnswerCache, jsonType } from '../../http/answer-cache.js'

const mappings: FastifyPluginAsyncTypebox = async (fastify) => {
  // Answers by `site/key`, for the current catalogue version (misses are not kept).
  const answers = createAnswerCache<string>()

  fastify.get('/mappings/:site/:id', {
    schema: {
      operationId: 'getSiteMapping',
      summary: 'Map a site\'s anime id to ours and to every other site\'s',
      description: 'The entry that lists this page of `site` among its sources: our `id`, its `title`, and its id on every site it has a page on (`sites`). ' +
        'Ids are written as the site writes them: numbers for numbered sites, slugs for anime-planet and notify. ' +
        'An id no entry has (or one the site never writes, such as letters for a numbered site) is 404; an unknown site name is 400. ' +
        'When AOD lists one site id in two entries, the one with the lower id answers.',
      tags: ['anime'],
      params: MappingParams,
      querystring: FormatQuery,
      response: { 200: SiteMapping, 400: FieldErrors, 404: ErrorDetail }
    }
  }, async (request, reply) => {
    const { site, id } = request.params
    // An id the site never writes (letters for a numbered site) names no page.
    const key = siteIdKey(site, id)
    if (key === null) throw notFound()
    const json = answers.answer(fastify.catalogue.version(), `${site}/${key}`, () => {
      const mapping = fastify.catalogue.mapping(site, key)
      return mapping === undefined ? undefined : JSON.stringify(mapping)
    })
    if (json === undefined) throw notFound()
    reply.type(jsonType)
    return json as unknown as Mapping
  })

  fastify.post('/mappings', {
    schema: {
      operationId: 'mapSiteIds',
      summary: 'Map many site ids at once',
      description: `Up to ${MAX_MAPPING_BATCH} lookups \`{"site": …, "id": …}\` (as GET /anime/mappings/{site}/{id}): an array of the same length and order, ` +
        'each item the mapping or null where no entry has that id. Not a list, or more than ' + `${MAX_MAPPING_BATCH} items: 400 \`{"non_field_errors": […]}\`; ` +
        'an invalid item (unknown site, missing or blank id): 400 with a list holding one object of field errors per item (`{}` for the valid ones), as DRF reports a list.',
      tags: ['anime'],
      body: MappingBatch,
      response: { 200: MappingBatchAnswer, 400: Type.Union([FieldErrors, ErrorDetail, MappingBatchErrors]) }
    }
  }, async (request, reply) => {
    const found = fastify.catalogue.mappings(request.body)
    reply.type(jsonType)
    return `[${found.map((m) => m === null ? 'null' : JSON.stringify(m)).join(',')}]` as unknown as Mapping[]
  })
}

export default mappings
