// GET /anime/mappings/:site/:id and POST /anime/mappings: one site's id to the
// entry that lists it and to its ids on every other site (see
// src/catalogue/mappings.ts). The handlers read their parameters and bodies
// themselves, with DRF's messages; schemas/mappings.ts documents them.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { MappingBatch, MappingBatchAnswer, MappingParams, MAX_MAPPING_BATCH, SiteMapping } from '../../../schemas/mappings.js'
import { ErrorDetail, FieldErrors, FormatQuery } from '../../../schemas/common.js'
import { Type } from '@sinclair/typebox'
import { ApiError, fieldErrors, notFound, pythonTypeName, type FieldErrorBody } from '../../errors.js'
import { siteIdKey, siteNamed, type SiteName } from '../../catalogue/sites.js'
import type { SiteLookup, SiteMapping as Mapping } from '../../catalogue/mappings.js'
import { createAnswerCache, jsonType } from '../../http/answer-cache.js'
import { manualQuery } from '../../http/query-params.js'

/** DRF's ChoiceField message. */
const notAChoice = (value: unknown): string => `"${typeof value === 'string' ? value : JSON.stringify(value)}" is not a valid choice.`

/** The site a request names, or the field's error. */
function readSite (value: unknown): { site: SiteName } | { error: string } {
  if (value === undefined) return { error: 'This field is required.' }
  if (value === null) return { error: 'This field may not be null.' }
  const site = typeof value === 'string' ? siteNamed(value.trim()) : undefined
  return site === undefined ? { error: notAChoice(value) } : { site: site.name }
}

/** One lookup of a batch as DRF's serializer would read it: the lookup, or its field errors. */
function readLookup (item: unknown): { lookup: SiteLookup } | { errors: FieldErrorBody } {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return { errors: { non_field_errors: [`Invalid data. Expected a dictionary, but got ${item === null ? 'NoneType' : pythonTypeName(item)}.`] } }
  }
  const { site: rawSite, id } = item as Record<string, unknown>
  const errors: FieldErrorBody = {}
  const site = readSite(rawSite)
  if ('error' in site) errors.site = [site.error]
  if (id === undefined) errors.id = ['This field is required.']
  else if (id === null) errors.id = ['This field may not be null.']
  else if (typeof id !== 'string' && typeof id !== 'number') errors.id = ['Not a valid string.']
  else if (String(id).trim() === '') errors.id = ['This field may not be blank.']
  return 'error' in site || Object.keys(errors).length > 0 ? { errors } : { lookup: { site: site.site, id } }
}

const mappings: FastifyPluginAsyncTypebox = async (fastify) => {
  // Answers by `site/key`, for the current catalogue version (misses are not kept).
  const answers = createAnswerCache<string>()

  fastify.get('/mappings/:site/:id', {
    ...manualQuery,
    schema: {
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
    const params = request.params as { site: string, id: string }
    const read = readSite(params.site)
    if ('error' in read) throw fieldErrors({ site: [read.error] })
    const { site } = read
    const key = siteIdKey(site, params.id)
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
    ...manualQuery,
    schema: {
      summary: 'Map many site ids at once',
      description: `Up to ${MAX_MAPPING_BATCH} lookups \`{"site": …, "id": …}\` (as GET /anime/mappings/{site}/{id}): an array of the same length and order, ` +
        'each item the mapping or null where no entry has that id. Not a list, or more than ' + `${MAX_MAPPING_BATCH} items: 400 \`{"non_field_errors": […]}\`; ` +
        'an invalid item (unknown site, missing or blank id): 400 with a list holding one object of field errors per item (`{}` for the valid ones), as DRF reports a list.',
      tags: ['anime'],
      body: MappingBatch,
      response: { 200: MappingBatchAnswer, 400: Type.Union([FieldErrors, Type.Array(FieldErrors)]) }
    }
  }, async (request, reply) => {
    // A list (checked by the body plugin, see src/plugins/errors.ts).
    const items = request.body as unknown[]
    if (items.length > MAX_MAPPING_BATCH) {
      throw new ApiError(400, { non_field_errors: [`Ensure this field has no more than ${MAX_MAPPING_BATCH} elements.`] })
    }
    const read = items.map(readLookup)
    if (read.some((r) => 'errors' in r)) throw new ApiError(400, read.map((r) => 'errors' in r ? r.errors : {}))
    const found = fastify.catalogue.mappings(read.map((r) => (r as { lookup: SiteLookup }).lookup))
    reply.type(jsonType)
    return `[${found.map((m) => m === null ? 'null' : JSON.stringify(m)).join(',')}]` as unknown as Mapping[]
  })
}

export default mappings
