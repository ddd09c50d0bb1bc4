// /watchlists/:id/import and /watchlists/:id/export: MyAnimeList's list format.
// The upload is a multipart/form-data `file` field, or the raw body
// (application/xml, text/xml, application/gzip, application/x-gzip); the
// parsers for raw bodies exist in this plugin only. Too large an upload is a
// clear 400 as well, never a 413.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyError, FastifyRequest } from 'fastify'
import { authErrors } from '../../../schemas/account.js'
import { ErrorDetail, FieldErrors, FormatQuery } from '../../../schemas/common.js'
import { MalImportBody, MalImportReply, WatchlistParams } from '../../../schemas/watchlists.js'
import { ApiError, fieldErrors } from '../../errors.js'
import { badImport, MAL_MAX_BYTES } from '../../watchlists/mal.js'
import { parseId } from '../anime/index.js'
import { documentAnswers } from '../../http/openapi.js'

export const rawTypes = ['application/xml', 'text/xml', 'application/gzip', 'application/x-gzip']
const tooLarge = new Set(['FST_ERR_CTP_BODY_TOO_LARGE', 'FST_REQ_FILE_TOO_LARGE'])

const mal: FastifyPluginAsyncTypebox = async (fastify) => {
  const service = fastify.watchlists
  fastify.addContentTypeParser(rawTypes, { parseAs: 'buffer', bodyLimit: MAL_MAX_BYTES }, (_request, body, done) => { done(null, body) })
  fastify.setErrorHandler(async (error: FastifyError) => {
    if (tooLarge.has(error.code)) throw badImport(`The file is larger than ${MAL_MAX_BYTES} bytes.`)
    throw error
  })

  const idParam = (request: FastifyRequest) => parseId((request.params as { id: string }).id)

  fastify.post('/:id/import', {
    bodyLimit: MAL_MAX_BYTES,
    schema: {
      operationId: 'importMalList',
      summary: 'Import a MyAnimeList export into a list',
      description: 'Takes MAL\'s list export (XML, or gzip-compressed XML as MAL serves it) as a multipart/form-data `file` field or as the raw body ' +
        '(`Content-Type: application/xml`, `text/xml`, `application/gzip` or `application/x-gzip`), at most 16 MiB (also once decompressed). ' +
        'Entries are matched to the catalogue through its myanimelist.net/anime/<id> source URLs; new ones are added, ones already in the list updated. ' +
        'Malformed XML, another root element or too large a file is 400, and nothing is imported; so is an import that would put more than 10,000 anime in the list. Owner only.',
      tags: ['watchlists'],
      security: [{ Token: [] }],
      consumes: ['multipart/form-data', ...rawTypes],
      params: WatchlistParams,
      querystring: FormatQuery,
      response: { 200: MalImportReply, ...authErrors, 400: { anyOf: [ErrorDetail, FieldErrors] }, 403: ErrorDetail, 404: ErrorDetail, 415: ErrorDetail }
    },
    // The upload in the OpenAPI document only: a body schema would also validate it.
    config: { swaggerTransform: ({ schema, url, route }) => ({ schema: documentAnswers({ ...schema, body: MalImportBody }, route), url }) },
    onRequest: [fastify.auth([fastify.verifyToken]), async (request) => {
      request.watchlist = await service.owned(idParam(request), request.auth!.user)
    }]
  }, async (request) => {
    const body = request.body as unknown
    let upload: Buffer
    if (Buffer.isBuffer(body)) {
      upload = body
    } else if (/^multipart\/form-data/i.test(request.headers['content-type'] ?? '')) {
      const file = (body as Record<string, unknown> | undefined)?.file
      if (Buffer.isBuffer(file)) upload = file
      else if (typeof file === 'string') upload = Buffer.from(file)
      else throw fieldErrors({ file: ['No file was submitted.'] })
    } else {
      throw new ApiError(415, { detail: `Unsupported media type "${request.headers['content-type'] ?? ''}" in request.` })
    }
    return service.importMal(request.watchlist!, upload)
  })

  fastify.get('/:id/export', {
    schema: {
      operationId: 'exportMalList',
      summary: 'Export a list in MyAnimeList\'s format',
      description: 'The list as MAL\'s XML export (`application/xml`), which MyAnimeList and other sites import. Entries whose anime has no MyAnimeList id ' +
        'are left out and named in a comment. Same access as reading the list.',
      tags: ['watchlists'],
      security: [{ Token: [] }, {}],
      produces: ['application/xml'],
      params: WatchlistParams,
      querystring: FormatQuery,
      response: { 200: { type: 'string', description: 'MAL export XML.' }, 404: ErrorDetail }
    },
    onRequest: [fastify.optionalToken, async (request) => {
      request.watchlist = await service.readable(idParam(request), request.auth?.user ?? null)
    }]
  }, async (request, reply) => {
    const list = request.watchlist!
    return reply
      .type('application/xml; charset=utf-8')
      .header('content-disposition', `attachment; filename="watchlist-${list.id}.xml"`)
      .send(await service.exportMal(list))
  })
}

export default mal
