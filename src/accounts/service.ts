// What the account endpoints do, apart from HTTP: register, log in, check a
// token, log out. Rules are the old service's (docs/compatibility.md) (knox's
// behaviour, with its fixes). Answers are domain values; failures are the
// errors of errors.ts and DuplicateAccountError, which the routes answer
// (src/http/domain-errors.ts).
import { StoreUnavailableError } from '../storage/errors.js'
import { BadCredentialsError, NotAuthenticatedError, TokenLimitError } from './errors.js'
import { normalizeEmail, usernameKey } from './names.js'
import type { PasswordHasher } from './passwords.js'
import type { AccountsRepository, StoredToken, User, UserWithPassword } from './repository.js'
import type { Throttle } from './throttle.js'
import { isWellFormedToken, newToken, parseAuthorization, sameDigest, tokenDigest, tokenKey } from './tokens.js'

export interface TokenPolicy {
  /** Token lifetime; null: tokens never expire. */
  tokenTtlMs: number | null
  tokenAutoRefresh: boolean
  tokenLimit: number | null
  now: () => number
}

/** knox's MIN_REFRESH_INTERVAL: an auto-refreshed expiry is written at most once a minute. */
const MIN_REFRESH_MS = 60_000

/** The registration checks' findings, worded as the old service's field errors (the register endpoint's and the users command line's). */
export const messages = {
  usernameTaken: 'A user with that username already exists.',
  emailTaken: 'A user with that email already exists.'
}

/**
 * A write that reading a token makes on the side (forgetting an expired token, moving
 * an expiry on): when the store cannot take it (a full disk), the read is answered anyway.
 */
const housekeeping = (write: Promise<void>): Promise<void> =>
  write.catch((error: unknown) => { if (!(error instanceof StoreUnavailableError)) throw error })

export interface Registration { username: string, email: string, password: string }
export interface Credentials { username: string, password: string }

/** The user and token a request authenticated with. */
export interface Authenticated {
  user: User
  tokenDigest: string
}

export interface AccountsServiceDeps {
  repository: AccountsRepository
  hasher: PasswordHasher
  throttle: Throttle
  policy: TokenPolicy
}

export type AccountsService = ReturnType<typeof createAccountsService>

/** Uniqueness checks of a registration, run with its field validation so all errors come together. */
export const registrationChecks = (repository: AccountsRepository) => ({
  username: async (username: string) => (await repository.usernameTaken(username)) ? messages.usernameTaken : undefined,
  email: async (email: string) => (await repository.emailTaken(email)) ? messages.emailTaken : undefined
})

