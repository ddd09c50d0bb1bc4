// The one validation of a watchlist entry's fields, however they come in: the
// body of PUT /watchlists/:id/anime/:animeId and each entry of a MyAnimeList
// import (read in a worker thread, src/watchlists/mal-upload.ts) both go through
// validateEntryBody, against the PUT body's schema. Whatever changes how bodies
// are validated (the schema, the messages, the validator) changes it here, for both.
import { EntryBody } from '../../schemas/watchlists.js'
import type { FieldErrorBody } from '../errors.js'
import { fieldValidation } from './fields.js'
import { validateTypedFields } from './typed-fields.js'

export type EntryBodyOutcome = { ok: true, values: Record<string, unknown> } | { ok: false, errors: FieldErrorBody }

/** The cleaned fields of an entry body (trimmed note, whole numbers), or a message list per failing field. */
export function validateEntryBody (body: Record<string, unknown>): Promise<EntryBodyOutcome> {
  return validateTypedFields(EntryBody, body, {})
}

/** Route options for PUT's body: validateEntryBody, with fieldValidation's 400 and cleaned body. */
export const entryBodyValidation = fieldValidation(EntryBody, {}, async (_schema, body) => validateEntryBody(body))
