// The published schema is the truth, tested as a client's tooling tests it
// (test/schemas/property.test.ts, CI-sized; `npm run fuzz`, large). From
// schemas/openapi.json alone, for every operation:
//
// - requests valid by the document (parameters and JSON bodies generated from
//   their schemas, the `x-` keywords honoured: trimming, normalisation, case-
//   insensitive choices, a minimum not above its maximum) are never answered
//   400, 415 or 422, except for the rules no schema states (a username taken,
//   a wrong password, an anime the catalogue lacks: the business messages below);
// - the same request made invalid in exactly one place (a wrong type, a value
//   outside an enum, past a minimum, maximum or length, a missing required
//   property, a value outside a format) is answered 400 with one key, the
//   place's name, in the contract's shape; a bad path id is 404 and an unknown
//   `format` 404, as the contract says. A list body (POST /anime/mappings) broken
//   in one item is 400 with one object per item, that item's naming the place.
//   The /v4 routes answer in Jikan's shape instead: a ValidationException whose
//   `messages` name the place, a 404 HttpException for a path Jikan's router
//   would not match; a valid request may be refused only by the rules no schema
//   states (parameters that exclude each other, data AOD does not have).
//
// Leniency the contract keeps from the old service is not counted as a
// violation: a number where a string belongs is taken as its text, "12" where
// an integer belongs as 12, "yes" or "0" where a boolean belongs.
import fc from 'fast-check'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { messages as accountMessages } from '../../src/accounts/service.js'
import { messages as selfServiceMessages } from '../../src/routes/account/self-service.js'
import { messages as watchlistMessages } from '../../src/watchlists/service.js'
import { pythonStrip } from '../../src/validation/validator.js'
import { accountsApp, register, tokenHeader } from './accounts.js'
import { aodRecord, writeAod } from './aod.js'
import { tempDir } from './app.js'
import { malExport } from './watchlists.js'

type Json = Record<string, unknown>
interface Teardown { teardown: (fn: () => unknown) => void }

interface Parameter { name: string, in: 'query' | 'path' | 'header', required?: boolean, schema: Json }
export interface Operation { method: string, path: string, id: string, parameters: Parameter[], body?: Json, bodyTypes: string[], secured: boolean }

