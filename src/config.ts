// Configuration: one typed object the app is built from. `loadConfig` reads it
// from the environment (server, CLI); tests pass a partial object to `resolveConfig`.
import os from 'node:os'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { seaAssetFile } from './sea/assets.js'

/** The checkout's root: the parent of src/, or of dist/ for the bundle (scripts/build.ts). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

export interface AppConfig {
  host: string
  port: number
  dataDir: string
  logLevel: LogLevel
  /** AOD file imported when DATA_DIR has no catalogue yet. */
  defaultCatalogue: string
  /** Token lifetime in milliseconds; null: tokens never expire. */
  tokenTtlMs: number | null
  /** Move a token's expiry forward on use (at most once a minute). */
  tokenAutoRefresh: boolean
  /** Most live tokens per user; null: no limit. */
  tokenLimit: number | null
  /** Login/register attempts allowed per client address in `throttleWindowMs`. */
  throttleIpLimit: number
  /** Failed logins allowed per username in `throttleWindowMs`. */
  throttleUserLimit: number
  throttleWindowMs: number
  /** scrypt cost N for new password hashes (a power of two; OWASP: 2^17). Lower only in tests. */
  passwordScryptN: number
  /** Most password hashes waiting for a thread (past it: 503 at once); 'auto': 8 per hashing thread. */
  passwordHashQueue: number | 'auto'
  /** Longest a password hash waits for a thread, in milliseconds (then 503); below requestTimeoutMs (by default at most half) so every request is answered. */
  passwordHashTimeoutMs: number
  /** Where `anime-api catalogue update` and scheduled updates download the catalogue from. */
  catalogueUpdateUrl: string
  /** Download and import the catalogue this often (milliseconds); null: never (the default). */
  catalogueUpdateIntervalMs: number | null
  /**
   * Where an update finds the source's dead-entry lists: a URL with `{site}`,
   * relative to the catalogue's URL or absolute; null: not looked for.
   */
  catalogueDeadEntriesUrl: string | null
  /** Processes serving requests on the one port (node:cluster); 1: no cluster. */
  workers: number
  /** Origins allowed to call the API from browser scripts (CORS); null: every origin. */
  corsOrigins: string[] | null
  /** max-age, in seconds, of the Cache-Control header on catalogue reads. */
  cacheMaxAge: number
  /** Requests per client address in `rateLimitWindowMs`, over the whole API; 0: no global limit. */
  rateLimitMax: number
  rateLimitWindowMs: number
  /** Largest request body, in bytes. */
  bodyLimit: number
  /** Longest a request may take to arrive and be answered, in milliseconds; 0: no limit. */
  requestTimeoutMs: number
  /** On SIGTERM/SIGINT, how long in-flight requests get to finish, in milliseconds. */
  shutdownTimeoutMs: number
  /** On SIGTERM, how long the service keeps answering with /ready at 503 before it stops accepting connections, in milliseconds; 0: no drain. */
  shutdownDrainMs: number
  /** Which proxies' X-Forwarded-For to believe: false, true (any peer), or addresses/CIDR ranges. */
  trustProxy: boolean | string[]
  /** Clock in milliseconds since the epoch; injected by tests. */
  now: () => number
  /** PostgreSQL URL for accounts, tokens, throttle counters and watchlists; null: SQLite under dataDir. */
  databaseUrl: string | null
  /** Most connections an instance holds to PostgreSQL. */
  databasePoolSize: number
  /** Longest wait for a PostgreSQL connection or statement, in milliseconds; past it the request answers 503. */
  databaseTimeoutMs: number
  /** Most lists one user may have. */
  watchlistsPerUser: number
  /** Largest MyAnimeList import, in bytes: the upload, and its XML once decompressed. */
  malImportMaxBytes: number
  /** Most entries (<anime> elements) in one MyAnimeList import. */
  malImportMaxEntries: number
  /** MyAnimeList imports in progress at once in one process (one is read at a time, the others wait); more are answered 503. */
  malImportMaxPending: number
}

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

