// The account endpoints: register, login, logout, logoutall. The body schemas
// are also the validators (src/validation reads their x- keywords).
import { Type } from '@sinclair/typebox'
import { USERNAME_PATTERN } from '../src/accounts/names.js'
import { ErrorDetail, Nullable, TextField } from './common.js'

export const USERNAME_MESSAGE = 'Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.'

const Username = TextField({
  description: 'Up to 150 letters, digits and @ . + - _; trimmed and NFKC-normalised; unique without regard to case.',
  maxLength: 150,
  pattern: USERNAME_PATTERN,
  'x-trim': true,
  'x-normalize': 'NFKC',
  'x-pattern-message': USERNAME_MESSAGE,
  examples: ['test']
})

const Email = TextField({
  description: 'An email address, up to 254 characters; trimmed; unique without regard to case.',
  format: 'email',
  maxLength: 254,
  'x-trim': true,
  examples: ['test@test.com']
})

export const Password = TextField({
  description: 'Up to 128 characters, taken exactly as sent (never trimmed).',
  maxLength: 128,
  examples: ['test']
})

export const RegisterBody = Type.Object({
  username: Username,
  email: Email,
  password: Password
}, { title: 'RegisterBody' })

export const LoginBody = Type.Object({
  username: TextField({ description: 'The username (any case).', 'x-trim': true, examples: ['test'] }),
  password: TextField({ description: 'Taken exactly as sent.', examples: ['test'] })
}, { title: 'LoginBody' })

export const AccountUser = Type.Object({
  id: Type.Integer({ examples: [18] }),
  username: Type.String({ examples: ['test'] }),
  email: Type.String({ examples: ['test@test.com'] })
}, { title: 'AccountUser' })

const Token = Type.String({
  description: 'A login token: 64 lowercase hex characters. Send it as `Authorization: Token <token>`.',
  pattern: '^[0-9a-f]{64}$',
  examples: ['22c1455447b5ee0310cab3f194e3f5559d06f95ec512df15f3751cd58c514d4f']
})

export const RegisterReply = Type.Object({
  user: AccountUser,
  token: Token
}, { title: 'RegisterReply' })

export const LoginReply = Type.Object({
  expiry: Nullable(Type.String({
    description: 'When the token expires: UTC, ISO 8601 with six fractional digits; null when tokens never expire.',
    examples: ['2021-01-07T03:46:41.006710Z']
  })),
  token: Token
}, { title: 'LoginReply' })

export const TokenLimitReached = Type.Object({
  error: Type.String({ examples: ['Maximum amount of tokens allowed per user exceeded.'] })
}, { title: 'TokenLimitReached' })

/** The answers every token-authenticated endpoint may give besides its own. */
export const authErrors = { 401: ErrorDetail }

/**
 * The answers of endpoints that check or hash a password: 429 from the login
 * throttle, 503 (with Retry-After) when too many password hashes are waiting.
 */
export const throttledErrors = { 429: ErrorDetail, 503: ErrorDetail }
