// The user store (PostgreSQL) cannot be reached, or did not answer in time.
// Carries its own response: account routes answer 503 and the service keeps
// serving the catalogue; the next request tries again.
import { ApiError } from '../errors.js'

export const UNAVAILABLE_DETAIL = 'Service temporarily unavailable.'

export class StoreUnavailableError extends ApiError {
  constructor (readonly reason: string) {
    super(503, { detail: UNAVAILABLE_DETAIL })
    this.name = 'StoreUnavailableError'
  }
}

/** What /ready reports about the user store. */
export interface StoreHealth {
  ok: boolean
  backend: 'sqlite' | 'postgres'
  /** Why it is unavailable (no secrets: never the URL's password). */
  detail?: string
}