/** The operations of an OpenAPI document, their parameters and JSON body schemas resolved. */
export function operationsOf (document: Json): Operation[] {
  const components = ((document.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>
  const resolve = (schema: Json): Json => typeof schema.$ref === 'string' ? resolve(components[schema.$ref.split('/').pop()!]!) : schema
  const resolveItems = (schema: Json): Json => schema.type === 'array' ? { ...schema, items: resolve(schema.items as Json) } : schema
  const out: Operation[] = []
  for (const [path, item] of Object.entries(document.paths as Json)) {
    for (const [method, op] of Object.entries(item as Record<string, Json>)) {
      const content = ((op.requestBody as Json | undefined)?.content ?? {}) as Record<string, { schema?: Json }>
      const json = content['application/json']?.schema
      const security = (op.security ?? []) as Json[]
      out.push({
        method: method.toUpperCase(),
        path,
        id: String(op.operationId),
        parameters: ((op.parameters ?? []) as Parameter[]).map((p) => ({ ...p, schema: resolve(p.schema) })),
        body: json === undefined ? undefined : resolveItems(resolve(json)),
        bodyTypes: Object.keys(content),
        secured: security.length > 0 && !security.some((s) => Object.keys(s).length === 0)
      })
    }
  }
  return out
}

const typesOf = (schema: Json): string[] => schema.type === undefined ? [] : [schema.type as string | string[]].flat()
const characters = (text: string): number => [...text].length

/** Random case: a case-insensitive choice in any spelling. */
const anyCase = (text: string): fc.Arbitrary<string> =>
  fc.array(fc.boolean(), { minLength: text.length, maxLength: text.length }).map((upper) => [...text].map((c, i) => upper[i] ? c.toUpperCase() : c.toLowerCase()).join(''))

/** Text a client may send for a string schema in `place` (no NUL or lone surrogate; trimmed where the server trims). */
function text (schema: Json, place: 'query' | 'item' | 'body'): fc.Arbitrary<string> {
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0
  const max = Math.min(typeof schema.maxLength === 'number' ? schema.maxLength : 40, 40)
  const normalize = (value: string) => typeof schema['x-normalize'] === 'string' ? value.normalize(schema['x-normalize'] as 'NFKC') : value
  let base: fc.Arbitrary<string>
  if (schema.format === 'email') {
    // What Django's validator takes for certain: letters and digits, a dot-separated domain.
    const word = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'), minLength: 1, maxLength: 10 })
    base = fc.tuple(word, word, fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'), minLength: 2, maxLength: 6 })).map(([user, host, tld]) => `${user}@${host}.${tld}`)
  } else if (typeof schema.pattern === 'string') {
    base = fc.stringMatching(new RegExp(schema.pattern, 'u'))
  } else {
    base = fc.oneof(fc.string({ unit: 'grapheme-ascii', maxLength: max }), fc.string({ unit: 'grapheme', maxLength: max }))
  }
  return base
    .map((value) => place === 'body' && schema['x-trim'] !== true ? value : place === 'body' ? pythonStrip(value) : value.trim())
    .filter((value) => {
      const read = normalize(value)
      if (value.includes('\0') || (place === 'item' && value.includes(','))) return false
      if (place !== 'body' && value === '') return false
      if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(read)) return false
      return characters(read) >= min && characters(read) <= (typeof schema.maxLength === 'number' ? schema.maxLength : Infinity)
    })
}

/** Values valid by `schema`, as a client would send them in `place`. */
export function valid (schema: Json, place: 'query' | 'item' | 'body'): fc.Arbitrary<unknown> {
  if (Array.isArray(schema.anyOf)) {
    // The union's own `x-` keywords (x-trim: how the value is read) hold for each branch.
    const reading = Object.fromEntries(Object.entries(schema).filter(([key]) => key.startsWith('x-')))
    return fc.oneof(...(schema.anyOf as Json[]).map((branch) => valid({ ...branch, ...reading }, place)))
  }
  if (Array.isArray(schema.enum)) {
    const choices = fc.constantFrom(...(schema.enum as string[]))
    return schema['x-case-insensitive'] === true ? choices.chain(anyCase) : choices
  }
  const types = typesOf(schema)
  const nullable = types.includes('null')
  let value: fc.Arbitrary<unknown>
  if (types.includes('integer')) {
    value = fc.integer({ min: typeof schema.minimum === 'number' ? schema.minimum : -100_000, max: typeof schema.maximum === 'number' ? schema.maximum : 100_000 })
  } else if (types.includes('number')) {
    value = fc.double({ min: typeof schema.minimum === 'number' ? schema.minimum : -100_000, max: typeof schema.maximum === 'number' ? schema.maximum : 100_000, noNaN: true, noDefaultInfinity: true })
      .map((n) => Object.is(n, -0) ? 0 : n)
  } else if (types.includes('boolean')) {
    value = fc.boolean()
  } else if (types.includes('array')) {
    value = fc.uniqueArray(valid(schema.items as Json, 'item') as fc.Arbitrary<string>, { minLength: 1, maxLength: 4, selector: (item) => String(item).toLowerCase() })
  } else if (types.includes('object')) {
    value = validObject(schema)
  } else {
    value = text(schema, place)
  }
  return nullable ? fc.option(value, { nil: null }) : value
}

function validObject (schema: Json): fc.Arbitrary<Json> {
  const properties = (schema.properties ?? {}) as Record<string, Json>
  const required = new Set((schema.required ?? []) as string[])
  const fields = Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, valid(property, 'body')]))
  return fc.record(fields, { requiredKeys: [...required] }) as fc.Arbitrary<Json>
}

