// The one validator of requests: ajv, driven by the route's TypeBox schema, for
// every part of every request (Fastify's validatorCompiler, src/http/validation.ts)
// and for values that arrive another way (the MAL import, the users command line).
//
// Before ajv sees a value, it is read from the wire as the old service (Django
// REST framework) read it, by the declared type of each property of the part's
// object schema (see `readerFor`): a query parameter's last value, trimmed,
// blank as absent, comma lists split, numbers and booleans from their text
// (`true`/`false`, `1`/`0`); in a body, a number where a string belongs as its
// text; "12" where an integer belongs as 12; "yes" or "0" where a boolean
// belongs. ajv then checks types, bounds, lengths, patterns, enums and formats
// with every error reported (allErrors). Its errors come back sorted by field
// in the schema's property order; src/validation/messages.ts words them.
//
// Keywords of our own (each an `x-` extension, which OpenAPI tools ignore):
//   x-trim: true              (body strings) trim Python's whitespace first, as DRF did
//   x-normalize: 'NFKC'       (body strings) Unicode-normalise after trimming
//   x-pattern-message: text   the message when `pattern` fails
//   x-plain-text: true        no NUL and no lone surrogate (DRF's CharField validators)
//   x-case-insensitive: true  an `enum` matched without regard to case, the value
//                             replaced by its canonical spelling
//   x-not-above: name         (a query parameter) not above the parameter `name`,
//                             once both are valid on their own
//   x-flag: true              (a boolean query parameter) present without a value is true
// Query objects carry OpenAPI's `style: form, explode: false`: an array parameter
// is one comma-separated value.
import { Ajv, type AnySchemaObject, type ErrorObject, type SchemaObject, type ValidateFunction } from 'ajv'
import { putOff } from './compile-ahead.js'
import { isValidEmail } from './email.js'
import { parseId } from './ids.js'

export type HttpPart = 'body' | 'querystring' | 'params' | 'headers'

/** A compiled validator: true when `data` is valid (read in place), else false with `errors` in field order. */
export interface Validator {
  (data: unknown): boolean
  errors: ErrorObject[] | null
}

const ajv = new Ajv({
  allErrors: true,
  // Errors carry the value and schema that failed: the messages need both.
  verbose: true,
  useDefaults: true,
  coerceTypes: false,
  removeAdditional: false,
  allowUnionTypes: true,
  strict: true,
  // Checking each schema against JSON Schema's meta-schema first compiles that meta-schema, the
  // largest compilation of all, on the first request of a start. The schemas are ours, fixed at
  // build time: test/validation/route-schemas.test.ts checks every route's against it instead.
  validateSchema: false
})

ajv.addFormat('email', { type: 'string', validate: isValidEmail })
// Uploads are documented as binary strings; nothing to check.
ajv.addFormat('binary', true)

// Read by `readerFor`, by a route group's message mapping (x-enum-class and
// x-format-name: the names in Jikan's messages, src/routes/v4/errors.ts) or by
// the OpenAPI generator; nothing to check here.
for (const keyword of ['x-trim', 'x-normalize', 'x-pattern-message', 'x-flag', 'x-enum-class', 'x-format-name', 'style', 'explode']) ajv.addKeyword({ keyword })

const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

ajv.addKeyword({
  keyword: 'x-plain-text',
  type: 'string',
  schemaType: 'boolean',
  errors: true,
  validate: function plainText (enabled: boolean, data: string): boolean {
    if (!enabled) return true
    const errors: Array<Partial<ErrorObject>> = []
    if (data.includes('\0')) errors.push({ keyword: 'x-plain-text', params: { nul: true } })
    const surrogate = loneSurrogate.exec(data)
    if (surrogate !== null) errors.push({ keyword: 'x-plain-text', params: { codePoint: surrogate[0].charCodeAt(0) } })
    ;(plainText as { errors?: unknown }).errors = errors
    return errors.length === 0
  }
})

