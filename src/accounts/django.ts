// Users of the old Django deployment, from `manage.py dumpdata auth.user`
// (a JSON list of {model, pk, fields: {username, email, password, is_active,
// date_joined, last_login, ...}}). They keep their ids, usernames, emails,
// active flags and password hashes, so they log in with their old passwords
// (re-hashed to scrypt on their first login). A bad record is reported and
// skipped; the good ones go in together in one transaction, or none do.
import { isSupportedHash, isUnusableHash } from './passwords.js'
import { normalizeUsername, usernamePattern } from './names.js'
import type { AccountsRepository, NewUser } from './repository.js'

export class NotDjangoDumpError extends Error {
  constructor (message: string) {
    super(`not a Django auth.user dump: ${message}`)
    this.name = 'NotDjangoDumpError'
  }
}

export interface DjangoImportReport {
  /** auth.user records in the file. */
  users: number
  imported: number
  /** Records of other models, left alone. */
  ignored: number
  skipped: Array<{ index: number, reason: string }>
  remarks: Array<{ index: number, remark: string }>
}

class BadRecord extends Error {}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

function timestamp (value: unknown, name: string): number | null {
  if (value === null || value === undefined) return null
  const ms = typeof value === 'string' ? Date.parse(value) : NaN
  if (Number.isNaN(ms)) throw new BadRecord(`"${name}" is not a date`)
  return ms
}

/** One auth.user record as a new account, or BadRecord with why. */
function toNewUser (record: Record<string, unknown>, now: number): NewUser {
  const pk = record.pk
  if (typeof pk !== 'number' || !Number.isSafeInteger(pk) || pk < 1) throw new BadRecord('"pk" is not a positive whole number')
  const fields = record.fields
  if (!isObject(fields)) throw new BadRecord('no "fields" object')
  if (typeof fields.username !== 'string') throw new BadRecord('"username" is not a string')
  const username = normalizeUsername(fields.username.trim())
  if (username === '' || [...username].length > 150 || !usernamePattern.test(username)) {
    throw new BadRecord(`username "${fields.username}" is not a valid username`)
  }
  const email = fields.email ?? ''
  if (typeof email !== 'string' || [...email].length > 254) throw new BadRecord('"email" is not a string of at most 254 characters')
  const password = fields.password
  if (typeof password !== 'string' || !(isSupportedHash(password) || isUnusableHash(password))) {
    const algorithm = typeof password === 'string' ? password.split('$')[0] : typeof password
    throw new BadRecord(`unsupported password hash "${algorithm}" (pbkdf2_sha256, pbkdf2_sha1 and scrypt are understood)`)
  }
  const isActive = fields.is_active ?? true
  if (typeof isActive !== 'boolean') throw new BadRecord('"is_active" is not true or false')
  return {
    id: pk,
    username,
    email: email.trim(),
    password,
    isActive,
    dateJoined: timestamp(fields.date_joined, 'date_joined') ?? now,
    lastLogin: timestamp(fields.last_login, 'last_login')
  }
}

export function parseDjangoDump (text: string, now: number): { users: Array<NewUser & { index: number }>, report: DjangoImportReport } {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw new NotDjangoDumpError(`invalid JSON (${(error as Error).message})`)
  }
  if (!Array.isArray(data)) throw new NotDjangoDumpError('expected a JSON list of records')
  const report: DjangoImportReport = { users: 0, imported: 0, ignored: 0, skipped: [], remarks: [] }
  const users: Array<NewUser & { index: number }> = []
  data.forEach((record: unknown, index) => {
    if (!isObject(record) || record.model !== 'auth.user') {
      if (isObject(record) && typeof record.model === 'string') { report.ignored++; return }
      report.users++
      report.skipped.push({ index, reason: 'not a record with a "model"' })
      return
    }
    report.users++
    try {
      users.push({ ...toNewUser(record, now), index })
    } catch (error) {
      if (!(error instanceof BadRecord)) throw error
      report.skipped.push({ index, reason: error.message })
    }
  })
  return { users, report }
}

export async function importDjangoUsers (repository: AccountsRepository, text: string, now: number): Promise<DjangoImportReport> {
  const { users, report } = parseDjangoDump(text, now)
  const outcome = await repository.importUsers(users)
  report.imported = outcome.imported
  report.skipped.push(...outcome.refused)
  report.skipped.sort((a, b) => a.index - b.index)
  report.remarks = outcome.remarks
  return report
}