export interface Violation {
  /** Where: a query parameter, body property or path parameter name, or `format`. */
  place: string
  /** Which part of the request it is in. */
  where: 'query' | 'body' | 'path' | 'format'
  kind: string
  value: unknown
  /** Remove the place instead of setting it. */
  remove?: boolean
  /** In a list body: the item broken (or none: the list as a whole). */
  item?: number
}

const notAChoice = (choices: string[]) => fc.string({ unit: fc.constantFrom(...'qxzjkw'), minLength: 3, maxLength: 8 })
  .map((s) => `zz${s}`).filter((s) => !choices.some((c) => c.toLowerCase() === s.toLowerCase()))

/** Ways a path parameter with `schema` can be broken: not an id or not the pattern (no route: 404), or not one of its names (400). */
function pathViolationsOf (name: string, schema: Json): Array<fc.Arbitrary<Violation>> {
  const types = typesOf(schema)
  if (Array.isArray(schema.enum)) return [notAChoice(schema.enum as string[]).map((value) => ({ place: name, where: 'path', kind: 'outside the enum', value }))]
  let values: string[] = []
  if (types.includes('integer')) values = ['0', 'abc', '-1', '1.5', '01']
  else if (typeof schema.pattern === 'string') values = ['abc', '-1', '1.5', 'x1', '12345', 'a-b'].filter((value) => !new RegExp(schema.pattern as string, 'u').test(value))
  return values.length === 0 ? [] : [fc.constantFrom(...values).map((value) => ({ place: name, where: 'path', kind: 'no such path (404)', value }))]
}

/** Ways `schema` can be broken in one place, with values. */
function violationsOf (name: string, schema: Json, location: 'query' | 'body', required: boolean): Array<fc.Arbitrary<Violation>> {
  const out: Array<fc.Arbitrary<Violation>> = []
  const v = (kind: string, value: fc.Arbitrary<unknown>) => out.push(value.map((bad) => ({ place: name, where: location, kind, value: bad })))
  if (required) out.push(fc.constant({ place: name, where: location, kind: 'missing required', value: undefined, remove: true }))
  const branch = Array.isArray(schema.anyOf) ? (schema.anyOf as Json[])[0]! : schema
  const types = typesOf(branch)
  if (Array.isArray(branch.enum)) v('outside the enum', notAChoice(branch.enum as string[]))
  if (types.includes('array')) {
    const items = branch.items as Json
    if (Array.isArray(items.enum)) v('an item outside the enum', fc.tuple(valid(branch, 'query'), notAChoice(items.enum as string[])).map(([ok, bad]) => [...(ok as string[]), bad]))
  }
  if (types.includes('integer')) {
    v('wrong type', fc.constantFrom('abc', '1.5', 'ten', '0x10', '1e3'))
    if (location === 'body') v('wrong type', fc.constantFrom(true, 1.5, [], {}))
    if (typeof branch.minimum === 'number') v('below the minimum', fc.integer({ min: (branch.minimum) - 1000, max: branch.minimum - 1 }))
    if (typeof branch.maximum === 'number') v('past the maximum', fc.integer({ min: branch.maximum + 1, max: branch.maximum + 1000 }))
  }
  if (types.includes('number')) {
    v('wrong type', fc.constantFrom('abc', 'ten', '1,5'))
    if (typeof branch.minimum === 'number') v('below the minimum', fc.double({ min: branch.minimum - 1000, max: branch.minimum - 0.01, noNaN: true }))
    if (typeof branch.maximum === 'number') v('past the maximum', fc.double({ min: branch.maximum + 0.01, max: branch.maximum + 1000, noNaN: true }))
  }
  if (types.includes('boolean')) v('wrong type', location === 'body' ? fc.constantFrom('maybe', 2, [], {}) : fc.constant('maybe'))
  if (types.includes('string') && !Array.isArray(branch.enum)) {
    if (location === 'body') v('wrong type', fc.constantFrom(true, false, [], {}, ['text']))
    if (location === 'body' && !types.includes('null')) v('null', fc.constant(null))
    if (typeof branch.maxLength === 'number') v('past maxLength', fc.constant('a'.repeat(branch.maxLength + 1)))
    if (typeof branch.minLength === 'number' && branch.minLength > 0 && location === 'body') v('below minLength (blank)', fc.constant(''))
    if (branch.format === 'email') v('outside the format', fc.constantFrom('not an email', 'a@', '@b.cd', 'a@b'))
  }
  return out
}

