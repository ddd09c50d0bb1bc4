// Shapes shared by every endpoint: the old service's error bodies (docs/compatibility.md),
// and the building blocks of request schemas (src/validation reads their x- keywords).
import { Type, type IntegerOptions, type ObjectOptions, type StringOptions, type TProperties, type TSchema } from '@sinclair/typebox'

/** A value that may be null, as JSON Schema `type: [T, "null"]` (fast to serialise). */
export const Nullable = <T extends TSchema>(schema: T) =>
  Type.Unsafe<T['static'] | null>({ ...schema, type: [schema.type as string, 'null'] })

/** A string that is one of `values` (`{"type":"string","enum":[…]}`, what OpenAPI generators read best). */
export const StringEnum = <const T extends readonly string[]>(values: T, options: Record<string, unknown> = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options })

/**
 * A text field of a request body, as DRF's CharField took it: never blank (give
 * `minLength: 0` to allow it), no NUL and no lone surrogate (`x-plain-text`).
 * `x-trim: true` trims it first (see src/validation/validator.ts).
 */
export const TextField = (options: StringOptions & Record<`x-${string}`, unknown> = {}) =>
  Type.String({ minLength: 1, 'x-plain-text': true, ...options })

export const ErrorDetail = Type.Object({
  detail: Type.String({ examples: ['Not found.'] })
}, { title: 'ErrorDetail', description: 'An error that is not about one field: `{"detail": "<message>"}`' })

export const FieldErrors = Type.Unsafe<Record<string, string[]>>({
  type: 'object',
  title: 'FieldErrors',
  description: 'Validation errors: one key per failing field (or `non_field_errors`), in the endpoint\'s field order, each a list of every message for it.',
  additionalProperties: { type: 'array', items: { type: 'string' }, minItems: 1 },
  minProperties: 1,
  examples: [{ username: ['A user with that username already exists.'] }, { page_size: ['Ensure this value is less than or equal to 100.'] }]
})

/** The usual `?format=` query parameter of the old service. */
export const Format = Type.Optional(StringEnum(['json', 'api'], {
  description: '`json` (the default) or `api` for a human-readable HTML page; any other value is 404.',
  examples: ['json']
}))

/**
 * A query string's object schema. Query values are trimmed, a blank one is
 * absent, a repeated one counts once (its last value), and an array parameter
 * is one comma-separated value (OpenAPI's `style: form, explode: false`).
 */
export const Query = <T extends TProperties>(properties: T, options: ObjectOptions & Record<`x-${string}`, unknown> = {}) =>
  Type.Object(properties, { style: 'form', explode: false, ...options })

export const FormatQuery = Query({ format: Format })

/** An id in a path: a positive whole number written plainly (no sign, no leading zero); anything else is 404. */
export const Id = (options: IntegerOptions = {}) => Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, ...options })

export const notFound = { 404: ErrorDetail }
