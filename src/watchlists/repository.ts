// Storage of watchlists and their entries: the interface, which the SQLite and
// PostgreSQL implementations under src/storage/ both keep. Like
// AccountsRepository it is async and small; each method that changes more than
// one row is one transaction, but for an import on SQLite: short transactions of
// a slice each, undone together on a failure. Entries hold catalogue ids only:
// anime data comes from the catalogue, joined in JavaScript. Deleting a user
// deletes their lists.
import { DomainError } from '../domain-error.js'
import { usernameKey } from '../accounts/names.js'

export const entryStatuses = ['planned', 'watching', 'completed', 'paused', 'dropped'] as const
export type EntryStatus = typeof entryStatuses[number]

export interface Watchlist {
  id: number
  userId: number
  /** The owner's username. */
  owner: string
  name: string
  public: boolean
  /** Entries in the list. */
  count: number
  /** Milliseconds since the epoch. */
  created: number
  updated: number
}

export interface WatchlistEntry {
  animeId: number
  status: EntryStatus
  /** 1–10, or null when not rated. */
  rating: number | null
  episodesWatched: number
  note: string
  added: number
  updated: number
}

/** Fields to set on an entry; absent ones keep their value (or get the default on a new entry). */
export interface EntryChange {
  status?: EntryStatus
  rating?: number | null
  episodesWatched?: number
  note?: string
}

export const entryDefaults = { status: 'planned' as EntryStatus, rating: null, episodesWatched: 0, note: '' }

export type EntryOrdering = 'added' | '-added' | 'rating' | '-rating'

export interface EntryQuery {
  /** Any of these; all statuses when absent. */
  statuses?: EntryStatus[]
  ordering: EntryOrdering
  offset: number
  limit: number
}

/** A user's entry of one anime across all their lists, for recommendations. */
export interface RatedEntry {
  animeId: number
  status: EntryStatus
  rating: number | null
}

/** The name is taken by another list of the same user (without regard to case). */
export class DuplicateListNameError extends DomainError {
  constructor () { super('list name already taken') }
}

/** The user has `maxLists` lists already; no list was made. */
export class TooManyListsError extends DomainError {
  constructor (readonly maxLists: number) { super(`a user has at most ${maxLists} lists`) }
}

/**
 * The change would put more than `maxEntries` anime in the list; nothing was
 * changed. `wholeImport`: the change was an import, refused all of it.
 */
export class ListFullError extends DomainError {
  constructor (readonly maxEntries: number, readonly wholeImport = false) { super(`a list holds at most ${maxEntries} anime`) }
}

export interface WatchlistsRepository {
  /** The user's lists by name (case-insensitive), one page. */
  listsOf (userId: number, offset: number, limit: number): Promise<{ count: number, results: Watchlist[] }>
  list (id: number): Promise<Watchlist | undefined>
  /** Throws DuplicateListNameError, or TooManyListsError when the user has `maxLists` lists already. */
  createList (userId: number, fields: { name: string, public: boolean }, now: number, maxLists: number): Promise<Watchlist>
  /** Throws DuplicateListNameError; undefined when there is no such list. */
  updateList (id: number, fields: { name?: string, public?: boolean }, now: number): Promise<Watchlist | undefined>
  /** Deletes the list and its entries. */
  deleteList (id: number): Promise<boolean>
  /** Whether another list of the user (not `exceptId`) has this name without regard to case. */
  nameTaken (userId: number, name: string, exceptId?: number): Promise<boolean>
  entry (listId: number, animeId: number): Promise<WatchlistEntry | undefined>
  /** Adds or updates one entry; throws ListFullError when adding to a full list. */
  putEntry (listId: number, animeId: number, change: EntryChange, now: number, maxEntries: number): Promise<{ entry: WatchlistEntry, created: boolean }>
  deleteEntry (listId: number, animeId: number, now: number): Promise<boolean>
  /** One page of entries, ordered; rating orderings put unrated entries last. Ties: added, then anime id. */
  entries (listId: number, query: EntryQuery): Promise<{ count: number, results: WatchlistEntry[] }>
  /** Every entry of the list (at most the list limit), oldest first. */
  allEntries (listId: number, statuses?: EntryStatus[]): Promise<WatchlistEntry[]>
  /**
   * Adds or updates many entries, all or none (a later item for the same anime wins);
   * throws ListFullError, changing nothing, when the list would exceed `maxEntries`.
   */
  importEntries (listId: number, items: Array<{ animeId: number, change: EntryChange }>, now: number, maxEntries: number): Promise<{ added: number, updated: number }>
  /** The user's entries over all their lists, one per anime (the most recently updated). */
  ratedEntries (userId: number): Promise<RatedEntry[]>
}

/** Names are unique per user as usernames are: NFKC and case-folded. */
export const listNameKey = usernameKey

/** The keys of `change` whose value is not undefined (null is a value: it clears a rating). */
export function definedOnly (change: EntryChange): Partial<typeof entryDefaults> {
  return Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined)) as Partial<typeof entryDefaults>
}

/** An entry's fields, complete. */
export interface EntryFields { status: EntryStatus, rating: number | null, episodesWatched: number, note: string }