export interface Case { operation: Operation, request: InjectOptions & { method: string, url: string }, violation?: Violation }

export interface Fixture {
  app: FastifyInstance
  /** A token of the shared user. */
  token: string
  /** A list the shared user owns. */
  listId: number
  animeIds: number[]
  /** A fresh user's token, for operations that end a token or an account. */
  freshToken: () => Promise<string>
  /** A fresh list of the shared user, for DELETE. */
  freshList: () => Promise<number>
}

let counter = 0
/** Usernames and emails a register case cannot have taken before. */
const unique = (body: Json): Json => {
  counter++
  const out = { ...body }
  if (typeof out.username === 'string') out.username = `u${counter}${out.username}`.slice(0, 150)
  if (typeof out.email === 'string') out.email = `u${counter}${out.email}`
  return out
}

/** One request to `operation`, valid by the document, or broken by one violation (undefined: nothing to break). */
export function caseOf (operation: Operation, fixture: Fixture, broken: boolean): fc.Arbitrary<Case> | undefined {
  const query = operation.parameters.filter((p) => p.in === 'query')
  const pathParams = operation.parameters.filter((p) => p.in === 'path')
  const queryValues = fc.record(Object.fromEntries(query.map((p) => [p.name, valid(p.schema, 'query')])), { requiredKeys: [] }) as fc.Arbitrary<Json>
  const list = operation.body?.type === 'array'
  const itemSchema = list ? operation.body!.items as Json : operation.body
  const maxItems = list && typeof operation.body!.maxItems === 'number' ? operation.body!.maxItems : 10
  const bodyValue: fc.Arbitrary<Json | Json[] | undefined> = operation.body === undefined
    ? fc.constant(undefined)
    : list ? fc.array(validObject(itemSchema!), { minLength: 1, maxLength: Math.min(maxItems, 5) }) : validObject(operation.body)
  // Path parameters: ids of the fixture where they are ids, else values of their schemas.
  const pathValue = (p: Parameter): fc.Arbitrary<unknown> => {
    if (p.name === 'animeId') return fc.constantFrom(...fixture.animeIds)
    if (p.name === 'id' && operation.path.startsWith('/watchlists/')) return fc.constant(fixture.listId)
    if (p.name === 'id' && typesOf(p.schema).includes('integer')) return fc.oneof(fc.constantFrom(...fixture.animeIds), fc.integer({ min: 1, max: 1_000_000 }))
    if (p.name === 'id' && typeof p.schema.pattern === 'string') return fc.oneof(fc.constantFrom(...fixture.animeIds.map((n) => String(n + 100000))), valid(p.schema, 'query'))
    return valid(p.schema, 'query')
  }
  const pathValues = fc.record(Object.fromEntries(pathParams.map((p) => [p.name, pathValue(p)]))) as fc.Arbitrary<Json>
  let violation: fc.Arbitrary<Violation | undefined> = fc.constant(undefined)
  if (broken) {
    const bodyViolations = itemSchema === undefined
      ? []
      : Object.entries((itemSchema.properties ?? {}) as Record<string, Json>)
        .flatMap(([name, schema]) => violationsOf(name, schema, 'body', ((itemSchema.required ?? []) as string[]).includes(name)))
    const options: Array<fc.Arbitrary<Violation>> = [
      ...query.filter((p) => p.name !== 'format').flatMap((p) => violationsOf(p.name, p.schema, 'query', false)),
      ...pathParams.flatMap((p) => pathViolationsOf(p.name, p.schema)),
      // In a list body, one item broken.
      ...(list ? bodyViolations.map((v) => fc.tuple(v, fc.nat()).map(([bad, at]) => ({ ...bad, item: at }))) : bodyViolations)
    ]
    if (list) options.push(fc.constant({ place: 'non_field_errors', where: 'body', kind: 'too many items', value: maxItems + 1 }))
    if (query.some((p) => p.name === 'format')) options.push(fc.constantFrom('xml', 'yaml', 'JSON').map((value) => ({ place: 'format', where: 'format', kind: 'outside the enum (404)', value })))
    if (options.length === 0) return undefined
    violation = fc.oneof(...options)
  }
  return fc.record({ queryValues, body: bodyValue, ids: pathValues, violation }).map(({ queryValues: q, body, ids, violation: bad }) => {
    const params: Json = { ...q }
    // A minimum not above its maximum (x-not-above).
    for (const p of query) {
      const above = p.schema['x-not-above']
      if (typeof above === 'string' && typeof params[p.name] === 'number' && typeof params[above] === 'number' && (params[p.name] as number) > (params[above] as number)) {
        [params[p.name], params[above]] = [params[above], params[p.name]]
      }
    }
    let payload: Json | Json[] | undefined = body === undefined ? undefined : Array.isArray(body) ? body.map((item) => ({ ...item })) : operation.id === 'register' ? unique(body) : { ...body }
    const pathOf = (values: Json) => operation.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(values[name])))
    let path = pathOf(ids)
    if (bad !== undefined) {
      // The error answer as JSON, not as the ?format=api page.
      delete params.format
      if (bad.where === 'path') path = pathOf({ ...ids, [bad.place]: bad.value })
      else if (bad.where === 'format' || bad.where === 'query') params[bad.place] = bad.value
      else if (Array.isArray(payload)) {
        const items = payload
        if (bad.item === undefined) payload = Array.from({ length: Number(bad.value) }, (_, i) => items[i % items.length]!)
        else {
          const at = bad.item % items.length
          bad.item = at
          const item = { ...items[at]! }
          if (bad.remove === true) delete item[bad.place]
          else item[bad.place] = bad.value
          items[at] = item
        }
      } else if (payload !== undefined) {
        if (bad.remove === true) delete payload[bad.place]
        else payload = { ...payload, [bad.place]: bad.value }
      }
    }
    const search = new URLSearchParams()
    for (const [name, value] of Object.entries(params)) if (value !== undefined) search.set(name, Array.isArray(value) ? value.join(',') : String(value))
    const url = path + (search.size > 0 ? `?${search.toString()}` : '')
    const headers: Record<string, string> = { accept: 'application/json' }
    const request: Case['request'] = { method: operation.method, url, headers }
    if (payload !== undefined) {
      request.payload = JSON.stringify(payload)
      headers['content-type'] = 'application/json'
    } else if (operation.bodyTypes.includes('application/xml')) {
      request.payload = malExport([{ id: 100001, status: 'Completed', score: 8 }])
      headers['content-type'] = 'application/xml'
    }
    const label = `${operation.id}: ${operation.method} ${url} ${request.payload === undefined ? '' : String(request.payload).slice(0, 300)}` +
      (bad === undefined ? '' : ` (${bad.kind} at ${bad.place}${bad.item === undefined ? '' : ` of item ${bad.item}`})`)
    // fast-check prints a counterexample with this.
    return { operation, request, ...(bad === undefined ? {} : { violation: bad }), [fc.toStringMethod]: () => label }
  })
}

