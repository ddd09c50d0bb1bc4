// Login tokens as knox made them: 32 random bytes as 64 lowercase hex characters.
// Only the SHA-512 digest of the token's bytes and its first 8 characters (a
// lookup key) are stored; the token itself exists only in the client's hands.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

export const TOKEN_KEY_LENGTH = 8
const tokenPattern = /^[0-9a-f]{64}$/

export const newToken = (): string => randomBytes(32).toString('hex')

export const isWellFormedToken = (token: string): boolean => tokenPattern.test(token)

/** knox's hash_token: SHA-512 over the bytes the hex stands for, as hex. */
export const tokenDigest = (token: string): string =>
  createHash('sha512').update(Buffer.from(token, 'hex')).digest('hex')

export const tokenKey = (token: string): string => token.slice(0, TOKEN_KEY_LENGTH)

export const sameDigest = (a: string, b: string): boolean => {
  const left = Buffer.from(a, 'hex')
  const right = Buffer.from(b, 'hex')
  return left.length === right.length && timingSafeEqual(left, right)
}

export type AuthorizationHeader =
  | { kind: 'none' }
  | { kind: 'malformed', problem: 'no-token' | 'token-with-spaces' }
  | { kind: 'token', token: string }

/**
 * Reads `Authorization: Token <token>` as knox did: the scheme word in any case;
 * another scheme counts as no credentials; the header split on ASCII whitespace.
 */
export function parseAuthorization (header: string | undefined): AuthorizationHeader {
  const parts = (header ?? '').split(/[ \t\n\v\f\r]+/).filter((part) => part !== '')
  if (parts.length === 0 || parts[0]!.toLowerCase() !== 'token') return { kind: 'none' }
  if (parts.length === 1) return { kind: 'malformed', problem: 'no-token' }
  if (parts.length > 2) return { kind: 'malformed', problem: 'token-with-spaces' }
  return { kind: 'token', token: parts[1]! }
}