ajv.addKeyword({
  keyword: 'x-case-insensitive',
  // Before `enum` checks the value: the canonical spelling replaces it first.
  before: 'enum',
  schemaType: 'boolean',
  modifying: true,
  validate: (enabled: boolean, data: unknown, parentSchema?: SchemaObject, context?: { parentData: Record<string | number, unknown>, parentDataProperty: string | number }) => {
    if (!enabled || typeof data !== 'string' || context === undefined || !Array.isArray(parentSchema?.enum)) return true
    const folded = data.toLowerCase()
    const canonical = (parentSchema.enum as unknown[]).find((choice) => typeof choice === 'string' && choice.toLowerCase() === folded)
    if (canonical !== undefined) context.parentData[context.parentDataProperty] = canonical
    return true
  }
})

/** Whether `value` is an integer within `schema`'s bounds (what a range check may compare). */
const inBounds = (value: unknown, schema: AnySchemaObject | undefined): value is number =>
  typeof value === 'number' && Number.isInteger(value) &&
  (typeof schema?.minimum !== 'number' || value >= schema.minimum) &&
  (typeof schema?.maximum !== 'number' || value <= schema.maximum)

ajv.addKeyword({
  keyword: 'x-not-above',
  schemaType: 'string',
  errors: true,
  // A property of a part's object schema, compared with the sibling it names
  // once both are valid on their own (values are read before ajv runs).
  compile: (sibling: string, ownSchema: AnySchemaObject, context: { schemaEnv: { schema: unknown } }) => {
    const root = context.schemaEnv.schema as SchemaObject
    const siblingSchema = (root.properties as Record<string, SchemaObject> | undefined)?.[sibling]
    if (siblingSchema === undefined) throw new Error(`x-not-above: no property "${sibling}" next to it`)
    const notAbove = function (value: unknown, data?: { parentData?: Record<string, unknown> }): boolean {
      const limit = data?.parentData?.[sibling]
      const fine = !inBounds(value, ownSchema) || !inBounds(limit, siblingSchema) || value <= limit
      notAbove.errors = fine ? [] : [{ keyword: 'x-not-above', params: { limit, sibling } }]
      return fine
    } as ((value: unknown, data?: { parentData?: Record<string, unknown> }) => boolean) & { errors: Array<Partial<ErrorObject>> }
    notAbove.errors = []
    return notAbove
  }
})

/** A property's value after reading, or ABSENT: the property is removed (a blank query parameter). */
const ABSENT = Symbol('absent')
type Read = (value: unknown) => unknown

/** The JSON types a property may have (a union's included). */
export function typesOf (schema: SchemaObject): string[] {
  const own = schema.type === undefined ? [] : [schema.type as string | string[]].flat()
  const branches = [schema.anyOf ?? [], schema.oneOf ?? []].flat() as SchemaObject[]
  return [...own, ...branches.flatMap(typesOf)]
}

// DRF's IntegerField: a whole number, `+` or `-`, trailing `.0` allowed.
const integerText = /^[+-]?\d+(\.0*)?$/
const numberText = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/
const trueTexts = new Set(['t', 'y', 'yes', 'true', 'on', '1'])
const falseTexts = new Set(['f', 'n', 'no', 'false', 'off', '0'])

// Python's str.strip() whitespace (what DRF trimmed), which differs from String#trim at the edges.
const pythonSpace = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000'
const surroundingSpace = new RegExp(`^[${pythonSpace}]+|[${pythonSpace}]+$`, 'g')
export const pythonStrip = (text: string): string => text.replace(surroundingSpace, '')

const lastValue = (value: unknown): unknown => Array.isArray(value) ? value[value.length - 1] : value

