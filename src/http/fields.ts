// Body validation in the old service's (DRF's) manner, driven by the route's
// TypeBox body schema, so that one schema both documents and validates a body.
// Each string property is checked as a DRF CharField: presence, null, blank,
// type (numbers are taken as their text), then every validator, collecting all
// messages. The 400 has one key per failing field, in the schema's field order.
//
// String properties understand, besides JSON Schema's maxLength, minLength,
// pattern and format ('email', Django's validator), these keywords:
//   x-trim: true             trim surrounding whitespace first (DRF's default; passwords are not)
//   x-normalize: 'NFKC'      Unicode-normalise after trimming
//   x-pattern-message: text  the message when `pattern` fails
//   x-allow-blank: true      accept '' (after trimming)
import type { TObject, TSchema } from '@sinclair/typebox'
import type { FastifyRequest, FastifySchemaCompiler } from 'fastify'
import { fieldErrors, type FieldErrorBody } from '../errors.js'
import { isValidEmail } from './email.js'

/** An extra check of a field that passed the schema's checks (e.g. uniqueness): a message, or undefined when fine. */
export type FieldCheck = (value: string) => Promise<string | undefined>
export type FieldChecks = Record<string, FieldCheck>

interface StringField {
  maxLength?: number
  minLength?: number
  pattern?: string
  format?: string
  'x-trim'?: boolean
  'x-normalize'?: 'NFC' | 'NFD' | 'NFKC' | 'NFKD'
  'x-pattern-message'?: string
  'x-allow-blank'?: boolean
}

export const messages = {
  required: 'This field is required.',
  null: 'This field may not be null.',
  blank: 'This field may not be blank.',
  notString: 'Not a valid string.',
  maxLength: (n: number) => `Ensure this field has no more than ${n} characters.`,
  minLength: (n: number) => `Ensure this field has at least ${n} characters.`,
  pattern: 'Enter a valid value.',
  email: 'Enter a valid email address.',
  nullCharacter: 'Null characters are not allowed.',
  surrogate: (codePoint: number) => `Surrogate characters are not allowed: U+${codePoint.toString(16).toUpperCase()}.`
}

// Python's str.strip() whitespace (what DRF trimmed), which differs from String#trim at the edges.
const pythonSpace = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000'
const surroundingSpace = new RegExp(`^[${pythonSpace}]+|[${pythonSpace}]+$`, 'g')
const pythonStrip = (text: string): string => text.replace(surroundingSpace, '')

const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** Length in characters (code points), as Python counts. */
const characters = (text: string): number => [...text].length

const patterns = new Map<string, RegExp>()
const compiled = (pattern: string): RegExp => {
  let regex = patterns.get(pattern)
  if (regex === undefined) { regex = new RegExp(pattern, 'u'); patterns.set(pattern, regex) }
  return regex
}

type FieldResult = { value: string } | { errors: string[] }

/** DRF's CharField.run_validation for one value, with the schema's constraints as validators. */
function checkString (raw: unknown, field: StringField): FieldResult {
  if (raw === null) return { errors: [messages.null] }
  let text: string
  if (typeof raw === 'string') text = raw
  else if (typeof raw === 'number' && Number.isFinite(raw)) text = String(raw)
  else return { errors: [messages.notString] }
  if (field['x-trim'] === true) text = pythonStrip(text)
  if (text === '') return field['x-allow-blank'] === true ? { value: '' } : { errors: [messages.blank] }
  if (field['x-normalize'] !== undefined && !loneSurrogate.test(text)) text = text.normalize(field['x-normalize'])

  const errors: string[] = []
  if (field.pattern !== undefined && !compiled(field.pattern).test(text)) errors.push(field['x-pattern-message'] ?? messages.pattern)
  const length = characters(text)
  if (field.maxLength !== undefined && length > field.maxLength) errors.push(messages.maxLength(field.maxLength))
  if (field.minLength !== undefined && length < field.minLength) errors.push(messages.minLength(field.minLength))
  if (text.includes('\0')) errors.push(messages.nullCharacter)
  const surrogate = loneSurrogate.exec(text)
  if (surrogate !== null) errors.push(messages.surrogate(surrogate[0].charCodeAt(0)))
  if (field.format === 'email' && !isValidEmail(text)) errors.push(messages.email)
  return errors.length > 0 ? { errors } : { value: text }
}

export type FieldsOutcome =
  | { ok: true, values: Record<string, string> }
  | { ok: false, errors: FieldErrorBody }

/** Validates `body` against the string properties of `schema`, then runs `checks` on the fields that passed. */
export async function validateFields (schema: TObject, body: Record<string, unknown>, checks: FieldChecks = {}): Promise<FieldsOutcome> {
  const required = new Set(schema.required ?? [])
  const values: Record<string, string> = {}
  const errors: FieldErrorBody = {}
  // Checks of different fields run together; the errors are gathered in field order below.
  const pending = new Map<string, Promise<string | undefined>>()
  for (const [name, property] of Object.entries(schema.properties as Record<string, TSchema>)) {
    if (!Object.hasOwn(body, name) || body[name] === undefined) {
      if (required.has(name)) errors[name] = [messages.required]
      continue
    }
    const result = checkString(body[name], property as StringField)
    if ('errors' in result) { errors[name] = result.errors; continue }
    values[name] = result.value
    const check = checks[name]
    if (check !== undefined) pending.set(name, check(result.value))
  }
  const ordered: FieldErrorBody = {}
  for (const name of Object.keys(schema.properties)) {
    const message = await pending.get(name)
    if (message !== undefined) errors[name] = [message]
    if (errors[name] !== undefined) ordered[name] = errors[name]
  }
  return Object.keys(ordered).length > 0 ? { ok: false, errors: ordered } : { ok: true, values }
}

/** A validator of whole bodies in validateFields' manner (src/http/typed-fields.ts adds integers, booleans, choices). */
type ValidatedBody = { ok: true, values: Record<string, unknown> } | { ok: false, errors: FieldErrorBody }
export type BodyValidator = (schema: TObject, body: Record<string, unknown>, checks: FieldChecks) => Promise<ValidatedBody>

/** Form bodies may repeat a key; like Django's QueryDict the last value counts. */
function lastValues (body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(body)) out[key] = Array.isArray(value) ? value.at(-1) : value
  return out
}

const isFormBody = (request: FastifyRequest): boolean =>
  /^(multipart\/form-data|application\/x-www-form-urlencoded)/i.test(request.headers['content-type'] ?? '')

/** The body has been validated by `fieldValidation`'s preValidation step already. */
const alreadyValidated: FastifySchemaCompiler<unknown> = () => () => true

/**
 * Route options that validate the body with `validateFields` (a 400 in DRF's
 * shape) and replace it with the cleaned values (trimmed, normalised strings).
 * Spread into the route's options next to `schema: { body: schema }`.
 */
export function fieldValidation (schema: TObject, checks: FieldChecks = {}, validate: BodyValidator = validateFields) {
  return {
    validatorCompiler: alreadyValidated,
    preValidation: async (request: FastifyRequest) => {
      const body = request.body as Record<string, unknown>
      const outcome = await validate(schema, isFormBody(request) ? lastValues(body) : body, checks)
      if (!outcome.ok) throw fieldErrors(outcome.errors)
      request.body = outcome.values
    }
  }
}
