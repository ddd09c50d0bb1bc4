// Configuration: one typed object the app is built from. `variables` is the
// table of every environment variable: its name, the field it sets, its TypeBox
// schema (type, range, default), what it means and how its text becomes the
// value. `loadConfig` checks each variable set against its schema with
// TypeBox's own checker (Value.Check: interpreted, so nothing is compiled
// before the first command runs, where Ajv's code generation was a large part
// of a CLI command's start), reports every bad variable at once, and converts
// what JSON Schema has no type for (durations, sizes, URLs, origins, proxies);
// tests pass a partial object to `resolveConfig`.
import os from 'node:os'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Type, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { seaAssetFile } from './sea/assets.js'

/** The checkout's root: the parent of src/, or of dist/ for the bundle (scripts/build.ts). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
const logLevels: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/**
 * The maintained continuation of anime-offline-database (manami-project's was
 * archived in 2026), its moving `latest` release, minified JSON with zstd: the
 * smallest download. ODbL 1.0 + DbCL 1.0; see docs/catalogue.md.
 */
export const DEFAULT_CATALOGUE_UPDATE_URL = 'https://github.com/cedya77/anime-offline-database/releases/download/latest/anime-offline-database-minified.json.zst'

export class ConfigError extends Error {
  constructor (readonly variable: string, message: string) {
    super(`${variable}: ${message}`)
    this.name = 'ConfigError'
  }
}

/**
 * One environment variable: the field it sets, its schema (which says its type,
 * range and default, the default written as in .env.example), its meaning, and
 * how the value the schema let through becomes the field's.
 */
interface Variable<F extends string, T> {
  field: F
  schema: TSchema
  doc: string
  /** Words taken in any case and read as the schema's spelling: NEVER as off, YES as true, WARN as warn. */
  words?: Record<string, string>
  /** What a value of the wrong type is said not to be. */
  expected?: string
  /** Throws ConfigError saying what is wrong where the schema cannot (a duration's text, a power of two). */
  convert: (value: never, variable: string) => T
}

const offWords = { never: 'off', none: 'off', off: 'off', 0: 'off' }

function text<F extends string> (field: F, fallback: string | undefined, doc: string): Variable<F, string> {
  return { field, schema: fallback === undefined ? Type.Optional(Type.String()) : Type.String({ default: fallback }), doc, convert: (value: string) => value }
}

/** A whole number in a range; `words` (auto, off) give it other values, which `convert` reads. */
function integer<F extends string, T = number> (field: F, fallback: number | string, minimum: number, maximum: number, doc: string,
  more: { words?: Record<string, string>, convert?: (value: never, variable: string) => T } = {}): Variable<F, T> {
  const range = Type.Integer({ minimum, maximum })
  const literals = [...new Set(Object.values(more.words ?? {}))].map((word) => Type.Literal(word))
  const schema = literals.length === 0 ? Type.Integer({ minimum, maximum, default: fallback }) : Type.Union([...literals, range], { default: fallback })
  return { field, schema, doc, expected: 'a whole number', convert: (value: number) => value as T, ...more }
}

function boolean<F extends string> (field: F, fallback: boolean, doc: string): Variable<F, boolean> {
  const words = { 1: 'true', yes: 'true', on: 'true', true: 'true', 0: 'false', no: 'false', off: 'false', false: 'false' }
  return { field, schema: Type.Boolean({ default: fallback }), doc, words, expected: 'true or false', convert: (value: boolean) => value }
}

/** Text whose form JSON Schema cannot say (durations, sizes, URLs, lists): `convert` reads it and says what is wrong. */
function parsed<F extends string, T> (field: F, fallback: string | undefined, doc: string, convert: (raw: string, variable: string) => T, words?: Record<string, string>): Variable<F, T> {
  const schema = fallback === undefined ? Type.Optional(Type.String()) : Type.String({ default: fallback })
  return { field, schema, doc, convert: convert as Variable<F, T>['convert'], ...(words === undefined ? {} : { words }) }
}

