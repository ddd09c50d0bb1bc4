// Reads that must agree with each other run in one read transaction.
import type { Db } from './db.js'

/** Wraps `fn` in a read transaction: its statements all see one snapshot of the catalogue. */
export const reader = (db: Db) => <A extends unknown[], R>(fn: (...args: A) => R) => {
  const transaction = db.transaction(fn)
  return (...args: A): R => transaction.deferred(...args)
}
