// What can go wrong with an account, as the domain says it: no HTTP statuses,
// no wire bodies. src/http/domain-errors.ts answers each as the old service did.
import { DomainError } from '../domain-error.js'

/** The username and password do not match an active account (an unknown username and a wrong password look the same). */
export class BadCredentialsError extends DomainError {
  constructor () { super('bad credentials') }
}

/** The user has as many live tokens as they may have; no token was made. */
export class TokenLimitError extends DomainError {
  constructor (readonly limit: number) { super(`a user has at most ${limit} live tokens`) }
}

/**
 * Why a request did not authenticate: no credentials (no Authorization header,
 * or another scheme), a Token header without a token or with spaces in it, a
 * token that is not one of ours (or expired), or one whose user is inactive or gone.
 */
export type NotAuthenticatedReason = 'no-credentials' | 'no-token' | 'token-with-spaces' | 'invalid-token' | 'inactive-user'

export class NotAuthenticatedError extends DomainError {
  constructor (readonly reason: NotAuthenticatedReason) { super(`not authenticated: ${reason}`) }
}

/** Too many attempts under one key (a client address, a username) in the window; the next is possible in `waitMs`. */
export class ThrottledError extends DomainError {
  constructor (readonly waitMs: number) { super(`throttled for ${waitMs} ms`) }
}

/** The queue of password hashes is full, or a hash waited too long; worth trying again in `retryAfterSeconds`. */
export class PasswordsBusyError extends DomainError {
  constructor (readonly retryAfterSeconds: number) { super(`too many password checks in progress; try again in ${retryAfterSeconds} s`) }
}

/** The client went away before its password was hashed: nobody is left to answer. */
export class ClientGoneError extends DomainError {
  constructor () { super('the client went away') }
}
