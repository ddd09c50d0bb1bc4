// Reading a MyAnimeList upload, as a body parser reads a body: the file
// (decompressed, parsed: src/watchlists/mal.ts) becomes entry changes, each
// entry validated exactly as PUT /watchlists/:id/anime/:animeId validates the
// same fields (src/validation, against PUT's body schema EntryBody). An entry
// that fails is reported, with PUT's messages under the file's tag names, and
// not imported. The whole import is a worker thread's job
// (mal-import-worker.ts, run by MalImportRunner).
import type { EntryChange, EntryStatus, Watchlist } from './repository.js'
import type { MalImportOutcome, WatchlistsService } from './service.js'
import { malEntryBody, malTagOf, readMalEntries, uploadText, type MalUploadLimits } from './mal.js'
import type { FieldErrorBody } from '../errors.js'
import { EntryBody } from '../../schemas/watchlists.js'
import { messages, validateFields } from '../validation/index.js'

export interface MalUploadEntry {
  malId: number
  change: EntryChange
}

/** An entry of the file that was not imported: its position (from 1), its MyAnimeList id if it has a valid one, and why. */
export interface MalRejection {
  entry: number
  mal_id: number | null
  errors: FieldErrorBody
}

export interface MalUpload {
  entries: MalUploadEntry[]
  rejected: MalRejection[]
}

/** The MyAnimeList id of an entry, or the message for its <series_animedb_id>. */
function malIdOf (text: string): number | string {
  if (text === '') return messages.required
  if (!/^\d{1,9}$/.test(text)) return messages.integer
  return Number(text) === 0 ? messages.min(1) : Number(text)
}

export async function readMalUpload (upload: Uint8Array, limits: MalUploadLimits): Promise<MalUpload> {
  const file = await readMalEntries(await uploadText(upload, limits.maxBytes), limits.maxEntries)
  const entries: MalUploadEntry[] = []
  const rejected: MalRejection[] = []
  for (const [index, fileEntry] of file.entries()) {
    const malId = malIdOf(fileEntry.series_animedb_id)
    const outcome = await validateFields(EntryBody, malEntryBody(fileEntry))
    const errors: FieldErrorBody = typeof malId === 'string' ? { series_animedb_id: [malId] } : {}
    if (!outcome.ok) for (const [field, list] of Object.entries(outcome.errors)) errors[malTagOf[field] ?? field] = list
    if (typeof malId === 'string' || !outcome.ok) {
      rejected.push({ entry: index + 1, mal_id: typeof malId === 'number' ? malId : null, errors })
      continue
    }
    const values = outcome.values as { status: EntryStatus, rating: number | null, episodes_watched: number, note?: string }
    const change: EntryChange = { status: values.status, rating: values.rating, episodesWatched: values.episodes_watched }
    // No note in the file (or a blank one) keeps the note the list has.
    if (values.note !== undefined && values.note !== '') change.note = values.note
    entries.push({ malId, change })
  }
  return { entries, rejected }
}

/**
 * A whole MAL import: the upload read (above), its entries added to the list
 * (the service's importMal), the answer as JSON text. Run in the import's worker
 * thread (mal-import-worker.ts), or here where there is none.
 */
export async function importMalUpload (service: WatchlistsService, list: Watchlist, upload: Uint8Array, limits: MalUploadLimits): Promise<string> {
  return malImportReply(await service.importMal(list, await readMalUpload(upload, limits)))
}

/**
 * An import's outcome as the reply's JSON text (schemas/watchlists.ts, MalImportReply),
 * made where the import ran: a large reply crosses from the worker as text, never parsed again.
 */
export function malImportReply ({ added, updated, unmatched, rejected }: MalImportOutcome<MalRejection>): string {
  return JSON.stringify({ added, updated, unmatched: unmatched.length, unmatched_ids: unmatched, rejected })
}