/** Messages of the rules no schema states: a 400 with only these is the service's answer to a valid request. */
export const businessMessages = new Set<string>([
  accountMessages.badCredentials, accountMessages.usernameTaken, accountMessages.emailTaken,
  selfServiceMessages.wrongPassword, selfServiceMessages.wrongOldPassword,
  watchlistMessages.nameTaken
])
const businessPatterns = [/^Invalid pk "\d+" - object does not exist\.$/, /^A list holds at most \d+ anime\./]

// /v4: Jikan's refusals of valid requests for what AOD lacks, and its rules
// between parameters (or on values) that no schema states.
const jikanRules = [
  /prohibits .* from being present\.$/, /must be (less|greater) than or equal to/, /must be a date (before|after) or equal to/,
  /does not match the format Y-m-d\.$/, /^The id must be at least 1\.$/, /^Invalid season supplied\.$/, /^The year must be between 1000 and 2999\.$/
]

/** Whether `body` has the list shape `{"field": ["message", …], …}` with exactly the keys `keys`. */
const fieldShaped = (body: unknown, keys: string[]): boolean => typeof body === 'object' && body !== null && !Array.isArray(body) &&
  JSON.stringify(Object.keys(body)) === JSON.stringify(keys) &&
  Object.values(body as Json).every((v) => Array.isArray(v) && v.length > 0 && v.every((m) => typeof m === 'string'))