export const defaultConfig: AppConfig = {
  host: '127.0.0.1',
  port: 8000,
  dataDir: path.join(process.cwd(), 'var'),
  logLevel: 'info',
  // The shipped catalogue; the single executable carries it inside (written out when first asked for).
  get defaultCatalogue () { return seaAssetFile('anime-offline-database.json') ?? path.join(projectRoot, 'data', 'anime-offline-database.json') },
  tokenTtlMs: 10 * 3600 * 1000,
  tokenAutoRefresh: false,
  tokenLimit: null,
  throttleIpLimit: 30,
  throttleUserLimit: 10,
  throttleWindowMs: 60 * 1000,
  passwordScryptN: 2 ** 17,
  passwordHashQueue: 'auto',
  passwordHashTimeoutMs: 10 * 1000,
  catalogueUpdateUrl: DEFAULT_CATALOGUE_UPDATE_URL,
  catalogueUpdateIntervalMs: null,
  catalogueDeadEntriesUrl: 'dead-entries/{site}.json',
  workers: 1,
  corsOrigins: null,
  cacheMaxAge: 300,
  rateLimitMax: 1000,
  rateLimitWindowMs: 60 * 1000,
  bodyLimit: 1 << 20,
  requestTimeoutMs: 30 * 1000,
  shutdownTimeoutMs: 10 * 1000,
  shutdownDrainMs: 5 * 1000,
  trustProxy: false,
  now: Date.now,
  databaseUrl: null,
  databasePoolSize: 10,
  databaseTimeoutMs: 5000,
  watchlistsPerUser: 100,
  malImportMaxBytes: 16 << 20,
  malImportMaxEntries: 20_000,
  malImportMaxPending: 4
}