/** How the value of a property with `schema` is read from `part`, or undefined: taken as it is. */
function readerFor (schema: SchemaObject, part: HttpPart): Read | undefined {
  const types = typesOf(schema)
  if (part === 'querystring') {
    const list = types.includes('array')
    const integer = types.includes('integer')
    const number = types.includes('number')
    const boolean = types.includes('boolean')
    const flag = schema['x-flag'] === true
    return (raw) => {
      const value = lastValue(raw)
      if (typeof value !== 'string') return value
      const text = value.trim()
      if (text === '') return flag ? true : ABSENT
      if (list) {
        const items = [...new Set(text.split(',').map((item) => item.trim()).filter((item) => item !== ''))]
        return items.length === 0 ? ABSENT : items
      }
      if (integer && integerText.test(text)) return Number.parseInt(text, 10)
      if (number && numberText.test(text)) return Number(text)
      if (boolean) {
        const folded = text.toLowerCase()
        if (folded === 'true' || folded === '1') return true
        if (folded === 'false' || folded === '0') return false
      }
      return text
    }
  }
  if (part === 'params') {
    if (!types.includes('integer')) return undefined
    return (value) => typeof value === 'string' ? parseId(value) ?? value : value
  }
  if (part !== 'body' || schema.enum !== undefined) return undefined
  if (types.includes('string')) {
    const trim = schema['x-trim'] === true
    const form = schema['x-normalize'] as 'NFC' | 'NFD' | 'NFKC' | 'NFKD' | undefined
    return (value) => {
      let text: string
      if (typeof value === 'string') text = value
      else if (typeof value === 'number' && Number.isFinite(value)) text = String(value)
      else return value
      if (trim) text = pythonStrip(text)
      if (form !== undefined && !loneSurrogate.test(text)) text = text.normalize(form)
      return text
    }
  }
  if (types.includes('integer')) {
    const nullable = types.includes('null')
    return (value) => {
      if (typeof value !== 'string') return value
      const text = value.trim()
      if (text === '' && nullable) return null
      return integerText.test(text) ? Number.parseInt(text, 10) : value
    }
  }
  if (types.includes('boolean')) {
    return (value) => {
      if (typeof value !== 'string' && typeof value !== 'number') return value
      const text = String(value).toLowerCase()
      return trueTexts.has(text) ? true : falseTexts.has(text) ? false : value
    }
  }
  return undefined
}

