// The fuzzer behind test/http/fuzz.test.ts (a seeded CI-sized run) and scripts/fuzz.ts
// (npm run fuzz: 10,000+ cases, a fresh seed). It sends malformed requests
// through app.inject() to every route the app has, found from the app itself
// (printRoutes, and field names from its OpenAPI document), so new endpoints
// are fuzzed without touching this file. Properties of every answer:
//
// - never a 5xx;
// - an error is JSON in the old service's shapes (docs/compatibility.md): {"detail": "…"}, or one key per field
//   (or non_field_errors) with a list of strings; an HTML page only where the
//   request asked for one (?format=api or Accept preferring text/html);
// - a rejected request (4xx) changes no row of any SQLite file in DATA_DIR;
// - an answer to a documented operation is what the OpenAPI document says it
//   may be (status, media type, body), as a contract checker would see it;
// - the service still answers correctly afterwards (an entry, a login).
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import fc from 'fast-check'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { accountsApp, login, register } from './accounts.js'
import { aodRecord, writeAod } from './aod.js'
import { openapiDocument, tempDir } from './app.js'
import { decodedBody, documentChecker, type DocumentChecker } from './openapi.js'

interface Teardown { teardown: (fn: () => unknown) => void }

export interface Route { method: string, url: string }

/** Every route of the app, from `printRoutes` (a tree of path segments with their methods). */
export function appRoutes (app: FastifyInstance): Route[] {
  const routes: Route[] = []
  const stack: Array<{ depth: number, path: string }> = []
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (.*?)(?: \(([^)]*)\))?$/.exec(line)
    if (match === null) continue
    const depth = match[1]!.length / 4
    while (stack.length > 0 && stack[stack.length - 1]!.depth >= depth) stack.pop()
    const url = (stack[stack.length - 1]?.path ?? '') + match[2]!
    stack.push({ depth, path: url })
    for (const method of (match[3] ?? '').split(',').map((m) => m.trim()).filter((m) => m !== '')) {
      if (url.startsWith('/docs') && url !== '/docs') continue // the docs UI's static files
      routes.push({ method, url })
    }
  }
  return routes
}

/** Names of every query parameter and body field the OpenAPI document mentions. */
export function fieldNames (document: unknown): string[] {
  const names = new Set(['username', 'email', 'password', 'format', 'q', 'id', 'tags', 'page', 'token'])
  const visit = (value: unknown, key?: string): void => {
    if (value === null || typeof value !== 'object') return
    if (Array.isArray(value)) { for (const item of value) visit(item); return }
    const object = value as Record<string, unknown>
    if (key === 'properties') for (const name of Object.keys(object)) names.add(name)
    if (key === 'parameters' || (typeof object.in === 'string' && typeof object.name === 'string')) {
      if (typeof object.name === 'string') names.add(object.name)
    }
    for (const [k, v] of Object.entries(object)) visit(v, k)
  }
  visit(document)
  return [...names].sort()
}

const oddCharacters = [
  '\u0000', '\ud800', '\udfff', '\ud83d', '\u202e', '\u200f', '\u200b', '\ufeff', '\u0301', '\u00a0', '\u2028', '\u3000',
  'İ', 'ı', 'ß', 'ﬁ', 'Ａ', '𝔄', '😀', '👩‍👩‍👧', 'Ω', 'é', '\u001b[31m', '%', '%00', '%zz', '../', '\\', '"', "'", '<script>', '\r\n', '\t'
]

/** Strings a parser or validator may trip on. */
export const oddString = (): fc.Arbitrary<string> => fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.array(fc.constantFrom(...oddCharacters), { maxLength: 8 }).map((parts) => parts.join('')),
  fc.tuple(fc.string({ maxLength: 8 }), fc.constantFrom(...oddCharacters), fc.string({ maxLength: 8 })).map((parts) => parts.join('')),
  fc.constantFrom('', ' ', 'null', 'true', '0', '-1', '1e309', 'NaN', '9'.repeat(30), 'test', 'test@test.com', 'Token', 'json', 'api'),
  fc.integer({ min: 150, max: 300 }).map((n) => 'a'.repeat(n)),
  fc.integer({ min: 1 << 12, max: 1 << 17 }).map((n) => 'x'.repeat(n))
)

/** JSON values of the wrong (and right) types, deep and wide ones included. */
const jsonValue = (): fc.Arbitrary<unknown> => fc.oneof(
  { weight: 4, arbitrary: oddString() },
  { weight: 2, arbitrary: fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, Number.MAX_SAFE_INTEGER, -0) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.array(oddString(), { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 2000 }).map((depth) => nested(depth, 'value')) }
)