/** What is wrong with the answer to `c`, or null. */
export function answerProblem (c: Case, response: LightMyRequestResponse, episodesOf: (animeId: number) => number): string | null {
  const status = response.statusCode
  const label = `${c.operation.method} ${c.operation.path} (${c.operation.id}) ${c.request.url} ${String(c.request.payload ?? '').slice(0, 200)}`
  const jikan = c.operation.path.startsWith('/v4/')
  let body: unknown
  try { body = JSON.parse(response.body) } catch { body = response.body }
  const jikanBody = (typeof body === 'object' && body !== null ? body : {}) as { status?: number, type?: string, messages?: Record<string, string[]> }
  if (c.violation === undefined) {
    if (status === 415 || status === 422) return `a request valid by the document got ${status}: ${label} -> ${response.body.slice(0, 300)}`
    if (status !== 400) return null
    if (jikan) {
      if (jikanBody.type === 'BadRequestException') return null
      const all = Object.values(jikanBody.messages ?? {}).flat()
      return jikanBody.type === 'ValidationException' && all.length > 0 && all.every((m) => jikanRules.some((rule) => rule.test(m)))
        ? null
        : `a request valid by the document got 400: ${label} -> ${response.body.slice(0, 300)}`
    }
    const fields = typeof body === 'object' && body !== null ? Object.entries(body as Json) : []
    const allowed = fields.length > 0 && fields.every(([field, value]) => Array.isArray(value) && value.every((m) => {
      const message = String(m)
      if (businessMessages.has(message) || businessPatterns.some((p) => p.test(message))) return true
      // The watched episodes of an anime stop at its count (the catalogue's, not the schema's).
      const animeId = Number(/\/anime\/(\d+)$/.exec(c.request.url.split('?')[0]!)?.[1])
      return field === 'episodes_watched' && message === `Ensure this value is less than or equal to ${episodesOf(animeId)}.`
    }))
    return allowed ? null : `a request valid by the document got 400: ${label} -> ${response.body.slice(0, 300)}`
  }
  const bad = c.violation
  const what = `${bad.kind} at ${bad.place}${bad.item === undefined ? '' : ` of item ${bad.item}`} (${JSON.stringify(bad.value)})`
  if (bad.where === 'format' || (bad.where === 'path' && bad.kind !== 'outside the enum')) {
    const fine = jikan
      ? status === 404 && jikanBody.status === 404 && jikanBody.type === 'HttpException'
      : status === 404 && JSON.stringify(body) === JSON.stringify({ detail: 'Not found.' })
    return fine ? null : `${what} should be 404 ${jikan ? "in Jikan's shape" : '{"detail":"Not found."}'}, got ${status}: ${label} -> ${response.body.slice(0, 300)}`
  }
  if (status !== 400) return `${what} should be 400, got ${status}: ${label} -> ${response.body.slice(0, 300)}`
  if (jikan) {
    return jikanBody.type === 'ValidationException' && fieldShaped(jikanBody.messages, [bad.place])
      ? null
      : `${what} should be Jikan's ValidationException naming ${bad.place}, got ${response.body.slice(0, 300)}: ${label}`
  }
  if (bad.item !== undefined) {
    const items = Array.isArray(body) ? body : []
    const length = (JSON.parse(String(c.request.payload)) as unknown[]).length
    const fine = items.length === length && items.every((item, i) => i === bad.item ? fieldShaped(item, [bad.place]) : JSON.stringify(item) === '{}')
    return fine ? null : `${what} should be 400 with one object per item, item ${bad.item}'s naming ${bad.place}, got ${response.body.slice(0, 300)}: ${label}`
  }
  return fieldShaped(body, [bad.place]) ? null : `${what} should be 400 {"${bad.place}": [...]}, got ${response.body.slice(0, 300)}: ${label}`
}

