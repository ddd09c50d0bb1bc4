// /watchlists/:id/import and /watchlists/:id/export: MyAnimeList's list format.
// The upload is a multipart/form-data `file` field, or the raw body
// (application/xml, text/xml, application/gzip, application/x-gzip); the
// parsers for raw bodies exist in this plugin only. The import runs in a
// worker thread (src/watchlists/mal-import-runner.ts), a few at a time; too
// large a file, or too many entries, is 413; an import whose file is still being
// read when the request's time (REQUEST_TIMEOUT) is up, or whose client went
// away, is cancelled.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyError, FastifyRequest } from 'fastify'
import { authErrors } from '../../../schemas/account.js'
import { ErrorDetail, FieldErrors, FormatQuery } from '../../../schemas/common.js'
import { MalImportBody, MalImportReply, WatchlistParams } from '../../../schemas/watchlists.js'
import { ApiError, fieldErrors } from '../../errors.js'
import { uploadTooLarge } from '../../watchlists/mal.js'
import { parseId } from '../../validation/ids.js'
import { documentAnswers } from '../../http/openapi.js'

export const rawTypes = ['application/xml', 'text/xml', 'application/gzip', 'application/x-gzip']

const mal: FastifyPluginAsyncTypebox = async (fastify) => {
  const service = fastify.watchlists
  const imports = fastify.malImports
  const { malImportMaxBytes: maxBytes, malImportMaxEntries: maxEntries, malImportMaxPending: maxPending, requestTimeoutMs } = fastify.config
  const limits = { maxBytes, maxEntries }
  fastify.addContentTypeParser(rawTypes, { parseAs: 'buffer', bodyLimit: maxBytes }, (_request, body, done) => { done(null, body) })
  fastify.setErrorHandler(async (error: FastifyError) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') throw uploadTooLarge(maxBytes)
    throw error
  })

  const idParam = (request: FastifyRequest) => parseId((request.params as { id: string }).id)
  const seconds = requestTimeoutMs / 1000
  const timeLimit = Number.isInteger(seconds) ? `${seconds} second${seconds === 1 ? '' : 's'}` : `${requestTimeoutMs} ms`

  fastify.post('/:id/import', {
    bodyLimit: maxBytes,
    schema: {
      operationId: 'importMalList',
      summary: 'Import a MyAnimeList export into a list',
      description: 'Takes MAL\'s list export (XML, or gzip-compressed XML as MAL serves it) as a multipart/form-data `file` field or as the raw body ' +
        '(`Content-Type: application/xml`, `text/xml`, `application/gzip` or `application/x-gzip`). ' +
        'Entries are matched to the catalogue through its myanimelist.net/anime/<id> source URLs; new ones are added, ones already in the list updated. ' +
        'Each entry\'s fields are validated as `PUT /watchlists/{id}/anime/{animeId}` validates them (status, score as rating, watched episodes, ' +
        'comments as the note, at most 2000 characters); an entry that fails is not imported and is listed in `rejected` with PUT\'s messages under the file\'s tag names. ' +
        'Malformed XML or another root element is 400, and nothing is imported; so is an import that would put more than 10,000 anime in the list. ' +
        `A file larger than the server's limit (default 16 MiB, also once decompressed; MAL_IMPORT_MAX_BYTES) or with more entries than its limit ` +
        '(default 20,000; MAL_IMPORT_MAX_ENTRIES) is 413. When too many imports are in progress the answer is 503 with `Retry-After`, before the file is read; ' +
        'an import whose file is still being read when the request\'s time (REQUEST_TIMEOUT) is up is cancelled (503) and imports nothing. Owner only.',
      tags: ['watchlists'],
      security: [{ Token: [] }],
      consumes: ['multipart/form-data', ...rawTypes],
      params: WatchlistParams,
      querystring: FormatQuery,
      response: {
        200: MalImportReply, ...authErrors, 400: { anyOf: [ErrorDetail, FieldErrors] }, 403: ErrorDetail, 404: ErrorDetail, 413: ErrorDetail, 415: ErrorDetail, 503: ErrorDetail
      }
    },
    config: {
      // The upload in the OpenAPI document only: a body schema would also validate it.
      swaggerTransform: ({ schema, url, route }) => ({ schema: documentAnswers({ ...schema, body: MalImportBody }, route), url }),
      // The one route that takes a file part (src/plugins/external/multipart.ts), within its bodyLimit.
      fileField: 'file'
    },
    onRequest: [fastify.auth([fastify.verifyToken]), async (request, reply) => {
      request.watchlist = await service.owned(idParam(request), request.auth!.user)
      // A place among the imports in progress, taken before the file is read, given back with the answer.
      const release = imports.reserve()
      if (release === null) {
        throw new ApiError(503, { detail: `${maxPending} imports are in progress; try again in a few seconds.` }, { 'retry-after': '5' })
      }
      reply.raw.once('close', release)
    }]
  }, async (request, reply) => {
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
    // Cancelled when the client goes away or the request's time is up: the worker stops reading the file.
    const cancel = new AbortController()
    const gone = () => {
      if (!reply.raw.writableFinished) cancel.abort(new ApiError(400, { detail: 'The client went away; the import was cancelled.' }))
    }
    reply.raw.once('close', gone)
    const timer = requestTimeoutMs > 0
      ? setTimeout(() => {
        cancel.abort(new ApiError(503, { detail: `The import took longer than ${timeLimit} and was cancelled; nothing was imported.` }))
      }, Math.max(0, requestTimeoutMs - reply.elapsedTime))
      : undefined
    try {
      // The answer's JSON as the worker made it (the reply schema's shape): sent as it is.
      const answer = await imports.run(request.watchlist!, upload, limits, cancel.signal)
      return await reply.type('application/json; charset=utf-8').send(answer)
    } finally {
      clearTimeout(timer)
      reply.raw.off('close', gone)
    }
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