function nested (depth: number, leaf: unknown): unknown {
  let value = leaf
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { a: value }
  return value
}

/** Request bodies: objects with the app's field names, broken JSON, huge and deep documents. */
const body = (fields: string[]): fc.Arbitrary<{ text: string | undefined, type?: string }> => {
  const objectBody = fc.dictionary(fc.oneof(fc.constantFrom(...fields), oddString()), jsonValue(), { maxKeys: 5 })
  const json = (value: fc.Arbitrary<unknown>) => value.map((v) => ({ text: JSON.stringify(v), type: 'application/json' }))
  return fc.oneof(
    { weight: 6, arbitrary: json(objectBody) },
    { weight: 1, arbitrary: json(jsonValue()) },
    { weight: 1, arbitrary: fc.constant({ text: undefined }) },
    {
      weight: 2,
      arbitrary: fc.oneof(
        fc.constantFrom('{', '{"username":', '{"a":1,}', "{'a':1}", '[1,2', 'nul', '{"a":NaN}', '\ufeff{}', '{"a":"\\ud800"}',
          '{"a":"\\u0000"}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', '{"username":"a","username":"b"}', '""', '1', 'null', '[]'),
        fc.integer({ min: 1000, max: 200_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
        fc.integer({ min: 1000, max: 200_000 }).map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
        fc.integer({ min: 1000, max: 100_000 }).map((depth) => '['.repeat(depth)),
        fc.string({ unit: 'binary', maxLength: 200 })
      ).map((text) => ({ text, type: 'application/json' }))
    },
    { weight: 1, arbitrary: fc.integer({ min: (1 << 20) - 64, max: (1 << 20) + 4096 }).map((n) => ({ text: `{"password":"${'p'.repeat(n)}"}`, type: 'application/json' })) },
    { weight: 1, arbitrary: fc.integer({ min: 2 << 20, max: 4 << 20 }).map((n) => ({ text: 'x'.repeat(n), type: 'application/json' })) },
    {
      weight: 2,
      arbitrary: fc.dictionary(fc.oneof(fc.constantFrom(...fields), oddString()), oddString(), { maxKeys: 4 })
        .map((d) => ({ text: new URLSearchParams(d).toString(), type: 'application/x-www-form-urlencoded' }))
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom('XyZ', '', '----', 'a'.repeat(80)), fc.dictionary(fc.constantFrom(...fields), oddString(), { maxKeys: 3 }), fc.boolean())
        .map(([boundary, d, broken]) => ({
          text: Object.entries(d).map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('') + (broken ? '' : `--${boundary}--\r\n`),
          type: `multipart/form-data; boundary=${boundary}`
        }))
    }
  )
}

const contentTypes = [
  'application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'APPLICATION/JSON', 'application/json;',
  'application/vnd.api+json', 'text/plain', 'text/html', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data',
  'multipart/form-data; boundary=', 'multipart/form-data; boundary="q"', '*/*', '', ';', 'application/json\u0000', 'ä/ö', 'application/octet-stream'
]

const authorization = (tokens: string[]): fc.Arbitrary<string> => fc.oneof(
  fc.constantFrom('', 'Token', 'Token ', 'token', 'TOKEN abc', 'Token a b', 'Bearer x', 'Basic dXNlcjpwYXNz', 'Token\ttab', ' Token x',
    'Token ' + 'f'.repeat(64), 'Token ' + 'F'.repeat(64), 'Token ' + 'z'.repeat(64), 'Token ' + 'f'.repeat(63), 'Token ' + 'f'.repeat(65)),
  fc.constantFrom(...tokens).map((token) => `Token ${token}`),
  fc.constantFrom(...tokens).map((token) => `token ${token.toUpperCase()}`),
  fc.constantFrom(...tokens).map((token) => `Token ${token} extra`),
  oddString().map((s) => `Token ${s}`),
  fc.integer({ min: 4000, max: 16_000 }).map((n) => `Token ${'a'.repeat(n)}`)
)

export interface FuzzRequest extends InjectOptions {
  /** Where the case came from, for failure messages. */
  label: string
}

/** Header values a client may send; light-my-request refuses some (invalid characters): those stay out. */
const headerSafe = (value: string): string => value.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?')

/** One malformed (or now and then valid) request to one of `routes`. */
export function fuzzRequest (routes: Route[], fields: string[], tokens: string[], entryIds: number[]): fc.Arbitrary<FuzzRequest> {
  const param = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...entryIds.map(String)) },
    { weight: 3, arbitrary: fc.constantFrom('0', '-1', '1.5', '1e3', '01', '9'.repeat(17), '9007199254740993', '18446744073709551616', '0x10', ' 1', '1 ', '%31', 'abc', '', '%00', '%zz', '..', '%2F', '１') },
    { weight: 2, arbitrary: oddString().map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '?'))) }
  )
  const queryValue = fc.oneof(oddString().map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '?'))), fc.constantFrom('%', '%zz', '%00', '%E9', '%ED%A0%80', '&', '=', '+'))
  const query = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...fields), fc.string({ maxLength: 6 }).map(encodeURIComponent)), queryValue), { maxLength: 5 })
    .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'))
  const methods = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD')
  const junkPath = fc.oneof(
    fc.array(fc.oneof(fc.constantFrom('anime', 'account', 'entry', 'random', 'login', '..', '.', '', '%2e%2e', '%00', '%zz', 'a'.repeat(3000)), fc.string({ maxLength: 10 }).map(encodeURIComponent)), { minLength: 1, maxLength: 6 })
      .map((parts) => '/' + parts.join('/')),
    fc.constantFrom('/', '//', '/anime/', '/anime//entry/1', '/account/login/', '/anime/entry/1/', '/ANIME/RANDOM', '/anime/entry/', '/%', '/*', '/docs/../openapi.json')
  )
  const url = fc.oneof(
    { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...routes), param).map(([route, p]) => ({ route, path: ('/' + route.url.replace(/:[A-Za-z_]+/g, p).replace('*', p)).replace(/^\/\//, '/') })) },
    { weight: 1, arbitrary: junkPath.map((path) => ({ route: undefined, path })) }
  )
  const headers = fc.record({
    authorization: authorization(tokens),
    'content-type': fc.constantFrom(...contentTypes),
    'content-length': fc.constantFrom('0', '1', '5', '-1', 'abc', '99999999999', '1048577'),
    accept: fc.constantFrom('application/json', 'text/html', 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8', '*/*', 'image/png', 'text/*;q=0.5, application/json;q=0.4', ''),
    'accept-encoding': fc.constantFrom('gzip', 'br', 'deflate', 'identity', '*', 'gzip;q=0, identity;q=0', 'junk'),
    'x-forwarded-for': fc.constantFrom('1.2.3.4', 'junk', '::1', '1.2.3.4, 5.6.7.8'),
    origin: fc.constantFrom('https://evil.example', 'null', 'http://127.0.0.1:8000'),
    'if-none-match': fc.constantFrom('"x"', '*', 'W/"abc"', 'junk'),
    junk: oddString().map(headerSafe)
  }, { requiredKeys: [] })

  return fc.record({ url, method: fc.option(methods, { freq: 4 }), query: fc.option(query, { freq: 2 }), headers, body: body(fields) })
    .map(({ url: target, method, query: q, headers: h, body: b }) => {
      const chosen = method ?? target.route?.method ?? 'GET'
      const withBody = b.text !== undefined && chosen !== 'GET' && chosen !== 'HEAD'
      const allHeaders: Record<string, string> = {}
      if (withBody && b.type !== undefined) allHeaders['content-type'] = b.type
      for (const [k, v] of Object.entries(h)) if (v !== undefined) allHeaders[k] = headerSafe(v)
      if (!withBody) delete allHeaders['content-length']
      const fullUrl = target.path + (q === null || q === '' ? '' : `?${q}`)
      const label = `${chosen} ${fullUrl.slice(0, 200)} headers=${JSON.stringify(allHeaders).slice(0, 300)} body=${withBody ? JSON.stringify(b.text!.slice(0, 200)) + (b.text!.length > 200 ? `…(${b.text!.length} chars)` : '') : 'none'}`
      return {
        method: chosen as InjectOptions['method'],
        url: fullUrl,
        headers: allHeaders,
        ...(withBody ? { payload: b.text } : {}),
        label,
        // fast-check prints a counterexample with this: short, whatever the body's size.
        [fc.toStringMethod]: () => label
      }
    })
}

/** What is wrong with an answer, or null. */
export function contractProblem (request: FuzzRequest, response: LightMyRequestResponse): string | null {
  const status = response.statusCode
  if (status >= 500) return `status ${status}: ${response.body.slice(0, 300)}`
  if (request.method === 'HEAD' || status === 204 || status === 304) return null
  const type = String(response.headers['content-type'] ?? '')
  if (type.startsWith('text/html')) {
    const query = new URLSearchParams(String(request.url ?? '').split('?')[1] ?? '')
    const asked = query.get('format') === 'api' || String(request.headers?.accept ?? '').includes('html')
    return asked || status < 400 ? null : `an HTML error page the request did not ask for (status ${status})`
  }
  if (status < 400) return null
  if (!type.startsWith('application/json')) return `error ${status} with content-type "${type}"`
  let body: string
  try { body = decodedBody(response) } catch (error) { return `error ${status}: its ${String(response.headers['content-encoding'])} body does not decode: ${(error as Error).message}` }
  let parsed: unknown
  try { parsed = JSON.parse(body) } catch { return `error ${status} with a body that is not JSON: ${body.slice(0, 200)}` }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return `error ${status}: body is not an object: ${response.body.slice(0, 200)}`
  const entries = Object.entries(parsed)
  if (entries.length === 0) return `error ${status}: empty object`
  // /v4 answers in Jikan's error shape (src/routes/v4/errors.ts); the path as requested, dot segments resolved.
  let path = ''
  try { path = new URL(String(request.url ?? ''), 'http://localhost').pathname } catch {}
  if (path.startsWith('/v4/')) {
    const keys = entries.map(([k]) => k).join()
    const jikan = (parsed as { status?: unknown }).status === status && (keys === 'status,type,message,error' || keys === 'status,type,messages,error')
    return jikan ? null : `error ${status} under /v4 not in Jikan's shape: ${body.slice(0, 300)}`
  }
  const detailOnly = entries.length === 1 && typeof (parsed as { detail?: unknown }).detail === 'string'
  // The old service's token limit: 403 {"error": "Maximum amount of tokens allowed per user exceeded."}
  const tokenLimit = status === 403 && entries.length === 1 && typeof (parsed as { error?: unknown }).error === 'string'
  const fieldLists = status === 400 && entries.every(([, v]) => Array.isArray(v) && v.length > 0 && v.every((m) => typeof m === 'string'))
  if (!detailOnly && !tokenLimit && !fieldLists) return `error ${status} not in the old service's shape: ${body.slice(0, 300)}`
  if (status === 401 && response.headers['www-authenticate'] !== 'Token') return '401 without WWW-Authenticate: Token'
  if (status === 405 && response.headers.allow === undefined) return '405 without Allow'
  return null
}

/** Tables a rejected request changes by design: the login throttle counts attempts, refused ones too. */
const attemptCounters = new Set(['accounts.sqlite/throttle_attempts'])

/** A digest of every row of every table of one SQLite file (but the attempt counters). */
function fileDigest (db: Database.Database, file: string): string {
  const hash = createHash('sha256')
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name").pluck().all() as string[]
  for (const table of tables) {
    if (attemptCounters.has(`${file}/${table}`)) continue
    hash.update(`${file}/${table}\n`)
    for (const row of db.prepare(`SELECT * FROM "${table.replaceAll('"', '""')}"`).raw().iterate()) hash.update(JSON.stringify(row, (_k, v: unknown) => typeof v === 'bigint' ? String(v) : v) + '\n')
  }
  return hash.digest('hex')
}

export interface DatabaseDigests {
  /** A digest of every row of every table in every SQLite file under the directory (but the attempt counters). */
  digest (): string
  close (): void
}

/**
 * Digests of the SQLite files under `dataDir`, each read again only when it may
 * have changed: a file keeps one read-only connection, whose PRAGMA data_version
 * changes whenever another connection commits to it, and a file replaced on disk
 * (another inode) is opened afresh. Reading every row before and after each of
 * thousands of requests was most of the fuzz run's time.
 */
export function databaseDigests (dataDir: string): DatabaseDigests {
  const open = new Map<string, { db: Database.Database, ino: number, version: number, digest: string }>()
  const close = (file: string) => { open.get(file)?.db.close(); open.delete(file) }
  return {
    digest () {
      const hash = createHash('sha256')
      const files = fs.readdirSync(dataDir).filter((f) => f.endsWith('.sqlite')).sort()
      for (const file of [...open.keys()]) if (!files.includes(file)) close(file)
      for (const file of files) {
        const ino = fs.statSync(path.join(dataDir, file)).ino
        let known = open.get(file)
        if (known !== undefined && known.ino !== ino) { close(file); known = undefined }
        if (known === undefined) {
          const db = new Database(path.join(dataDir, file), { readonly: true, fileMustExist: true })
          known = { db, ino, version: -1, digest: '' }
          open.set(file, known)
        }
        const version = known.db.pragma('data_version', { simple: true }) as number
        if (version !== known.version) {
          known.digest = fileDigest(known.db, file)
          known.version = version
        }
        hash.update(known.digest)
      }
      return hash.digest('hex')
    },
    close () { for (const file of [...open.keys()]) close(file) }
  }
}

export interface FuzzTarget {
  app: FastifyInstance
  dataDir: string
  routes: Route[]
  fields: string[]
  tokens: string[]
  entryIds: number[]
  /** The app's own OpenAPI document, as a contract checker reads it. */
  document: DocumentChecker
  /** Throws when the service no longer answers as it should. */
  checkHealthy (): Promise<void>
}

/** The app under fuzz: a small catalogue, cheap password hashes, users with live tokens. */
export async function fuzzTarget (t: Teardown): Promise<FuzzTarget> {
  const dataDir = tempDir(t, 'anime-api-fuzz-')
  const catalogue = writeAod(dataDir, [1, 2, 3, 4, 5].map((n) => aodRecord(n, n === 2 ? { synonyms: ['東京喰種', '\u202eRTL'], tags: ['dark fantasy', 'gore'] } : {})))
  const app = await accountsApp(t, { dataDir, defaultCatalogue: catalogue })
  const routes = appRoutes(app)
  const openapi = await openapiDocument(app)
  const fields = fieldNames(openapi)
  const tokens: string[] = []
  for (const name of ['fuzz_a', 'fuzz_b']) tokens.push((await register(app, name, `${name}@fuzz.example`, 'fuzz password')).token)
  tokens.push((await login(app, 'fuzz_a', 'fuzz password')).token)
  await register(app, 'sanity', 'sanity@fuzz.example', 'sanity password')
  const expectedEntry = (await app.inject({ method: 'GET', url: '/anime/entry/1' })).body
  return {
    app,
    dataDir,
    routes,
    fields,
    tokens,
    entryIds: [1, 2, 3, 5],
    document: documentChecker(openapi),
    async checkHealthy () {
      const entry = await app.inject({ method: 'GET', url: '/anime/entry/1' })
      if (entry.statusCode !== 200 || entry.body !== expectedEntry) throw new Error(`GET /anime/entry/1 now answers ${entry.statusCode} ${entry.body.slice(0, 200)}`)
      const random = await app.inject({ method: 'GET', url: '/anime/random' })
      if (random.statusCode !== 200) throw new Error(`GET /anime/random now answers ${random.statusCode}`)
      const logged = await app.inject({ method: 'POST', url: '/account/login', payload: { username: 'sanity', password: 'sanity password' } })
      if (logged.statusCode !== 200) throw new Error(`login now answers ${logged.statusCode} ${logged.body.slice(0, 200)}`)
    }
  }
}

export interface FuzzOptions { numRuns: number, seed: number, onProgress?: (done: number) => void }

/** Runs the property; throws fast-check's report (seed, path, shrunk counterexample) on failure. */
export async function runFuzz (target: FuzzTarget, options: FuzzOptions): Promise<{ cases: number, statuses: Record<number, number> }> {
  const { app, dataDir } = target
  let cases = 0
  const statuses: Record<number, number> = {}
  const databases = databaseDigests(dataDir)
  const property = fc.asyncProperty(fuzzRequest(target.routes, target.fields, target.tokens, target.entryIds), async (req) => {
    const { label, ...inject } = req
    const before = databases.digest()
    let response: LightMyRequestResponse
    try {
      response = await app.inject(inject)
    } catch (error) {
      // light-my-request refuses some requests itself (invalid header values): not the service's answer.
      if ((error as { code?: string }).code === 'ERR_INVALID_CHAR' || (error as { code?: string }).code === 'ERR_HTTP_INVALID_HEADER_VALUE') return
      throw error
    }
    cases++
    statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1
    options.onProgress?.(cases)
    const problem = contractProblem(req, response) ?? target.document.problem(String(inject.method), String(inject.url), response)
    if (problem !== null) throw new Error(`${problem}\n  request: ${label}`)
    if (response.statusCode >= 400 && databases.digest() !== before) throw new Error(`a rejected request (${response.statusCode}) changed the database\n  request: ${label}`)
    if (cases % 50 === 0) await target.checkHealthy()
  })
  try {
    await fc.assert(property, { numRuns: options.numRuns, seed: options.seed, endOnFailure: false, interruptAfterTimeLimit: undefined })
  } finally {
    databases.close()
  }
  await target.checkHealthy()
  return { cases, statuses }
}
