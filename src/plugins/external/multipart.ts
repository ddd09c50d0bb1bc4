// multipart/form-data bodies, read as they arrive by busboy (the parser
// @fastify/multipart is built on): fields become plain body values, as with form
// bodies (a repeated field keeps its last value, as Django's QueryDict did).
//
// The body is held to the route's body limit like any other (BODY_LIMIT, unless
// the route sets its own): every byte counts, boundaries and part headers
// included, and past the limit the answer is 413 at once, before more is read
// (Fastify closes the connection after an error while parsing). File parts are
// for the routes that name a field to take one (`config.fileField`, the MAL
// import's `file`), which gets it as a Buffer; anywhere else a file part is 413
// as soon as its headers arrive, its data unread. @fastify/multipart itself
// was dropped: it has no limit on a whole body, so 60 uploads of 15 MB to
// /account/register were read into memory, each one whole.
import fp from 'fastify-plugin'
import type { BusboyHeaders, BusboyInstance } from '@fastify/busboy'
import { errorCodes, type FastifyInstance, type FastifyRequest } from 'fastify'
import type { Readable } from 'node:stream'
import { ApiError } from '../../errors.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The one multipart field that may be a file (read into a Buffer, within the route's body limit). */
    fileField?: string
  }
}

/** Parts and fields one body may have (each part is an object in the body; a few dozen is plenty for any route). */
const limits = { fields: 50, parts: 60, files: 1, headerPairs: 100 }

const tooLarge = (): Error => new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE()
const noFiles = (): ApiError => new ApiError(413, { detail: 'File uploads are not accepted here.' })
const malformed = (message: string): ApiError => new ApiError(400, { detail: `Multipart form parse error - ${message}` })

/** busboy, loaded with the first multipart body (few requests have one; in the build, a chunk of its own). */
let Busboy: typeof import('@fastify/busboy').Busboy | undefined

/** The body of a multipart request: field values (a repeated field's last), and the route's file field as a Buffer. */
export async function readMultipart (request: FastifyRequest, payload: Readable): Promise<Record<string, unknown>> {
  const bodyLimit = request.routeOptions.bodyLimit
  const fileField = request.routeOptions.config.fileField
  const declared = Number(request.headers['content-length'])
  if (declared > bodyLimit) {
    // Dropped as it comes, unread, so that the client meets the answer and not a reset (src/plugins/app/body-limit.ts).
    payload.resume()
    throw tooLarge()
  }
  // The body waits, unread, while it loads.
  Busboy ??= (await import('@fastify/busboy')).Busboy
  const parse = Busboy
  return await new Promise((resolve, reject) => {
    const body: Record<string, unknown> = {}
    let received = 0
    let settled = false
    let parser: BusboyInstance
    const fail = (error: Error): void => {
      if (settled) return
      settled = true
      payload.unpipe(parser)
      payload.off('data', count)
      parser.destroy()
      // The rest of the body is dropped as it comes (see src/plugins/app/body-limit.ts).
      payload.resume()
      reject(error)
    }
    const count = (chunk: Buffer): void => {
      received += chunk.length
      if (received > bodyLimit) fail(tooLarge())
    }
    const add = (name: string, value: unknown): void => {
      // Names of Object.prototype's properties are not body keys (no API field has one).
      if (name in Object.prototype) return
      body[name] = value
    }
    try {
      parser = parse({ headers: request.headers as BusboyHeaders, limits: { ...limits, fieldSize: bodyLimit, fileSize: bodyLimit } })
    } catch (error) {
      reject(malformed((error as Error).message))
      return
    }
    parser.on('field', (name, value) => { add(name, value) })
    let files = 0 // file parts still being read
    let finished = false
    const done = (): void => {
      if (settled || !finished || files > 0) return
      settled = true
      resolve(body)
    }
    parser.on('file', (name, stream) => {
      if (name !== fileField) { stream.resume(); fail(noFiles()); return }
      files++
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('limit', () => { fail(tooLarge()) })
      stream.on('end', () => {
        files--
        if (!stream.truncated) add(name, Buffer.concat(chunks))
        done()
      })
    })
    parser.on('filesLimit', () => { fail(new ApiError(413, { detail: 'One file at most.' })) })
    parser.on('fieldsLimit', () => { fail(new ApiError(413, { detail: `At most ${limits.fields} fields.` })) })
    parser.on('partsLimit', () => { fail(new ApiError(413, { detail: `At most ${limits.parts} parts.` })) })
    parser.on('error', (error: unknown) => { fail(malformed((error as Error).message)) })
    parser.on('finish', () => {
      finished = true
      done()
    })
    payload.on('data', count)
    payload.on('error', (error) => { fail(error) })
    payload.pipe(parser)
  })
}

export default fp(async function multipartBodies (fastify: FastifyInstance) {
  fastify.addContentTypeParser('multipart/form-data', readMultipart)
}, { name: 'multipart-bodies' })