/** A duration (parseDuration); with `off`, the words never/none/off/0 give that value. */
function duration<F extends string> (field: F, fallback: string, doc: string): Variable<F, number>
function duration<F extends string, T> (field: F, fallback: string, doc: string, off: T, atLeast?: [number, string]): Variable<F, number | T>
function duration<F extends string, T> (field: F, fallback: string, doc: string, ...rest: [] | [T, [number, string]?]): Variable<F, number | T> {
  const [off, atLeast] = rest
  return parsed(field, fallback, doc, (raw, variable) => {
    if (rest.length > 0 && raw === 'off') return off as T
    const ms = parseDuration(variable, raw)
    if (atLeast !== undefined && ms < atLeast[0]) throw new ConfigError(variable, `must be at least ${atLeast[1]}, got "${raw}"`)
    return ms
  }, rest.length > 0 ? offWords : undefined)
}

const size = <F extends string> (field: F, fallback: string, doc: string) => parsed(field, fallback, doc, (raw, variable) => parseSize(variable, raw))

/**
 * Every variable, in the order of .env.example and docs/configuration.md (a test
 * holds the three in step). Empty means unset.
 */
export const variables = {
  HOST: text('host', '127.0.0.1', 'address to listen on'),
  PORT: integer('port', 8000, 0, 65535, 'port to listen on'),
  DATA_DIR: text('dataDir', './var', 'where the SQLite files live; created if missing'),
  LOG_LEVEL: {
    field: 'logLevel',
    schema: Type.Union(logLevels.map((level) => Type.Literal(level)), { default: 'info' }),
    doc: 'the least severe log lines written',
    words: Object.fromEntries(logLevels.map((level) => [level, level])),
    convert: (value: LogLevel) => value
  } satisfies Variable<'logLevel', LogLevel>,
  // No default in the table: the shipped catalogue is where the program is installed (defaultConfig).
  DEFAULT_CATALOGUE: text('defaultCatalogue', undefined, 'the AOD file imported when DATA_DIR has no catalogue yet'),
  TOKEN_TTL: duration('tokenTtlMs', '10h', 'login token lifetime; never: no expiry', null),
  TOKEN_AUTO_REFRESH: boolean('tokenAutoRefresh', false, "move a token's expiry forward on use (at most once a minute)"),
  TOKEN_LIMIT: integer('tokenLimit', 0, 0, 1_000_000, 'most live tokens per user; 0: no limit', {
    words: offWords, convert: (value: number | 'off') => value === 'off' || value === 0 ? null : value
  }),
  THROTTLE_IP_LIMIT: integer('throttleIpLimit', 30, 1, 1_000_000, 'login/register attempts per client address per window'),
  THROTTLE_USER_LIMIT: integer('throttleUserLimit', 10, 1, 1_000_000, 'failed logins per username per window'),
  THROTTLE_WINDOW: duration('throttleWindowMs', '1m', 'the login throttling window'),
  PASSWORD_SCRYPT_N: integer('passwordScryptN', 2 ** 17, 2, 2 ** 20, 'scrypt cost N for new password hashes (a power of two; OWASP: 2^17); lower only in tests', {
    convert: (value: number, variable: string) => {
      if ((value & (value - 1)) !== 0) throw new ConfigError(variable, `must be a power of two, got ${value}`)
      return value
    }
  }),
  PASSWORD_HASH_QUEUE: integer('passwordHashQueue', 'auto', 0, 100_000, 'most password hashes waiting for a thread (past it: 503 at once); auto: 8 per hashing thread', {
    words: { auto: 'auto' }, convert: (value: number | 'auto') => value
  }),
  PASSWORD_HASH_TIMEOUT: duration('passwordHashTimeoutMs', '10s', 'longest a password hash waits for a thread (then 503); shorter than REQUEST_TIMEOUT (unset: at most half of it)'),
  CATALOGUE_UPDATE_URL: parsed('catalogueUpdateUrl', DEFAULT_CATALOGUE_UPDATE_URL, 'where `catalogue update` and scheduled updates download the catalogue from', (raw, variable) => parseHttpUrl(variable, raw)),
  CATALOGUE_DEAD_ENTRIES_URL: parsed('catalogueDeadEntriesUrl', 'dead-entries/{site}.json',
    "where an update finds the source's dead-entry lists: a URL with {site}, relative to the catalogue's URL or absolute; off: not looked for",
    (raw, variable) => raw === 'off' ? null : parseDeadEntriesUrl(variable, raw), offWords),
  CATALOGUE_UPDATE_INTERVAL: duration('catalogueUpdateIntervalMs', 'off', 'download and import the catalogue this often (at least 1m); off: never', null, [60_000, '1m']),
  WORKERS: integer('workers', 1, 1, 256, 'processes serving requests on the one port (node:cluster); auto: one per core', {
    words: { auto: 'auto' }, convert: (value: number | 'auto') => value === 'auto' ? os.availableParallelism() : value
  }),
  DATABASE_URL: parsed('databaseUrl', undefined, 'PostgreSQL for accounts, tokens, throttle counters and watchlists; unset: SQLite under DATA_DIR', (raw: string | undefined, variable) => {
    if (raw === undefined) return null
    if (!/^postgres(ql)?:\/\//i.test(raw)) throw new ConfigError(variable, 'expected postgres://user:password@host:5432/database (unset: SQLite under DATA_DIR)')
    return raw
  }),
  DATABASE_POOL_SIZE: integer('databasePoolSize', 10, 1, 1000, 'most connections an instance holds to PostgreSQL'),
  DATABASE_TIMEOUT: duration('databaseTimeoutMs', '5s', 'longest wait for a PostgreSQL connection or statement (then 503)'),
  CORS_ORIGINS: parsed('corsOrigins', '*', 'origins allowed to call the API from browser scripts, comma-separated; *: every origin', (raw, variable) => parseOrigins(variable, raw)),
  CACHE_MAX_AGE: parsed('cacheMaxAge', '300', "max-age, in seconds (or 5m, 1h), of catalogue reads' Cache-Control; 0: revalidate each time",
    (raw, variable) => raw === 'off' ? 0 : Math.round(parseDuration(variable, raw) / 1000), offWords),
  RATE_LIMIT_MAX: integer('rateLimitMax', 1000, 0, 1_000_000_000, 'requests per client address per window over the whole API; 0: no global limit', {
    words: offWords, convert: (value: number | 'off') => value === 'off' ? 0 : value
  }),
  RATE_LIMIT_WINDOW: duration('rateLimitWindowMs', '1m', "the global rate limit's window"),
  BODY_LIMIT: size('bodyLimit', '1mb', 'largest request body (bytes, or 512kb, 1mb)'),
  REQUEST_TIMEOUT: duration('requestTimeoutMs', '30s', 'longest a request may take to arrive and be answered; an idle connection is closed after it; off: no limit', 0),
  SHUTDOWN_DRAIN: duration('shutdownDrainMs', '5s', 'on SIGTERM, how long /ready answers 503 while requests are still served, before the service stops accepting; 0: no drain', 0),
  SHUTDOWN_TIMEOUT: duration('shutdownTimeoutMs', '10s', 'on SIGTERM/SIGINT, how long requests in flight get to finish'),
  QUIET_COLLECTION: parsed('quietCollectionBytes', '8mb',
    "once the service has been quiet for 6 s, a full garbage collection if V8's heap and buffers grew this much (8mb, 16mb) since the last, giving back what a burst of requests left; off: never, V8's own idle collection gives it back later (see docs/deployment.md)",
    (raw, variable) => raw === 'off' ? null : parseSize(variable, raw), offWords),
  JIKAN_WRITTEN_MAX: parsed('jikanWrittenMaxBytes', 'off',
    'most bytes of /v4/anime/{id} answers kept written out once asked (about 2.5 kB an entry: 100mb holds a 40,000-entry catalogue), answered as fast as /anime/entry/:id; off: each written from the compact form every time (see docs/jikan.md)',
    (raw, variable) => raw === 'off' ? 0 : parseSize(variable, raw), offWords),
  TRUST_PROXY: parsed('trustProxy', 'false', "whose X-Forwarded-For to believe: false, true (any peer), or the proxies' addresses/CIDR ranges", (raw, variable) => parseTrustProxy(variable, raw)),
  WATCHLISTS_PER_USER: integer('watchlistsPerUser', 100, 1, 1_000_000, 'most lists one user may have'),
  MAL_IMPORT_MAX_BYTES: size('malImportMaxBytes', '16mb', 'largest MyAnimeList import: the upload, and its XML once decompressed'),
  MAL_IMPORT_MAX_ENTRIES: integer('malImportMaxEntries', 20_000, 1, 1_000_000, 'most entries in one MyAnimeList import'),
  MAL_IMPORT_MAX_PENDING: integer('malImportMaxPending', 4, 1, 1000, 'MyAnimeList imports one process takes at once (one is read, the others wait); more: 503')
}

type Table = typeof variables
type FieldValue<V> = V extends Variable<string, infer T> ? T : never

/** The configuration: one field per variable, and the clock. */
export type AppConfig = { -readonly [N in keyof Table as Table[N]['field']]: FieldValue<Table[N]> } & {
  /** Clock in milliseconds since the epoch; injected by tests. */
  now: () => number
  /**
   * DATA_DIR was made ready before the app was built (the catalogue file checked
   * or rebuilt, the id map handed to the user store): `anime-api serve` does it
   * once per start (src/cluster.ts), so the app does not do it again.
   */
  dataDirPrepared: boolean
  /**
   * The MyAnimeList import worker's script, in place of the one beside its runner:
   * tests running from the sources give the built one, which starts without a
   * TypeScript loader.
   */
  malImportScript?: URL
}

const table: Record<string, Variable<string, unknown>> = variables
/** The schema's kinds of value: itself, or each of its union's. */
const kinds = (schema: TSchema): TSchema[] => (schema.anyOf as TSchema[] | undefined) ?? [schema]

/**
 * The value the schema is checked against: a variable's text, read as a whole
 * number or a boolean where the schema takes one (strictly: 1.5 is no whole number).
 */
function typed (schema: TSchema, text: string): unknown {
  if (kinds(schema).some((kind) => kind.const === text)) return text
  if (kinds(schema).some((kind) => kind.type === 'integer') && /^[+-]?\d+$/.test(text)) return Number(text)
  if (kinds(schema).some((kind) => kind.type === 'boolean') && (text === 'true' || text === 'false')) return text === 'true'
  return text
}

/** What is wrong with a value its schema refused (raw: the text as set). */
function describe (variable: Variable<string, unknown>, value: unknown, raw: string): string {
  const range = kinds(variable.schema).find((kind) => kind.type === 'integer')
  if (range !== undefined && typeof value === 'number') return `must be between ${String(range.minimum)} and ${String(range.maximum)}, got ${value}`
  const words = kinds(variable.schema).map((kind) => kind.const as unknown)
  if (words.every((word) => typeof word === 'string')) return `expected one of ${words.join(', ')}, got "${raw}"`
  return `expected ${variable.expected ?? 'text'}, got "${raw}"`
}

/** The table read from `env`: every field (defaults filled) and the variables set; throws ConfigError naming the first bad variable and listing every other. */
function readEnvironment (env: NodeJS.ProcessEnv): { fields: Partial<AppConfig>, set: Set<string> } {
  const raw: Record<string, string> = {}
  const valid: Record<string, unknown> = {}
  const problems: ConfigError[] = []
  for (const [name, variable] of Object.entries(table)) {
    const text = env[name]?.trim()
    if (text === undefined || text === '') {
      valid[name] = variable.schema.default
      continue
    }
    raw[name] = text
    const value = typed(variable.schema, variable.words?.[text.toLowerCase()] ?? text)
    // TypeBox checks the value against the variable's schema: type, range, the words it takes.
    if (Value.Check(variable.schema, value)) valid[name] = value
    else problems.push(new ConfigError(name, describe(variable, value, text)))
  }
  const fields: Record<string, unknown> = {}
  // The values converted are those the schema let through, with its defaults: none when it found faults.
  for (const [name, variable] of problems.length > 0 ? [] : Object.entries(table)) {
    try {
      const value = (variable.convert as (value: unknown, variable: string) => unknown)(valid[name], name)
      if (value !== undefined) fields[variable.field] = value
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      problems.push(error)
    }
  }
  const [first, ...more] = problems
  if (first !== undefined && more.length === 0) throw first
  // Every bad variable at once, the first one named as the error's.
  if (first !== undefined) throw new ConfigError(first.variable, [first.message.slice(first.variable.length + 2), ...more.map((problem) => problem.message)].join('; '))
  return { fields: fields as Partial<AppConfig>, set: new Set(Object.keys(raw)) }
}

export function resolveConfig (partial: Partial<AppConfig> = {}): AppConfig {
  const config = { ...defaultConfig, ...partial }
  config.dataDir = path.resolve(config.dataDir)
  config.defaultCatalogue = path.resolve(config.defaultCatalogue)
  return config
}

/** Reads and validates the environment; throws ConfigError naming the bad variable. */
export function loadConfig (env: NodeJS.ProcessEnv = process.env): AppConfig {
  const { fields, set } = readEnvironment(env)
  const resolved = resolveConfig(fields)
  // A hash still waiting when the socket's timeout cuts the connection would leave the client
  // without an answer: the wait is shorter than REQUEST_TIMEOUT (by default at most half of it).
  if (resolved.requestTimeoutMs > 0) {
    if (!set.has('PASSWORD_HASH_TIMEOUT')) {
      resolved.passwordHashTimeoutMs = Math.min(resolved.passwordHashTimeoutMs, Math.floor(resolved.requestTimeoutMs / 2))
    } else if (resolved.passwordHashTimeoutMs >= resolved.requestTimeoutMs) {
      throw new ConfigError('PASSWORD_HASH_TIMEOUT', `must be shorter than REQUEST_TIMEOUT (${resolved.requestTimeoutMs / 1000}s), got ${resolved.passwordHashTimeoutMs / 1000}s`)
    }
  }
  return resolved
}

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** '90', '90s', '15m', '10h', '7d', '250ms' → milliseconds. A bare number is seconds. */
export function parseDuration (variable: string, raw: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/i.exec(raw.trim())
  if (match === null) throw new ConfigError(variable, `expected a duration such as 30s, 15m, 10h or 7d, got "${raw}"`)
  const ms = Number(match[1]) * units[(match[2] ?? 's').toLowerCase()]!
  if (!Number.isFinite(ms) || ms <= 0) throw new ConfigError(variable, `must be greater than zero, got "${raw}"`)
  return Math.round(ms)
}

function parseBoolean (variable: string, raw: string): boolean {
  const value = raw.trim().toLowerCase()
  if (['1', 'true', 'yes', 'on'].includes(value)) return true
  if (['0', 'false', 'no', 'off'].includes(value)) return false
  throw new ConfigError(variable, `expected true or false, got "${raw}"`)
}

/** CATALOGUE_DEAD_ENTRIES_URL: a URL with `{site}`, relative (to the catalogue's URL) or http(s). */
function parseDeadEntriesUrl (variable: string, value: string): string {
  const expected = `expected a URL with {site} in it (or off), got "${value}"`
  if (!value.includes('{site}')) throw new ConfigError(variable, expected)
  let url: URL
  try {
    url = new URL(value.replaceAll('{site}', 'anidb'), 'https://example.invalid/releases/')
  } catch {
    throw new ConfigError(variable, expected)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(variable, `expected an http or https URL, got "${value}"`)
  return value
}

/** 'https://a.example, http://localhost:3000' → the origins; '*' → null (every origin). */
export function parseOrigins (variable: string, raw: string): string[] | null {
  const items = raw.split(',').map((item) => item.trim()).filter((item) => item !== '')
  if (items.length === 0 || items.includes('*')) return null
  return items.map((item) => {
    let url: URL | undefined
    try { url = new URL(item) } catch { /* reported below */ }
    if (url === undefined || !['http:', 'https:'].includes(url.protocol) || url.origin !== item.replace(/\/$/, '').toLowerCase()) {
      throw new ConfigError(variable, `expected * or origins such as https://app.example.com,http://localhost:3000 (scheme, host, optional port), got "${item}"`)
    }
    return url.origin
  })
}

const sizeUnits: Record<string, number> = { b: 1, kb: 1024, k: 1024, kib: 1024, mb: 1 << 20, m: 1 << 20, mib: 1 << 20 }

/** '1048576', '512kb', '1mb' → bytes (1 KB = 1024 bytes), between 1 KB and 1 GB. */
export function parseSize (variable: string, raw: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]+)?$/i.exec(raw.trim())
  const unit = sizeUnits[(match?.[2] ?? 'b').toLowerCase()]
  if (match === null || unit === undefined) throw new ConfigError(variable, `expected a size such as 1048576, 512kb or 1mb, got "${raw}"`)
  const bytes = Math.round(Number(match[1]) * unit)
  if (bytes < 1024 || bytes > 1 << 30) throw new ConfigError(variable, `must be between 1kb and 1024mb, got "${raw}"`)
  return bytes
}

