// validateFields (fields.ts) for bodies with more than strings: integer,
// boolean and choice properties are checked as DRF's IntegerField, BooleanField
// and ChoiceField did, with their messages; string properties go to
// validateFields unchanged. A property whose type includes "null" accepts null.
// Use as `fieldValidation(schema, checks, validateTypedFields)`.
import type { TObject, TSchema } from '@sinclair/typebox'
import type { FieldErrorBody } from '../errors.js'
import { messages as stringMessages, validateFields, type BodyValidator } from './fields.js'

export const messages = {
  ...stringMessages,
  integer: 'A valid integer is required.',
  min: (n: number) => `Ensure this value is greater than or equal to ${n}.`,
  max: (n: number) => `Ensure this value is less than or equal to ${n}.`,
  boolean: 'Must be a valid boolean.',
  choice: (value: unknown) => `"${String(value)}" is not a valid choice.`
}

interface Property {
  type?: string | string[]
  minimum?: number
  maximum?: number
  enum?: unknown[]
  anyOf?: Array<{ const?: unknown }>
}

const trueValues = new Set(['t', 'y', 'yes', 'true', 'on', '1'])
const falseValues = new Set(['f', 'n', 'no', 'false', 'off', '0'])

type Result = { value: unknown } | { error: string }

function checkInteger (raw: unknown, property: Property): Result {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : null
  if (text === null || !/^[+-]?\d{1,15}(\.0*)?$/.test(text)) return { error: messages.integer }
  const value = Number.parseInt(text, 10)
  if (property.minimum !== undefined && value < property.minimum) return { error: messages.min(property.minimum) }
  if (property.maximum !== undefined && value > property.maximum) return { error: messages.max(property.maximum) }
  return { value }
}

function checkBoolean (raw: unknown): Result {
  if (typeof raw === 'boolean') return { value: raw }
  const text = typeof raw === 'number' || typeof raw === 'string' ? String(raw).toLowerCase() : ''
  if (trueValues.has(text)) return { value: true }
  if (falseValues.has(text)) return { value: false }
  return { error: messages.boolean }
}

function checkChoice (raw: unknown, choices: unknown[]): Result {
  return choices.includes(raw) ? { value: raw } : { error: messages.choice(raw) }
}

const types = (property: Property): string[] => [property.type ?? []].flat()

/** The choices of an enum or a union of literals; undefined for other properties. */
function choicesOf (property: Property): unknown[] | undefined {
  if (property.enum !== undefined) return property.enum
  if (property.anyOf !== undefined && property.anyOf.every((member) => 'const' in member)) return property.anyOf.map((member) => member.const)
  return undefined
}

const stringSchemas = new WeakMap<TObject, TObject>()

/** The string properties of `schema` as a schema of their own, for validateFields. */
function stringPart (schema: TObject): TObject {
  let part = stringSchemas.get(schema)
  if (part === undefined) {
    const properties = Object.fromEntries(Object.entries(schema.properties as Record<string, Property>)
      .filter(([, property]) => choicesOf(property) === undefined && types(property).includes('string')))
    part = { ...schema, properties, required: (schema.required ?? []).filter((name) => name in properties) } as unknown as TObject
    stringSchemas.set(schema, part)
  }
  return part
}

export const validateTypedFields: BodyValidator = async (schema, body, checks) => {
  const strings = await validateFields(stringPart(schema), body, checks)
  const values: Record<string, unknown> = strings.ok ? { ...strings.values } : {}
  const errors: FieldErrorBody = strings.ok ? {} : { ...strings.errors }
  const required = new Set(schema.required ?? [])
  for (const [name, schemaProperty] of Object.entries(schema.properties as Record<string, TSchema>)) {
    const property = schemaProperty as Property
    const choices = choicesOf(property)
    const kinds = types(property)
    if (choices === undefined && kinds.includes('string')) continue
    const raw = body[name]
    if (!Object.hasOwn(body, name) || raw === undefined) {
      if (required.has(name)) errors[name] = [messages.required]
      continue
    }
    const nullable = kinds.includes('null')
    let result: Result
    if (raw === null || (raw === '' && nullable && kinds.includes('integer'))) result = nullable ? { value: null } : { error: messages.null }
    else if (choices !== undefined) result = checkChoice(raw, choices)
    else if (kinds.includes('integer')) result = checkInteger(raw, property)
    else if (kinds.includes('boolean')) result = checkBoolean(raw)
    else result = { value: raw }
    if ('error' in result) errors[name] = [result.error]
    else values[name] = result.value
  }
  const ordered: FieldErrorBody = {}
  for (const name of Object.keys(schema.properties)) if (errors[name] !== undefined) ordered[name] = errors[name]
  return Object.keys(ordered).length > 0 ? { ok: false, errors: ordered } : { ok: true, values }
}
