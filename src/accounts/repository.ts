// Storage of accounts and tokens. The interface is async and small so that a
// PostgreSQL implementation can take the SQLite one's place; each method that
// changes more than one row is one transaction.
import type { AccountsDb } from './db.js'
import { emailKey, usernameKey } from './names.js'

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
export class DuplicateAccountError extends Error {
  constructor (readonly field: 'username' | 'email') {
    super(`${field} already taken`)
    this.name = 'DuplicateAccountError'
  }
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

interface UserRow {
  id: number
  username: string
  email: string
  password: string
  is_active: number
  date_joined: number
  last_login: number | null
}

interface TokenRow {
  digest: string
  token_key: string
  user_id: number
  created: number
  expiry: number | null
}

const toUser = (row: UserRow): User => ({
  id: row.id,
  username: row.username,
  email: row.email,
  isActive: row.is_active === 1,
  dateJoined: row.date_joined,
  lastLogin: row.last_login
})

const isUniqueViolation = (error: unknown): boolean =>
  (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' ||
  (error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY'

export function createSqliteAccounts (db: AccountsDb): AccountsRepository {
  const userColumns = 'id, username, email, password, is_active, date_joined, last_login'
  const byId = db.prepare(`SELECT ${userColumns} FROM users WHERE id = ?`)
  const byUsernameKey = db.prepare(`SELECT ${userColumns} FROM users WHERE username_key = ?`)
  const usernameKeyExists = db.prepare('SELECT 1 FROM users WHERE username_key = ?').pluck()
  const emailKeyExists = db.prepare('SELECT 1 FROM users WHERE email_key = ?').pluck()
  const insertUser = db.prepare(`
    INSERT INTO users (id, username, username_key, email, email_key, password, is_active, date_joined, last_login)
    VALUES (@id, @username, @usernameKey, @email, @emailKey, @password, @isActive, @dateJoined, @lastLogin)`)
  const insertToken = db.prepare(`
    INSERT INTO tokens (digest, token_key, user_id, created, expiry)
    VALUES (@digest, @tokenKey, @userId, @created, @expiry)`)
  const liveTokenCount = db.prepare('SELECT count(*) FROM tokens WHERE user_id = ? AND (expiry IS NULL OR expiry > ?)').pluck()
  const updateLastLogin = db.prepare('UPDATE users SET last_login = ? WHERE id = ?')
  const updatePassword = db.prepare('UPDATE users SET password = ? WHERE id = ?')
  const updateActive = db.prepare('UPDATE users SET is_active = ? WHERE id = ?')
  const deleteUserRow = db.prepare('DELETE FROM users WHERE id = ?')
  const allUsers = db.prepare(`
    SELECT ${userColumns}, (SELECT count(*) FROM tokens WHERE user_id = users.id) AS tokens
    FROM users ORDER BY id`)
  const tokensWithKey = db.prepare(`
    SELECT digest, token_key, user_id, created, expiry FROM tokens WHERE token_key = ?`)
  const deleteTokenRow = db.prepare('DELETE FROM tokens WHERE digest = ?')
  const deleteTokensOfUser = db.prepare('DELETE FROM tokens WHERE user_id = ?')
  const deleteOtherTokens = db.prepare('DELETE FROM tokens WHERE user_id = ? AND digest <> ?')
  const updateExpiry = db.prepare('UPDATE tokens SET expiry = ? WHERE digest = ?')
  const deleteExpired = db.prepare('DELETE FROM tokens WHERE expiry IS NOT NULL AND expiry <= ?')

  const userParams = (user: NewUser, emailKeyValue: string | null) => ({
    id: user.id ?? null,
    username: user.username,
    usernameKey: usernameKey(user.username),
    email: user.email,
    emailKey: emailKeyValue,
    password: user.password,
    isActive: user.isActive === false ? 0 : 1,
    dateJoined: user.dateJoined,
    lastLogin: user.lastLogin ?? null
  })

  const create = db.transaction((user: NewUser, token: StoredToken | undefined): User => {
    // Checked first to name the field; the UNIQUE constraints remain the guarantee.
    if (usernameKeyExists.get(usernameKey(user.username)) !== undefined) throw new DuplicateAccountError('username')
    const key = emailKey(user.email)
    if (key !== null && emailKeyExists.get(key) !== undefined) throw new DuplicateAccountError('email')
    const id = Number(insertUser.run(userParams(user, key)).lastInsertRowid)
    if (token !== undefined) insertToken.run({ ...token, userId: id })
    return toUser(byId.get(id) as UserRow)
  })

  const login = db.transaction((entry: Login): boolean => {
    if (entry.tokenLimit !== null && (liveTokenCount.get(entry.userId, entry.at) as number) >= entry.tokenLimit) return false
    if (entry.newPasswordHash !== undefined) updatePassword.run(entry.newPasswordHash, entry.userId)
    updateLastLogin.run(entry.at, entry.userId)
    insertToken.run(entry.token)
    return true
  })

  const importAll = db.transaction((users: Array<NewUser & { index: number }>): ImportOutcome => {
    const outcome: ImportOutcome = { imported: 0, refused: [], remarks: [] }
    for (const user of users) {
      if (user.id !== undefined && byId.get(user.id) !== undefined) {
        outcome.refused.push({ index: user.index, reason: `id ${user.id} is already taken` })
        continue
      }
      if (usernameKeyExists.get(usernameKey(user.username)) !== undefined) {
        outcome.refused.push({ index: user.index, reason: `username "${user.username}" is already taken (usernames are unique without regard to case)` })
        continue
      }
      let key = emailKey(user.email)
      if (key !== null && emailKeyExists.get(key) !== undefined) {
        outcome.remarks.push({ index: user.index, remark: `email "${user.email}" is shared with another account; imported, but it does not reserve the email` })
        key = null
      }
      insertUser.run(userParams(user, key))
      outcome.imported++
    }
    return outcome
  })

  return {
    async userById (id) {
      const row = byId.get(id) as UserRow | undefined
      return row === undefined ? undefined : toUser(row)
    },
    async userByUsername (username) {
      const row = byUsernameKey.get(usernameKey(username)) as UserRow | undefined
      return row === undefined ? undefined : { ...toUser(row), password: row.password }
    },
    async usernameTaken (username) {
      return usernameKeyExists.get(usernameKey(username)) !== undefined
    },
    async emailTaken (email) {
      const key = emailKey(email)
      return key !== null && emailKeyExists.get(key) !== undefined
    },
    async createUser (user, token) {
      try {
        return create.immediate(user, token)
      } catch (error) {
        if (error instanceof DuplicateAccountError || !isUniqueViolation(error)) throw error
        throw new DuplicateAccountError(String((error as Error).message).includes('email') ? 'email' : 'username')
      }
    },
    async recordLogin (entry) {
      return login.immediate(entry)
    },
    async setActive (userId, active) {
      return updateActive.run(active ? 1 : 0, userId).changes > 0
    },
    async deleteUser (userId) {
      return deleteUserRow.run(userId).changes > 0
    },
    async changePassword (userId, passwordHash, keepDigest) {
      db.transaction(() => {
        updatePassword.run(passwordHash, userId)
        deleteOtherTokens.run(userId, keepDigest)
      }).immediate()
    },
    async listUsers () {
      return (allUsers.all() as Array<UserRow & { tokens: number }>).map((row) => ({ ...toUser(row), tokens: row.tokens }))
    },
    async tokensByKey (tokenKey) {
      return (tokensWithKey.all(tokenKey) as TokenRow[]).map((row) => ({
        digest: row.digest,
        tokenKey: row.token_key,
        userId: row.user_id,
        created: row.created,
        expiry: row.expiry
      }))
    },
    async deleteToken (digest) {
      deleteTokenRow.run(digest)
    },
    async deleteUserTokens (userId) {
      return deleteTokensOfUser.run(userId).changes
    },
    async setTokenExpiry (digest, expiry) {
      updateExpiry.run(expiry, digest)
    },
    async deleteExpiredTokens (now) {
      return deleteExpired.run(now).changes
    },
    async importUsers (users) {
      return importAll.immediate(users)
    },
    async close () {
      db.close()
    }
  }
}
