// Errors of the /v4 routes in Jikan's shape, as jikan-rest's exception handler
// sends them: {status, type, message, error}; validation errors carry
// per-parameter `messages` (Laravel's wording) instead of `message`. Every error
// of the route group goes through jikanErrorReply, the one place that maps them;
// the service's one validator (src/validation) finds what is wrong with a
// request and jikanSchemaErrors words it here.
import { STATUS_CODES } from 'node:http'
import type { ErrorObject } from 'ajv'
import type { FastifyError } from 'fastify'
import type { SchemaErrorFormatter } from 'fastify/types/schema.js'
import { ApiError } from '../../errors.js'
import { issuesOf, type Issue } from '../../validation/index.js'
import { JIKAN_MAX_LIMIT } from '../../../schemas/jikan.js'

export const VALIDATION_ERROR = 'Invalid or incomplete request. Make sure your request is correct. https://docs.api.jikan.moe/'

/** An error that already has its Jikan body. */
export class JikanError extends Error {
  constructor (readonly statusCode: number, readonly body: Record<string, unknown>, readonly headers: Record<string, string> = {}) {
    super(typeof body.message === 'string' ? body.message : String(body.type))
    this.name = 'JikanError'
  }
}

export type FieldMessages = Record<string, string[]>

export const validationError = (messages: FieldMessages): JikanError =>
  new JikanError(400, { status: 400, type: 'ValidationException', messages, error: VALIDATION_ERROR })

/** A valid request this service cannot answer as asked (a filter or ordering AOD has no data for). */
export const badRequest = (message: string): JikanError =>
  new JikanError(400, { status: 400, type: 'BadRequestException', message, error: null })

/** An id the catalogue does not have. */
export const resourceNotFound = (error: string): JikanError =>
  new JikanError(404, { status: 404, type: 'BadResponseException', message: 'Resource does not exist', error })

/** A Jikan endpoint whose data the anime-offline-database does not have. */
export const notAvailable = (what: string, path: string): JikanError => new JikanError(404, {
  status: 404,
  type: 'BadResponseException',
  message: `Not available on this server: ${what}. It answers from the anime-offline-database, which has no ${what}.`,
  error: `${path} needs data from MyAnimeList that this server does not have`
})

/** Lumen's HttpException: the status and its standard text. */
export const httpError = (status: number, headers: Record<string, string> = {}): JikanError =>
  new JikanError(status, { status, type: 'HttpException', message: STATUS_CODES[status] ?? 'Error', error: null }, headers)

/** The body of a request the router refuses before any route runs (a malformed path). */
export const jikanRouterError = (status: number): Record<string, unknown> => httpError(status).body

/** Laravel's name of a parameter in its messages: `min_score` → `min score`. */
const attribute = (field: string): string => field.replaceAll('_', ' ')

/** Laravel's message (jikan-rest's, for the limit and enums) for one thing wrong with a parameter. */
function messageOf ({ keyword, field, value, schema, params }: Issue): string {
  const name = attribute(field)
  switch (keyword) {
    case 'required':
      return `The ${name} field is required.`
    case 'type': {
      const type = String(params.type)
      if (type === 'integer') return `The ${name} must be an integer.`
      if (type === 'number') return `The ${name} must be a number.`
      if (type === 'boolean') return `The ${name} field must be true or false.`
      return `The ${name} must be a ${type}.`
    }
    case 'enum':
      return typeof schema['x-enum-class'] === 'string'
        ? `The ${name} field is not a valid App\\Enums\\${schema['x-enum-class']}.`
        : `The selected ${name} is invalid.`
    case 'minimum':
    case 'maximum':
      if (field === 'limit' && keyword === 'maximum') return `Value ${String(value)} is higher than the configured '${JIKAN_MAX_LIMIT}' max value.`
      if (schema.minimum !== undefined && schema.maximum !== undefined && field !== 'limit') return `The ${name} must be between ${String(schema.minimum)} and ${String(schema.maximum)}.`
      return keyword === 'minimum' ? `The ${name} must be at least ${String(schema.minimum)}.` : `The ${name} must not be greater than ${String(schema.maximum)}.`
    case 'minLength':
    case 'maxLength':
      if (schema.minLength === schema.maxLength) return `The ${name} must be ${String(schema.maxLength)} characters.`
      return keyword === 'maxLength' ? `The ${name} must not be greater than ${String(schema.maxLength)} characters.` : `The ${name} must be at least ${String(schema.minLength)} characters.`
    case 'pattern':
      if (typeof schema['x-format-name'] === 'string') return `The ${name} does not match the format ${schema['x-format-name']}.`
      if (field === 'letter') return `The ${name} must only contain letters.`
      return `The ${name} format is invalid.`
    default:
      return `The ${name} is invalid.`
  }
}

/** Per-parameter messages of what the validator found wrong, in order, each message once. */
export function validationMessages (errors: readonly ErrorObject[]): FieldMessages {
  const messages: FieldMessages = {}
  for (const issue of issuesOf(errors)) {
    const field = issue.field === '' ? 'request' : issue.field
    const list = (messages[field] ??= [])
    const message = messageOf({ ...issue, field })
    if (!list.includes(message)) list.push(message)
  }
  return messages
}

/**
 * The route group's schema error formatter: path parameters that do not look
 * like Jikan's ({id:[0-9]+}, {year:[0-9]{4}}) match no route there, 404; bad
 * query parameters are its ValidationException.
 */
export const jikanSchemaErrors: SchemaErrorFormatter = (errors, part) =>
  part === 'params' ? httpError(404) : validationError(validationMessages(errors as unknown as ErrorObject[]))

/** The status, body and headers of any error thrown while answering a /v4 request. */
export function jikanErrorReply (error: FastifyError | ApiError | JikanError): { status: number, body: Record<string, unknown>, headers: Record<string, string> } {
  if (error instanceof JikanError) return { status: error.statusCode, body: error.body, headers: error.headers }
  let jikan: JikanError
  if (error instanceof ApiError) {
    // The service's own errors raised before the route (the global rate limit's 429).
    jikan = httpError(error.statusCode, error.headers)
  } else if (error.validation !== undefined) {
    // A validation error worded elsewhere than by jikanSchemaErrors: in Jikan's shape all the same.
    jikan = jikanSchemaErrors(error.validation as never, error.validationContext ?? 'querystring') as JikanError
  } else {
    const status = error.statusCode ?? 500
    jikan = status >= 400 && status < 500 ? httpError(status) : new JikanError(500, { status: 500, type: 'Exception', message: 'Unhandled Exception', error: null })
  }
  return { status: jikan.statusCode, body: jikan.body, headers: jikan.headers }
}
