// AccountsRepository on PostgreSQL: the same behaviour as the SQLite one in
// src/storage/sqlite/accounts.ts. Usernames and emails are unique by their keys
// through unique indexes: a registration inserts and, when another instance
// got there first, the unique violation (SQLSTATE 23505) names the field.
import { emailKey, usernameKey } from '../../accounts/names.js'
import {
  DuplicateAccountError,
  type AccountsRepository, type ImportOutcome, type NewUser, type StoredToken, type UserWithPassword
} from '../../accounts/repository.js'
import { toToken, toUser, type TokenRow, type UserRow } from '../rows.js'
import type { PgDatabase, Queryable } from './database.js'

const userColumns = 'id, username, email, password, is_active, date_joined, last_login'

/** The unique index a 23505 error is about, or undefined for other errors. */
export function uniqueViolation (error: unknown): string | undefined {
  const { code, constraint } = error as { code?: string, constraint?: string }
  return code === '23505' ? (constraint ?? '') : undefined
}

const insertUserSql = `
  INSERT INTO users (id, username, username_key, email, email_key, password, is_active, date_joined, last_login)
  VALUES (COALESCE($1, nextval(pg_get_serial_sequence('users', 'id'))), $2, $3, $4, $5, $6, $7, $8, $9)
  RETURNING ${userColumns}`

const userValues = (user: NewUser, emailKeyValue: string | null): unknown[] => [
  user.id ?? null,
  user.username,
  usernameKey(user.username),
  user.email,
  emailKeyValue,
  user.password,
  user.isActive !== false,
  user.dateJoined,
  user.lastLogin ?? null
]

const insertTokenSql = 'INSERT INTO tokens (digest, token_key, user_id, created, expiry) VALUES ($1, $2, $3, $4, $5)'
const tokenValues = (token: StoredToken): unknown[] => [token.digest, token.tokenKey, token.userId, token.created, token.expiry]

/**
 * After rows were inserted with ids of their own: moves the id sequence past the
 * largest id, never back (an id is never given again, as with SQLite's AUTOINCREMENT).
 */
export async function advanceUserIdSequence (client: Queryable, atLeast = 0): Promise<void> {
  await client.query(`
    SELECT setval(pg_get_serial_sequence('users', 'id'), target)
    FROM (SELECT GREATEST((SELECT max(id) FROM users), $1::bigint) AS target) AS wanted,
         (SELECT last_value, is_called FROM users_id_seq) AS current
    WHERE target IS NOT NULL AND target > 0 AND (target > current.last_value OR NOT current.is_called)`, [atLeast])
}

