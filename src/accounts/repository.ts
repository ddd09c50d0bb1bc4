// Storage of accounts and tokens: the interface, which the SQLite and PostgreSQL
// implementations under src/storage/ both keep. It is async and small; each
// method that changes more than one row is one transaction.
import { DomainError } from '../domain-error.js'

export interface User {
  id: number
  username: string
  email: string
  isActive: boolean
  /** Milliseconds since the epoch. */
  dateJoined: number
  lastLogin: number | null
}

export interface UserWithPassword extends User {
  /** A self-describing hash string (see passwords.ts). */
  password: string
}

export interface StoredToken {
  /** SHA-512 of the token, hex. */
  digest: string
  /** The token's first 8 characters. */
  tokenKey: string
  userId: number
  created: number
  /** Milliseconds since the epoch; null: never expires. */
  expiry: number | null
}

export interface NewUser {
  /** Given for imported accounts, which keep their old ids. */
  id?: number
  username: string
  email: string
  password: string
  isActive?: boolean
  dateJoined: number
  lastLogin?: number | null
}

export interface Login {
  userId: number
  at: number
  token: StoredToken
  /** Live tokens a user may have; null: no limit. */
  tokenLimit: number | null
  /** A new hash of the password just verified, when the stored one is due an upgrade. */
  newPasswordHash?: string
}

export interface ImportOutcome {
  imported: number
  /** Records refused by the store (an id or username already taken), with why. */
  refused: Array<{ index: number, reason: string }>
  /** Records imported with a remark (an email shared with another account). */
  remarks: Array<{ index: number, remark: string }>
}

/** A username or email already belongs to another account. */
export class DuplicateAccountError extends DomainError {
  constructor (readonly field: 'username' | 'email') { super(`${field} already taken`) }
}

export interface AccountsRepository {
  userById (id: number): Promise<User | undefined>
  /** By username without regard to case (NFKC, case-folded). */
  userByUsername (username: string): Promise<UserWithPassword | undefined>
  usernameTaken (username: string): Promise<boolean>
  emailTaken (email: string): Promise<boolean>
  /** Creates the user, and with it a first token when given. */
  createUser (user: NewUser, token?: StoredToken): Promise<User>
  /** Stores the token of a successful login; false (nothing stored) when the user's token limit is reached. */
  recordLogin (login: Login): Promise<boolean>
  setActive (userId: number, active: boolean): Promise<boolean>
  /** Deletes the user, their tokens and their watchlists (all hang on the user: ON DELETE CASCADE). */
  deleteUser (userId: number): Promise<boolean>
  /** Sets a new password hash and deletes every token of the user but `keepDigest`, in one transaction. */
  changePassword (userId: number, passwordHash: string, keepDigest: string): Promise<void>
  listUsers (): Promise<Array<User & { tokens: number }>>
  tokensByKey (tokenKey: string): Promise<StoredToken[]>
  deleteToken (digest: string): Promise<void>
  deleteUserTokens (userId: number): Promise<number>
  setTokenExpiry (digest: string, expiry: number): Promise<void>
  /** Deletes the tokens expired at `now`; returns how many. */
  deleteExpiredTokens (now: number): Promise<number>
  /** Adds accounts of the old service in one transaction, skipping those that clash. */
  importUsers (users: Array<NewUser & { index: number }>): Promise<ImportOutcome>
  close (): Promise<void>
}
