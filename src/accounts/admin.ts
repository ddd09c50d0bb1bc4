// Account administration apart from HTTP, for the `users` command line:
// the store itself, and creating an account under the register endpoint's rules.
import type { AppConfig } from '../config.js'
import { RegisterBody } from '../../schemas/account.js'
import { validateFields } from '../validation/index.js'
import type { FieldErrorBody } from '../errors.js'
import { normalizeEmail } from './names.js'
import { createHashQueue, createPasswordHasher, HASH_SLOTS, OWASP_SCRYPT, QUEUED_HASHES_PER_SLOT, type PasswordHasher } from './passwords.js'
import type { AccountsRepository, User } from './repository.js'
import { registrationChecks } from './service.js'
import { openUserStore, type StoreConfig, type UserStore } from '../storage/index.js'

export interface AccountsStore {
  repository: AccountsRepository
  hasher: PasswordHasher
  /** The backend behind the repository (src/storage): SQLite, or PostgreSQL when DATABASE_URL is set. */
  store: UserStore
}

type HasherConfig = Pick<AppConfig, 'passwordScryptN' | 'passwordHashQueue' | 'passwordHashTimeoutMs'>

/** The user store DATA_DIR or DATABASE_URL names, and a hasher at the configured cost whose queue has the configured bounds. */
export async function openAccountsStore (config: StoreConfig & HasherConfig, options?: Parameters<typeof openUserStore>[1]): Promise<AccountsStore> {
  const store = await openUserStore(config, options)
  const queue = createHashQueue({
    limit: config.passwordHashQueue === 'auto' ? QUEUED_HASHES_PER_SLOT * HASH_SLOTS : config.passwordHashQueue,
    maxWaitMs: config.passwordHashTimeoutMs
  })
  return {
    repository: store.accounts,
    hasher: createPasswordHasher({ ...OWASP_SCRYPT, N: config.passwordScryptN }, queue),
    store
  }
}

/** Creates an account with the same validation as POST /account/register; field errors otherwise. */
export async function createAccount (
  store: AccountsStore,
  input: { username: string, email: string, password: string },
  now: number
): Promise<{ user: User } | { errors: FieldErrorBody }> {
  const outcome = await validateFields<typeof input>(RegisterBody, input, registrationChecks(store.repository))
  if (!outcome.ok) return { errors: outcome.errors }
  const { username, email, password } = outcome.values
  const user = await store.repository.createUser({
    username,
    email: normalizeEmail(email),
    password: await store.hasher.hash(password),
    dateJoined: now
  })
  return { user }
}