export function resolveConfig (partial: Partial<AppConfig> = {}): AppConfig {
  const config = { ...defaultConfig, ...partial }
  config.dataDir = path.resolve(config.dataDir)
  config.defaultCatalogue = path.resolve(config.defaultCatalogue)
  return config
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

function parseInteger (variable: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(variable, `expected a whole number, got "${raw}"`)
  const value = Number(raw)
  if (value < min || value > max) throw new ConfigError(variable, `must be between ${min} and ${max}, got ${value}`)
  return value
}

function parseBoolean (variable: string, raw: string): boolean {
  const value = raw.trim().toLowerCase()
  if (['1', 'true', 'yes', 'on'].includes(value)) return true
  if (['0', 'false', 'no', 'off'].includes(value)) return false
  throw new ConfigError(variable, `expected true or false, got "${raw}"`)
}

const logLevels: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']
const never = ['never', 'none', 'off', '0']

/** CATALOGUE_DEAD_ENTRIES_URL: `off`, or a URL with `{site}`, relative (to the catalogue's URL) or http(s). */
function parseDeadEntriesUrl (raw: string): string | null {
  const value = raw.trim()
  if (never.includes(value.toLowerCase())) return null
  const variable = 'CATALOGUE_DEAD_ENTRIES_URL'
  if (!value.includes('{site}')) throw new ConfigError(variable, `expected a URL with {site} in it (or off), got "${raw}"`)
  let url: URL
  try {
    url = new URL(value.replaceAll('{site}', 'anidb'), 'https://example.invalid/releases/')
  } catch {
    throw new ConfigError(variable, `expected a URL with {site} in it (or off), got "${raw}"`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(variable, `expected an http or https URL, got "${raw}"`)
  return value
}

/** Reads and validates the environment; throws ConfigError naming the bad variable. */
export function loadConfig (env: NodeJS.ProcessEnv = process.env): AppConfig {
  const get = (name: string): string | undefined => {
    const value = env[name]
    return value === undefined || value.trim() === '' ? undefined : value
  }
  const partial: Partial<AppConfig> = {}
  const host = get('HOST')
  if (host !== undefined) partial.host = host.trim()
  const port = get('PORT')
  if (port !== undefined) partial.port = parseInteger('PORT', port, 0, 65535)
  const dataDir = get('DATA_DIR')
  if (dataDir !== undefined) partial.dataDir = dataDir
  const logLevel = get('LOG_LEVEL')
  if (logLevel !== undefined) {
    const level = logLevel.trim().toLowerCase() as LogLevel
    if (!logLevels.includes(level)) throw new ConfigError('LOG_LEVEL', `expected one of ${logLevels.join(', ')}, got "${logLevel}"`)
    partial.logLevel = level
  }
  const catalogue = get('DEFAULT_CATALOGUE')
  if (catalogue !== undefined) partial.defaultCatalogue = catalogue
  const ttl = get('TOKEN_TTL')
  if (ttl !== undefined) partial.tokenTtlMs = never.includes(ttl.trim().toLowerCase()) ? null : parseDuration('TOKEN_TTL', ttl)
  const refresh = get('TOKEN_AUTO_REFRESH')
  if (refresh !== undefined) partial.tokenAutoRefresh = parseBoolean('TOKEN_AUTO_REFRESH', refresh)
  const limit = get('TOKEN_LIMIT')
  if (limit !== undefined) {
    const value = never.includes(limit.trim().toLowerCase()) ? 0 : parseInteger('TOKEN_LIMIT', limit, 0, 1_000_000)
    partial.tokenLimit = value === 0 ? null : value
  }
  const ipLimit = get('THROTTLE_IP_LIMIT')
  if (ipLimit !== undefined) partial.throttleIpLimit = parseInteger('THROTTLE_IP_LIMIT', ipLimit, 1, 1_000_000)
  const userLimit = get('THROTTLE_USER_LIMIT')
  if (userLimit !== undefined) partial.throttleUserLimit = parseInteger('THROTTLE_USER_LIMIT', userLimit, 1, 1_000_000)
  const window = get('THROTTLE_WINDOW')
  if (window !== undefined) partial.throttleWindowMs = parseDuration('THROTTLE_WINDOW', window)
  const scryptN = get('PASSWORD_SCRYPT_N')
  if (scryptN !== undefined) {
    const value = parseInteger('PASSWORD_SCRYPT_N', scryptN, 2, 2 ** 20)
    if ((value & (value - 1)) !== 0) throw new ConfigError('PASSWORD_SCRYPT_N', `must be a power of two, got ${value}`)
    partial.passwordScryptN = value
  }
  const hashQueue = get('PASSWORD_HASH_QUEUE')
  if (hashQueue !== undefined) {
    partial.passwordHashQueue = hashQueue.trim().toLowerCase() === 'auto' ? 'auto' : parseInteger('PASSWORD_HASH_QUEUE', hashQueue, 0, 100_000)
  }
  const hashTimeout = get('PASSWORD_HASH_TIMEOUT')
  if (hashTimeout !== undefined) partial.passwordHashTimeoutMs = parseDuration('PASSWORD_HASH_TIMEOUT', hashTimeout)
  const updateUrl = get('CATALOGUE_UPDATE_URL')
  if (updateUrl !== undefined) partial.catalogueUpdateUrl = parseHttpUrl('CATALOGUE_UPDATE_URL', updateUrl)
  const updateInterval = get('CATALOGUE_UPDATE_INTERVAL')
  if (updateInterval !== undefined) {
    partial.catalogueUpdateIntervalMs = never.includes(updateInterval.trim().toLowerCase()) ? null : parseDuration('CATALOGUE_UPDATE_INTERVAL', updateInterval)
    if (partial.catalogueUpdateIntervalMs !== null && partial.catalogueUpdateIntervalMs < 60_000) {
      throw new ConfigError('CATALOGUE_UPDATE_INTERVAL', `must be at least 1m, got "${updateInterval}"`)
    }
  }
  const deadEntries = get('CATALOGUE_DEAD_ENTRIES_URL')
  if (deadEntries !== undefined) partial.catalogueDeadEntriesUrl = parseDeadEntriesUrl(deadEntries)
  const workers = get('WORKERS')
  if (workers !== undefined) {
    partial.workers = workers.trim().toLowerCase() === 'auto' ? os.availableParallelism() : parseInteger('WORKERS', workers, 1, 256)
  }
  const databaseUrl = get('DATABASE_URL')
  if (databaseUrl !== undefined) {
    if (!/^postgres(ql)?:\/\//i.test(databaseUrl.trim())) {
      throw new ConfigError('DATABASE_URL', 'expected postgres://user:password@host:5432/database (unset: SQLite under DATA_DIR)')
    }
    partial.databaseUrl = databaseUrl.trim()
  }
  const poolSize = get('DATABASE_POOL_SIZE')
  if (poolSize !== undefined) partial.databasePoolSize = parseInteger('DATABASE_POOL_SIZE', poolSize, 1, 1000)
  const databaseTimeout = get('DATABASE_TIMEOUT')
  if (databaseTimeout !== undefined) partial.databaseTimeoutMs = parseDuration('DATABASE_TIMEOUT', databaseTimeout)
  loadHttpConfig(get, partial)
  loadWatchlistsConfig(get, partial)
  const resolved = resolveConfig(partial)
  // A hash still waiting when the socket's timeout cuts the connection would leave the client
  // without an answer: the wait is shorter than REQUEST_TIMEOUT (by default at most half of it).
  if (resolved.requestTimeoutMs > 0) {
    if (hashTimeout === undefined) {
      resolved.passwordHashTimeoutMs = Math.min(resolved.passwordHashTimeoutMs, Math.floor(resolved.requestTimeoutMs / 2))
    } else if (resolved.passwordHashTimeoutMs >= resolved.requestTimeoutMs) {
      throw new ConfigError('PASSWORD_HASH_TIMEOUT', `must be shorter than REQUEST_TIMEOUT (${resolved.requestTimeoutMs / 1000}s), got ${resolved.passwordHashTimeoutMs / 1000}s`)
    }
  }
  return resolved
}

/** The watchlists' limits: lists per user, and the size of MyAnimeList imports. */
function loadWatchlistsConfig (get: (name: string) => string | undefined, partial: Partial<AppConfig>): void {
  const lists = get('WATCHLISTS_PER_USER')
  if (lists !== undefined) partial.watchlistsPerUser = parseInteger('WATCHLISTS_PER_USER', lists, 1, 1_000_000)
  const bytes = get('MAL_IMPORT_MAX_BYTES')
  if (bytes !== undefined) partial.malImportMaxBytes = parseSize('MAL_IMPORT_MAX_BYTES', bytes)
  const entries = get('MAL_IMPORT_MAX_ENTRIES')
  if (entries !== undefined) partial.malImportMaxEntries = parseInteger('MAL_IMPORT_MAX_ENTRIES', entries, 1, 1_000_000)
  const pending = get('MAL_IMPORT_MAX_PENDING')
  if (pending !== undefined) partial.malImportMaxPending = parseInteger('MAL_IMPORT_MAX_PENDING', pending, 1, 1000)
}

/** The HTTP-facing settings: CORS, caching, the global rate limit, body size, timeouts, proxies. */
function loadHttpConfig (get: (name: string) => string | undefined, partial: Partial<AppConfig>): void {
  const off = (raw: string): boolean => never.includes(raw.trim().toLowerCase())
  const origins = get('CORS_ORIGINS')
  if (origins !== undefined) partial.corsOrigins = parseOrigins('CORS_ORIGINS', origins)
  const maxAge = get('CACHE_MAX_AGE')
  if (maxAge !== undefined) partial.cacheMaxAge = off(maxAge) ? 0 : Math.round(parseDuration('CACHE_MAX_AGE', maxAge) / 1000)
  const rateMax = get('RATE_LIMIT_MAX')
  if (rateMax !== undefined) partial.rateLimitMax = off(rateMax) ? 0 : parseInteger('RATE_LIMIT_MAX', rateMax, 0, 1_000_000_000)
  const rateWindow = get('RATE_LIMIT_WINDOW')
  if (rateWindow !== undefined) partial.rateLimitWindowMs = parseDuration('RATE_LIMIT_WINDOW', rateWindow)
  const bodyLimit = get('BODY_LIMIT')
  if (bodyLimit !== undefined) partial.bodyLimit = parseSize('BODY_LIMIT', bodyLimit)
  const requestTimeout = get('REQUEST_TIMEOUT')
  if (requestTimeout !== undefined) partial.requestTimeoutMs = off(requestTimeout) ? 0 : parseDuration('REQUEST_TIMEOUT', requestTimeout)
  const shutdownTimeout = get('SHUTDOWN_TIMEOUT')
  if (shutdownTimeout !== undefined) partial.shutdownTimeoutMs = parseDuration('SHUTDOWN_TIMEOUT', shutdownTimeout)
  const shutdownDrain = get('SHUTDOWN_DRAIN')
  if (shutdownDrain !== undefined) partial.shutdownDrainMs = off(shutdownDrain) ? 0 : parseDuration('SHUTDOWN_DRAIN', shutdownDrain)
  const trustProxy = get('TRUST_PROXY')
  if (trustProxy !== undefined) partial.trustProxy = parseTrustProxy('TRUST_PROXY', trustProxy)
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
