// Shapes shared by every endpoint: the error bodies of CONTRACT's General section.
import { Type, type TSchema } from '@sinclair/typebox'

/** A value that may be null, as JSON Schema `type: [T, "null"]` (fast to serialise). */
export const Nullable = <T extends TSchema>(schema: T) =>
  Type.Unsafe<T['static'] | null>({ ...schema, type: [schema.type as string, 'null'] })

export const ErrorDetail = Type.Object({
  detail: Type.String({ examples: ['Not found.'] })
}, { title: 'ErrorDetail', description: 'An error that is not about one field: `{"detail": "<message>"}`' })

export const FieldErrors = Type.Record(Type.String(), Type.Array(Type.String()), {
  title: 'FieldErrors',
  description: 'Validation errors: one key per failing field (or `non_field_errors`), each a list of messages.',
  examples: [{ username: ['A user with that username already exists.'] }]
})

/** The usual `?format=` query parameter of the old service. */
export const FormatQuery = Type.Object({
  format: Type.Optional(Type.String({
    description: '`json` (the default) or `api` for a human-readable HTML page; any other value is 404.',
    examples: ['json']
  }))
})

export const notFound = { 404: ErrorDetail }
