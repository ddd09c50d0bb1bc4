// AccountsRepository (src/accounts/repository.ts) on the accounts SQLite file.
// Usernames and emails are unique by their keys (src/accounts/names.ts) through
// UNIQUE constraints; a registration checks first only to name the field.
import { emailKey, usernameKey } from '../../accounts/names.js'
import {
  DuplicateAccountError,
  type AccountsRepository, type ImportOutcome, type Login, type NewUser, type StoredToken, type User
} from '../../accounts/repository.js'
import { toToken, toUser, type TokenRow, type UserRow } from '../rows.js'
import type { AccountsDb } from './database.js'

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
      return (tokensWithKey.all(tokenKey) as TokenRow[]).map(toToken)
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