export function createPostgresAccounts (db: PgDatabase): AccountsRepository {
  return {
    async userById (id) {
      const { rows } = await db.query<UserRow>(`SELECT ${userColumns} FROM users WHERE id = $1`, [id])
      return rows[0] === undefined ? undefined : toUser(rows[0])
    },
    async userByUsername (username): Promise<UserWithPassword | undefined> {
      const { rows } = await db.query<UserRow>(`SELECT ${userColumns} FROM users WHERE username_key = $1`, [usernameKey(username)])
      return rows[0] === undefined ? undefined : { ...toUser(rows[0]), password: rows[0].password }
    },
    async usernameTaken (username) {
      const { rowCount } = await db.query('SELECT 1 FROM users WHERE username_key = $1', [usernameKey(username)])
      return (rowCount ?? 0) > 0
    },
    async emailTaken (email) {
      const key = emailKey(email)
      if (key === null) return false
      const { rowCount } = await db.query('SELECT 1 FROM users WHERE email_key = $1', [key])
      return (rowCount ?? 0) > 0
    },
    async createUser (user, token) {
      try {
        return await db.transaction(async (client) => {
          const { rows } = await client.query<UserRow>(insertUserSql, userValues(user, emailKey(user.email)))
          const created = rows[0]!
          if (token !== undefined) await client.query(insertTokenSql, tokenValues({ ...token, userId: created.id }))
          if (user.id !== undefined) await advanceUserIdSequence(client)
          return toUser(created)
        })
      } catch (error) {
        const index = uniqueViolation(error)
        if (index === undefined) throw error
        throw new DuplicateAccountError(index.includes('email') ? 'email' : 'username')
      }
    },
    async recordLogin (entry) {
      return db.transaction(async (client) => {
        // The user's row lock serialises concurrent logins of one user, so the token limit holds.
        await client.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [entry.userId])
        if (entry.tokenLimit !== null) {
          const { rows } = await client.query<{ count: number }>(
            'SELECT count(*) AS count FROM tokens WHERE user_id = $1 AND (expiry IS NULL OR expiry > $2)', [entry.userId, entry.at])
          if (rows[0]!.count >= entry.tokenLimit) return false
        }
        if (entry.newPasswordHash !== undefined) await client.query('UPDATE users SET password = $1 WHERE id = $2', [entry.newPasswordHash, entry.userId])
        await client.query('UPDATE users SET last_login = $1 WHERE id = $2', [entry.at, entry.userId])
        await client.query(insertTokenSql, tokenValues(entry.token))
        return true
      })
    },
    async setActive (userId, active) {
      const { rowCount } = await db.query('UPDATE users SET is_active = $1 WHERE id = $2', [active, userId])
      return (rowCount ?? 0) > 0
    },
    async deleteUser (userId) {
      const { rowCount } = await db.query('DELETE FROM users WHERE id = $1', [userId])
      return (rowCount ?? 0) > 0
    },
    async changePassword (userId, passwordHash, keepDigest) {
      await db.transaction(async (client) => {
        await client.query('UPDATE users SET password = $1 WHERE id = $2', [passwordHash, userId])
        await client.query('DELETE FROM tokens WHERE user_id = $1 AND digest <> $2', [userId, keepDigest])
      })
    },
    async listUsers () {
      const { rows } = await db.query<UserRow & { tokens: number }>(`
        SELECT ${userColumns}, (SELECT count(*) FROM tokens WHERE user_id = users.id) AS tokens
        FROM users ORDER BY id`)
      return rows.map((row) => ({ ...toUser(row), tokens: row.tokens }))
    },
    async tokensByKey (tokenKey) {
      const { rows } = await db.query<TokenRow>('SELECT digest, token_key, user_id, created, expiry FROM tokens WHERE token_key = $1', [tokenKey])
      return rows.map(toToken)
    },
    async deleteToken (digest) {
      await db.query('DELETE FROM tokens WHERE digest = $1', [digest])
    },
    async deleteUserTokens (userId) {
      const { rowCount } = await db.query('DELETE FROM tokens WHERE user_id = $1', [userId])
      return rowCount ?? 0
    },
    async setTokenExpiry (digest, expiry) {
      await db.query('UPDATE tokens SET expiry = $1 WHERE digest = $2', [expiry, digest])
    },
    async deleteExpiredTokens (now) {
      const { rowCount } = await db.query('DELETE FROM tokens WHERE expiry IS NOT NULL AND expiry <= $1', [now])
      return rowCount ?? 0
    },
    async importUsers (users) {
      return db.transaction(async (client): Promise<ImportOutcome> => {
        // Nobody registers in between: the table lock makes the checks below hold until commit.
        await client.query('LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE')
        const outcome: ImportOutcome = { imported: 0, refused: [], remarks: [] }
        for (const user of users) {
          if (user.id !== undefined && ((await client.query('SELECT 1 FROM users WHERE id = $1', [user.id])).rowCount ?? 0) > 0) {
            outcome.refused.push({ index: user.index, reason: `id ${user.id} is already taken` })
            continue
          }
          if (((await client.query('SELECT 1 FROM users WHERE username_key = $1', [usernameKey(user.username)])).rowCount ?? 0) > 0) {
            outcome.refused.push({ index: user.index, reason: `username "${user.username}" is already taken (usernames are unique without regard to case)` })
            continue
          }
          let key = emailKey(user.email)
          if (key !== null && ((await client.query('SELECT 1 FROM users WHERE email_key = $1', [key])).rowCount ?? 0) > 0) {
            outcome.remarks.push({ index: user.index, remark: `email "${user.email}" is shared with another account; imported, but it does not reserve the email` })
            key = null
          }
          await client.query(insertUserSql, userValues(user, key))
          outcome.imported++
        }
        await advanceUserIdSequence(client)
        return outcome
      })
    },
    async close () {
      await db.close()
    }
  }
}