/** The app under test: a small catalogue, a user with a list, cheap hashes, no throttling. */
export async function propertyFixture (t: Teardown): Promise<Fixture & { episodesOf: (animeId: number) => number }> {
  const dir = tempDir(t, 'anime-api-property-')
  const records = [1, 2, 3, 4, 5].map((n) => aodRecord(n, { episodes: n === 5 ? 0 : n * 12 }))
  const app = await accountsApp(t, { dataDir: dir, defaultCatalogue: writeAod(dir, records) })
  const { token } = await register(app, 'property', 'property@example.com', 'property password')
  const newList = async (name: string) => {
    const res = await app.inject({ method: 'POST', url: '/watchlists', headers: tokenHeader(token), payload: { name, public: false } })
    if (res.statusCode !== 201) throw new Error(`list: ${res.statusCode} ${res.body}`)
    return (res.json() as { id: number }).id
  }
  const listId = await newList('Shared')
  let fresh = 0
  return {
    app,
    token,
    listId,
    animeIds: [1, 2, 3, 4, 5],
    episodesOf: (animeId) => (records[animeId - 1]?.episodes as number | undefined) ?? 0,
    freshToken: async () => (await register(app, `fresh${++fresh}`, `fresh${fresh}@example.com`, 'fresh password')).token,
    freshList: async () => newList(`Throwaway ${++fresh}`)
  }
}

/** Operations that end the caller's token or account, or delete what they act on. */
const consuming = new Set(['logout', 'logoutAll', 'deleteAccount', 'changePassword'])

export async function runSchemaProperty (fixture: Awaited<ReturnType<typeof propertyFixture>>, document: Json, options: { numRuns: number, seed: number, onProgress?: (done: number) => void }) {
  const operations = operationsOf(document)
  const perOperation = Math.max(2, Math.ceil(options.numRuns / operations.length / 2))
  const statuses: Record<string, number> = {}
  /** Operations with nothing to break (no parameter, no body). */
  const unbreakable: string[] = []
  let done = 0
  for (const operation of operations) {
    for (const broken of [false, true]) {
      const cases = caseOf(operation, fixture, broken)
      if (cases === undefined) { unbreakable.push(operation.id); continue }
      const property = fc.asyncProperty(cases, async (c) => {
        const headers = { ...(c.request.headers as Record<string, string>) }
        if (operation.secured || operation.path.startsWith('/watchlists')) {
          headers.authorization = `Token ${consuming.has(operation.id) ? await fixture.freshToken() : fixture.token}`
        }
        let url = c.request.url
        if (operation.id === 'deleteWatchlist' && c.violation?.place !== 'path') url = url.replace(`/watchlists/${fixture.listId}`, `/watchlists/${await fixture.freshList()}`)
        const response = await fixture.app.inject({ ...c.request, url, headers })
        done++
        options.onProgress?.(done)
        const key = `${operation.id} ${broken ? 'broken' : 'valid'} ${response.statusCode}`
        statuses[key] = (statuses[key] ?? 0) + 1
        // A list made by a valid POST /watchlists is removed again: no list count piles up.
        if (operation.id === 'createWatchlist' && response.statusCode === 201) {
          await fixture.app.inject({ method: 'DELETE', url: `/watchlists/${(response.json() as { id: number }).id}`, headers: tokenHeader(fixture.token) })
        }
        const problem = answerProblem({ ...c, request: { ...c.request, url } }, response, fixture.episodesOf)
        if (problem !== null) throw new Error(problem)
      })
      await fc.assert(property, { numRuns: perOperation, seed: options.seed, endOnFailure: true })
    }
  }
  return { cases: done, statuses, unbreakable }
}