export function createAccountsService ({ repository, hasher, throttle, policy }: AccountsServiceDeps) {
  const issueToken = (userId: number, now: number): { token: string, stored: StoredToken } => {
    const token = newToken()
    const expiry = policy.tokenTtlMs === null ? null : now + policy.tokenTtlMs
    return { token, stored: { digest: tokenDigest(token), tokenKey: tokenKey(token), userId, created: now, expiry } }
  }

  /**
   * The user whose password this is, or undefined. A failed login is reserved
   * with the throttle before the hash is computed (ThrottledError when the username has
   * none left), and given back when the password was right. `signal`: the client
   * went away; a hash still waiting for its turn is dropped, and nothing counts.
   */
  const checkedPassword = async (username: string, password: string, signal?: AbortSignal): Promise<UserWithPassword | undefined> => {
    const attempt = await throttle.reserveLogin(usernameKey(username))
    let failed = false
    try {
      const user = await repository.userByUsername(username)
      const valid = user === undefined ? await hasher.verifyNobody(password, signal) : await hasher.verify(password, user.password, signal)
      failed = !valid
      return valid ? user : undefined
    } finally {
      // Given back also when no answer came (the store failed, the hash was refused):
      // nothing was guessed. When it cannot be given back, it counts: the safe side.
      if (!failed) await attempt.release().catch(() => {})
    }
  }

  return {
    throttle,

    registerChecks: registrationChecks(repository),

    /**
     * Creates an account and its first token. The body is validated already;
     * DuplicateAccountError when the username or email was taken while the password was hashing.
     */
    async register ({ username, email, password }: Registration, signal?: AbortSignal): Promise<{ user: User, token: string }> {
      const passwordHash = await hasher.hash(password, signal)
      const now = policy.now()
      const { token, stored } = issueToken(0, now)
      const user = await repository.createUser({ username, email: normalizeEmail(email), password: passwordHash, dateJoined: now }, stored)
      return { user, token }
    },

    /** Checks the password and issues a new token. Unknown usernames cost the same as wrong passwords. */
    async login ({ username, password }: Credentials, signal?: AbortSignal): Promise<{ token: string, expiry: number | null }> {
      const user = await checkedPassword(username, password, signal)
      if (user === undefined || !user.isActive) throw new BadCredentialsError()
      const newPasswordHash = hasher.needsRehash(user.password) ? await hasher.hash(password, signal) : undefined
      const now = policy.now()
      const { token, stored } = issueToken(user.id, now)
      const recorded = await repository.recordLogin({ userId: user.id, at: now, token: stored, tokenLimit: policy.tokenLimit, newPasswordHash })
      if (!recorded) throw new TokenLimitError(policy.tokenLimit!)
      return { token, expiry: stored.expiry }
    },

    /** The user behind an `Authorization: Token …` header; NotAuthenticatedError saying why not, as knox told. */
    async authenticate (header: string | undefined): Promise<Authenticated> {
      const parsed = parseAuthorization(header)
      if (parsed.kind === 'none') throw new NotAuthenticatedError('no-credentials')
      if (parsed.kind === 'malformed') throw new NotAuthenticatedError(parsed.problem)
      if (!isWellFormedToken(parsed.token)) throw new NotAuthenticatedError('invalid-token')
      const digest = tokenDigest(parsed.token)
      const now = policy.now()
      for (const candidate of await repository.tokensByKey(tokenKey(parsed.token))) {
        if (candidate.expiry !== null && candidate.expiry <= now) {
          await housekeeping(repository.deleteToken(candidate.digest))
          continue
        }
        if (!sameDigest(digest, candidate.digest)) continue
        if (policy.tokenAutoRefresh && policy.tokenTtlMs !== null && candidate.expiry !== null &&
            now + policy.tokenTtlMs - candidate.expiry > MIN_REFRESH_MS) {
          await housekeeping(repository.setTokenExpiry(candidate.digest, now + policy.tokenTtlMs))
        }
        const user = await repository.userById(candidate.userId)
        if (user === undefined || !user.isActive) throw new NotAuthenticatedError('inactive-user')
        return { user, tokenDigest: candidate.digest }
      }
      throw new NotAuthenticatedError('invalid-token')
    },

    async logout (auth: Authenticated): Promise<void> {
      await repository.deleteToken(auth.tokenDigest)
    },

    async logoutAll (auth: Authenticated): Promise<void> {
      await repository.deleteUserTokens(auth.user.id)
    },

    /**
     * Whether `password` is the caller's (self-service: deleting the account, changing the password).
     * Failures count against the username's login throttle, so a stolen token cannot guess the password.
     */
    async checkPassword (auth: Authenticated, password: string, signal?: AbortSignal): Promise<boolean> {
      const user = await checkedPassword(auth.user.username, password, signal)
      return user !== undefined && user.id === auth.user.id
    },

    /** Deletes the caller's account with its tokens and watchlists. */
    async deleteAccount (auth: Authenticated): Promise<void> {
      await repository.deleteUser(auth.user.id)
    },

    /** Sets a new password and ends every other token of the caller. */
    async changePassword (auth: Authenticated, newPassword: string, signal?: AbortSignal): Promise<void> {
      await repository.changePassword(auth.user.id, await hasher.hash(newPassword, signal), auth.tokenDigest)
    },

    /** Deletes expired tokens and forgets old attempts; run now and then. */
    async sweep (): Promise<number> {
      await throttle.prune()
      return repository.deleteExpiredTokens(policy.now())
    }
  }
}