/** Fastify's trustProxy: true/false, or a comma-separated list of addresses, CIDR ranges, loopback, linklocal, uniquelocal. */
export function parseTrustProxy (variable: string, raw: string): boolean | string[] {
  const value = raw.trim().toLowerCase()
  if (['1', 'true', 'yes', 'on', '0', 'false', 'no', 'off'].includes(value)) return parseBoolean(variable, value)
  return value.split(',').map((item) => item.trim()).filter((item) => item !== '').map((item) => {
    const [address = '', bits, ...rest] = item.split('/')
    const family = net.isIP(address)
    const named = ['loopback', 'linklocal', 'uniquelocal'].includes(item)
    const prefixOk = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32))
    if (!named && (family === 0 || !prefixOk || rest.length > 0)) {
      throw new ConfigError(variable, `expected true, false, or the proxies' addresses/CIDR ranges such as 127.0.0.1,10.0.0.0/8 or loopback, got "${item}"`)
    }
    return item
  })
}

/** An http(s) URL, else ConfigError naming the variable. */
export function parseHttpUrl (variable: string, raw: string): string {
  let url: URL
  try {
    url = new URL(raw.trim())
  } catch {
    throw new ConfigError(variable, `expected an http or https URL, got "${raw}"`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(variable, `expected an http or https URL, got "${raw}"`)
  return url.href
}

/** The configuration of an empty environment: the table's defaults (read last: the parsers above are ready). */
export const defaultConfig: AppConfig = {
  ...readEnvironment({}).fields as Omit<AppConfig, 'defaultCatalogue' | 'now' | 'dataDirPrepared'>,
  dataDir: path.resolve(variables.DATA_DIR.schema.default as string),
  // The shipped catalogue; the single executable carries it inside (written out when first asked for).
  get defaultCatalogue () { return seaAssetFile('anime-offline-database.json') ?? path.join(projectRoot, 'data', 'anime-offline-database.json') },
  now: Date.now,
  dataDirPrepared: false
}
