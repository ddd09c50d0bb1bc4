// Password hashes. New hashes are scrypt at OWASP's parameters (N=2^17, r=8,
// p=1), stored self-describing as `scrypt$N$r$p$salt$hash` (base64) so the
// parameters can rise later: a hash below the current ones is re-hashed at the
// next successful login. Django's `pbkdf2_sha256$iterations$salt$hash` (accounts
// of the old service) verifies too and is due a re-hash at once.
// Both use node:crypto's async API: the work runs on libuv's threadpool, and the
// event loop keeps answering other requests meanwhile.
import { pbkdf2, randomBytes, scrypt, timingSafeEqual, type BinaryLike, type ScryptOptions } from 'node:crypto'
import { availableParallelism } from 'node:os'

export interface ScryptParams {
  N: number
  r: number
  p: number
}

export const OWASP_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 }
const SALT_BYTES = 16
const KEY_BYTES = 32
/** Refuse stored parameters that would take the server down (a forged or broken hash). */
const MAX_SCRYPT_N = 2 ** 20
const MAX_PBKDF2_ITERATIONS = 10_000_000

// Hashes run on libuv's thread pool, off the event loop, but they still need a
// core: at most one fewer hash at a time than there are cores, so the event loop
// keeps a core to answer other requests during a login storm (and at most that
// many 128 MiB scrypt buffers exist at once). The others wait their turn.
const hashSlots = Math.max(1, availableParallelism() - 1)
let hashesRunning = 0
const waiting: Array<() => void> = []

async function inHashSlot<T> (work: () => Promise<T>): Promise<T> {
  if (hashesRunning >= hashSlots) await new Promise<void>((resolve) => waiting.push(resolve))
  else hashesRunning++
  try {
    return await work()
  } finally {
    const next = waiting.shift()
    if (next !== undefined) next() // the slot passes straight to the next in line
    else hashesRunning--
  }
}

function scryptAsync (password: BinaryLike, salt: Buffer, keylen: number, params: ScryptParams): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; Node's default ceiling (32 MiB) is below OWASP's 128 MiB.
  const options: ScryptOptions = { ...params, maxmem: 2 * 128 * params.N * params.r + (1 << 20) }
  return inHashSlot(() => new Promise((resolve, reject) => {
    scrypt(password, salt, keylen, options, (error, key) => { if (error !== null) reject(error); else resolve(key) })
  }))
}

function pbkdf2Async (password: BinaryLike, salt: BinaryLike, iterations: number, keylen: number, digest: string): Promise<Buffer> {
  return inHashSlot(() => new Promise((resolve, reject) => {
    pbkdf2(password, salt, iterations, keylen, digest, (error, key) => { if (error !== null) reject(error); else resolve(key) })
  }))
}

export async function hashPassword (password: string, params: ScryptParams): Promise<string> {
  const salt = randomBytes(SALT_BYTES)
  const key = await scryptAsync(password, salt, KEY_BYTES, params)
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${key.toString('base64')}`
}

type ParsedHash =
  | { kind: 'scrypt', params: ScryptParams, salt: Buffer, key: Buffer }
  | { kind: 'pbkdf2', digest: 'sha256' | 'sha1', iterations: number, salt: string, key: Buffer }

const positiveInt = (text: string | undefined): number | null =>
  text !== undefined && /^[1-9]\d{0,9}$/.test(text) ? Number(text) : null

function parseHash (stored: string): ParsedHash | null {
  const parts = stored.split('$')
  if (parts[0] === 'scrypt' && parts.length === 6) {
    const [N, r, p] = [positiveInt(parts[1]), positiveInt(parts[2]), positiveInt(parts[3])]
    if (N === null || r === null || p === null || N < 2 || N > MAX_SCRYPT_N || (N & (N - 1)) !== 0 || r > 32 || p > 16) return null
    const key = Buffer.from(parts[5]!, 'base64')
    if (key.length < 16) return null
    return { kind: 'scrypt', params: { N, r, p }, salt: Buffer.from(parts[4]!, 'base64'), key }
  }
  if ((parts[0] === 'pbkdf2_sha256' || parts[0] === 'pbkdf2_sha1') && parts.length === 4) {
    const iterations = positiveInt(parts[1])
    if (iterations === null || iterations > MAX_PBKDF2_ITERATIONS) return null
    const key = Buffer.from(parts[3]!, 'base64')
    if (key.length < 16) return null
    return { kind: 'pbkdf2', digest: parts[0] === 'pbkdf2_sha256' ? 'sha256' : 'sha1', iterations, salt: parts[2]!, key }
  }
  return null
}

/** Whether a stored string is a hash this service can verify. */
export const isSupportedHash = (stored: string): boolean => parseHash(stored) !== null

/** Django marks accounts without a usable password with a leading "!". */
export const isUnusableHash = (stored: string): boolean => stored.startsWith('!')

/** Constant-time check of a password against a stored hash; false for malformed or unusable hashes. */
export async function verifyPassword (password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored)
  if (parsed === null) return false
  const derived = parsed.kind === 'scrypt'
    ? await scryptAsync(password, parsed.salt, parsed.key.length, parsed.params)
    : await pbkdf2Async(password, parsed.salt, parsed.iterations, parsed.key.length, parsed.digest)
  return timingSafeEqual(derived, parsed.key)
}

/** Whether a hash that just verified should be replaced by one at the current parameters. */
export function needsRehash (stored: string, params: ScryptParams): boolean {
  const parsed = parseHash(stored)
  if (parsed === null || parsed.kind !== 'scrypt') return true
  return parsed.params.N < params.N || parsed.params.r < params.r || parsed.params.p < params.p || parsed.key.length < KEY_BYTES
}

export interface PasswordHasher {
  params: ScryptParams
  hash (password: string): Promise<string>
  verify (password: string, stored: string): Promise<boolean>
  /** Spends the time of one verification and fails: for usernames that do not exist. */
  verifyNobody (password: string): Promise<false>
  needsRehash (stored: string): boolean
}

export function createPasswordHasher (params: ScryptParams): PasswordHasher {
  // One hash at the current parameters, made on first use, that no password matches.
  let dummy: Promise<string> | undefined
  return {
    params,
    hash: (password) => hashPassword(password, params),
    verify: verifyPassword,
    async verifyNobody (password) {
      dummy ??= hashPassword(randomBytes(32).toString('hex'), params)
      await verifyPassword(password, await dummy)
      return false
    },
    needsRehash: (stored) => needsRehash(stored, params)
  }
}