/** The field an error is about: the first step of its path, or the missing property. */
export function fieldOf (error: ErrorObject): string {
  if (error.keyword === 'required') return String(error.params.missingProperty)
  const step = error.instancePath.split('/')[1]
  return step === undefined ? '' : step.replaceAll('~1', '/').replaceAll('~0', '~')
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

const compiled = new Map<HttpPart, WeakMap<object, Validator>>()

/** Lengths of list bodies whose validation failed, by their errors (see listLengthOf). */
const listLengths = new WeakMap<readonly ErrorObject[], number>()

/** For the errors of a list body (an array schema), how many items the list has; else undefined. */
export const listLengthOf = (errors: readonly ErrorObject[]): number | undefined => listLengths.get(errors)

/** What reads the values of an object with `schema` in place (see readerFor), or undefined: nothing to read. */
function objectReader (schema: SchemaObject, part: HttpPart): ((data: Record<string, unknown>) => void) | undefined {
  const properties = (isRecord(schema.properties) ? schema.properties : {}) as Record<string, SchemaObject>
  const readers: Array<[string, Read]> = []
  for (const [name, property] of Object.entries(properties)) {
    const read = readerFor(property, part)
    if (read !== undefined) readers.push([name, read])
  }
  if (readers.length === 0) return undefined
  return (data) => {
    for (const [name, read] of readers) {
      if (!Object.hasOwn(data, name) || data[name] === undefined) continue
      const value = read(data[name])
      if (value === ABSENT) delete data[name]
      else data[name] = value
    }
  }
}

/** The compilations of the validators made so far that have not run yet. */
const uncompiled = new Set<() => ValidateFunction>()

/**
 * Compiles every validator made so far that has not been used yet: what start
 * would have done eagerly. The tests call it after building the app, so a schema
 * ajv cannot compile fails the build of the app there rather than a request.
 */
export function compileEveryValidator (): void {
  for (const compile of [...uncompiled]) compile()
}

/** Keywords of an object schema that say nothing about an empty object (annotations, and what constrains properties it does not have). */
const silentOnEmpty = new Set(['type', 'properties', 'additionalProperties', 'title', 'description', 'examples', '$id', 'style', 'explode'])

/**
 * When every empty object is valid against `schema` (an object schema that
 * requires nothing): the values ajv's defaults give its properties (in the
 * order ajv assigns them), objects and arrays as JSON text so that each use
 * gets copies of its own; else null. The query string of most requests is empty, and such a request then
 * needs no compilation (tens of milliseconds for a large query schema, on the
 * route's first request) and no run of the compiled code.
 */
function emptyObjectDefaults (schema: SchemaObject): Array<{ name: string, value: unknown, json: string | null }> | null {
  if (schema.type !== 'object' || !Object.keys(schema).every((keyword) => silentOnEmpty.has(keyword))) return null
  const properties = isRecord(schema.properties) ? schema.properties as Record<string, SchemaObject> : {}
  return Object.entries(properties).flatMap(([name, { default: value }]) => value === undefined
    ? []
    : [{ name, value, json: typeof value === 'object' && value !== null ? JSON.stringify(value) : null }])
}

/** No property at all (the values validated are plain objects: a parsed query string or JSON body). */
const isEmptyObject = (value: Record<string, unknown>): boolean => {
  // eslint-disable-next-line no-unreachable-loop -- one key is enough to know (Object.keys would list them all)
  for (const _ in value) return false
  return true
}

/** The validator of one part of a request (or of a value read like one) against `schema`, compiled on its first use. */
export function compileValidator (schema: SchemaObject, part: HttpPart): Validator {
  let byPart = compiled.get(part)
  if (byPart === undefined) compiled.set(part, byPart = new WeakMap())
  const cached = byPart.get(schema)
  if (cached !== undefined) return cached

  // Compiled on first use: compiling every route's schemas at start was the
  // largest part of the time to the first answer (compileEveryValidator forces it).
  let validate: ValidateFunction | undefined
  const compile = (): ValidateFunction => {
    if (validate === undefined) {
      validate = ajv.compile(schema)
      uncompiled.delete(compile)
    }
    return validate
  }
  uncompiled.add(compile)
  putOff(schema, compile)
  const list = schema.type === 'array'
  // An object's properties are read; a list's items, when they are objects.
  const read = list
    ? (isRecord(schema.items) ? objectReader(schema.items as SchemaObject, part) : undefined)
    : objectReader(schema, part)
  const properties = isRecord(schema.properties) ? Object.keys(schema.properties) : []
  const order = new Map(properties.map((name, index) => [name, index]))
  const rank = (error: ErrorObject): number => order.get(fieldOf(error)) ?? order.size

  const emptyDefaults = list ? null : emptyObjectDefaults(schema)

  const validator = ((data: unknown): boolean => {
    if (read !== undefined) {
      if (list && Array.isArray(data)) for (const item of data) { if (isRecord(item)) read(item) }
      else if (isRecord(data)) read(data)
    }
    if (emptyDefaults !== null && isRecord(data) && isEmptyObject(data)) {
      // What ajv would do with it: fill in the defaults, and find it valid.
      for (const { name, value, json } of emptyDefaults) data[name] = json === null ? value : JSON.parse(json)
      validator.errors = null
      return true
    }
    const check = validate ?? compile()
    if (check(data)) {
      validator.errors = null
      return true
    }
    // Sorted by field, in the schema's order (a stable sort keeps each field's errors in ajv's order).
    const errors = [...(check.errors ?? [])].sort((a, b) => rank(a) - rank(b))
    if (list && Array.isArray(data)) listLengths.set(errors, (data as unknown[]).length)
    validator.errors = errors
    return false
  }) as Validator
  validator.errors = null
  byPart.set(schema, validator)
  return validator
}
