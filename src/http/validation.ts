// Request validation for Fastify: every route's params, query string and body
// are validated by src/validation (ajv, from the route's TypeBox schema), and a
// failure becomes the contract's 400 here, the one place that shapes it:
// `{"field": ["message", …], …}` (a bad path parameter names no resource: 404).
//
// A route group that answers in another shape (the Jikan-compatible /v4 routes)
// sets its own formatter inside its plugin; Fastify keeps it to that plugin:
//
//   fastify.setSchemaErrorFormatter((errors, part) => jikanError(issuesOf(errors), part))
//
// `issuesOf` gives the same list of what failed (field, keyword, value, limits)
// that `contractErrors` words for the native routes.
//
// Checks a schema cannot make (a username already taken) are the route's
// `config.fieldChecks` (src/validation/index.ts): they run on the fields that
// passed, after a valid body (preHandler) and with the errors of an invalid one,
// so that every error comes back at once, as DRF reported them.
import type { ErrorObject, SchemaObject } from 'ajv'
import type { FastifyInstance, FastifyRequest, FastifySchemaCompiler, RouteOptions } from 'fastify'
import type { SchemaErrorFormatter } from 'fastify/types/schema.js'
import { ApiError, fieldErrors, notFound, type FieldErrorBody } from '../errors.js'
import { compileValidator, contractErrors, contractListErrors, issuesOf, listLengthOf, withFieldChecks, type FieldChecks, type HttpPart } from '../validation/index.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Checks of body fields beyond the schema (see src/validation/index.ts), run with its validation. */
    fieldChecks?: FieldChecks
  }
}

export const validatorCompiler: FastifySchemaCompiler<SchemaObject> = ({ schema, httpPart }) =>
  compileValidator(schema, (httpPart ?? 'body') as HttpPart)

/**
 * Validation failures in the contract's shapes. A path segment that is not a
 * valid id names no resource: 404. One that must be one of a set of names (a
 * site) and is not is a bad choice: 400 with the field's message, as a body's.
 */
export const contractSchemaErrors: SchemaErrorFormatter = (schemaErrors, part) => {
  const errors = schemaErrors as unknown as ErrorObject[]
  const issues = issuesOf(errors)
  if (part === 'params') {
    const choices = issues.filter((issue) => Array.isArray(issue.schema.enum))
    return choices.length === issues.length && choices.length > 0 ? fieldErrors(contractErrors(choices, 'params')) : notFound()
  }
  const listLength = part === 'body' ? listLengthOf(errors) : undefined
  if (listLength !== undefined) return new ApiError(400, contractListErrors(errors, listLength))
  return fieldErrors(contractErrors(issues, part as HttpPart))
}

const bodySchemaOf = (request: FastifyRequest): SchemaObject => (request.routeOptions.schema?.body ?? {}) as SchemaObject

/** The 400 body of an invalid request body, with the route's field checks run on the fields that passed. */
export async function withRouteFieldChecks (request: FastifyRequest, errors: FieldErrorBody): Promise<FieldErrorBody> {
  const checks = request.routeOptions.config.fieldChecks
  if (checks === undefined || typeof request.body !== 'object' || request.body === null) return errors
  return withFieldChecks(bodySchemaOf(request), request.body as Record<string, unknown>, errors, checks)
}

async function runFieldChecks (request: FastifyRequest): Promise<void> {
  const errors = await withRouteFieldChecks(request, {})
  if (Object.keys(errors).length > 0) throw fieldErrors(errors)
}

/** Every route validates with src/validation; routes with `config.fieldChecks` run them after a valid body. */
export function useContractValidation (fastify: FastifyInstance): void {
  fastify.setValidatorCompiler(validatorCompiler)
  fastify.setSchemaErrorFormatter(contractSchemaErrors)
  fastify.addHook('onRoute', (route: RouteOptions) => {
    if (route.config?.fieldChecks === undefined) return
    route.preHandler = [runFieldChecks, ...[route.preHandler ?? []].flat()] as RouteOptions['preHandler']
  })
}
