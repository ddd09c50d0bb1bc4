// The user store (PostgreSQL, or a SQLite file that cannot be written) cannot be
// reached, or did not answer in time: a domain error carrying why (for the log,
// never the client). The HTTP layer answers it 503 (src/http/domain-errors.ts)
// and the service keeps serving the catalogue; the next request tries again.
import { DomainError } from '../domain-error.js'

export class StoreUnavailableError extends DomainError {
  constructor (readonly reason: string) {
    super(reason)
  }
}

/** What /ready reports about the user store. */
export interface StoreHealth {
  ok: boolean
  backend: 'sqlite' | 'postgres'
  /** Why it is unavailable (no secrets: never the URL's password). */
  detail?: string
}
