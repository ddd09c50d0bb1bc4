// Validation of values by their TypeBox schema, with the contract's messages:
// the request validator of every route (src/http/validation.ts) and the same
// thing for values that arrive another way (src/accounts/admin.ts, the MAL import).
import type { SchemaObject } from 'ajv'
import type { FieldErrorBody } from '../errors.js'
import { contractErrors, issuesOf } from './messages.js'
import { compileValidator, type HttpPart } from './validator.js'

export { compileEveryValidator, compileValidator, listLengthOf, type HttpPart, type Validator } from './validator.js'
export { compilePending, compileSoon, pendingCompilations } from './compile-ahead.js'
export { contractErrors, contractListErrors, issuesOf, messages, type Issue } from './messages.js'

/**
 * A check of one field that its schema cannot make (a username already taken):
 * a message, or undefined when the value is fine. Checks run on the fields that
 * passed the schema, so that every error comes back at once, in field order.
 */
export type FieldCheck = (value: never) => Promise<string | undefined>
export type FieldChecks = Record<string, FieldCheck>

/** `errors` with the messages of `checks` on the fields of `values` that have none yet, in `schema`'s field order. */
export async function withFieldChecks (schema: SchemaObject, values: Record<string, unknown>, errors: FieldErrorBody, checks: FieldChecks): Promise<FieldErrorBody> {
  const found = { ...errors }
  // Checks of different fields run together.
  await Promise.all(Object.entries(checks).map(async ([name, check]) => {
    if (found[name] !== undefined || values[name] === undefined) return
    const message = await check(values[name] as never)
    if (message !== undefined) found[name] = [message]
  }))
  const ordered: FieldErrorBody = {}
  for (const name of [...Object.keys(schema.properties ?? {}), ...Object.keys(found)]) {
    if (found[name] !== undefined) ordered[name] = found[name]
  }
  return ordered
}

export type FieldsOutcome<T> =
  | { ok: true, values: T }
  | { ok: false, errors: FieldErrorBody }

/**
 * Validates `data` as a request `part` (a body by default) against `schema`,
 * then runs `checks`: the values read and checked (the schema's properties
 * only), or every error in the contract's shape. `data` itself is left as it is.
 */
export async function validateFields<T = Record<string, unknown>> (
  schema: SchemaObject, data: Record<string, unknown>, checks: FieldChecks = {}, part: HttpPart = 'body'
): Promise<FieldsOutcome<T>> {
  const validator = compileValidator(schema, part)
  const values = { ...data }
  const valid = validator(values)
  const schemaErrors = valid ? {} : contractErrors(issuesOf(validator.errors ?? []), part)
  const errors = await withFieldChecks(schema, values, schemaErrors, checks)
  if (Object.keys(errors).length > 0) return { ok: false, errors }
  const declared: Record<string, unknown> = {}
  for (const name of Object.keys(schema.properties ?? {})) if (values[name] !== undefined) declared[name] = values[name]
  return { ok: true, values: declared as T }
}
