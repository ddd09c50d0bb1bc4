// Rows as both stores keep them (src/storage/sqlite/, src/storage/postgres/) and
// the domain values they stand for: users, tokens, lists, entries; the ORDER BY
// of each entry ordering and an import folded onto the rows it touches. A flag
// is 0/1 on SQLite and a boolean on PostgreSQL.
import type { StoredToken, User } from '../accounts/repository.js'
import {
  entryDefaults, type EntryChange, type EntryFields, type EntryOrdering, type EntryStatus, type Watchlist, type WatchlistEntry
} from '../watchlists/repository.js'

const flag = (value: number | boolean): boolean => value === true || value === 1

export interface UserRow {
  id: number
  username: string
  email: string
  password: string
  is_active: number | boolean
  date_joined: number
  last_login: number | null
}

export interface TokenRow {
  digest: string
  token_key: string
  user_id: number
  created: number
  expiry: number | null
}

export const toUser = (row: UserRow): User => ({
  id: row.id,
  username: row.username,
  email: row.email,
  isActive: flag(row.is_active),
  dateJoined: row.date_joined,
  lastLogin: row.last_login
})

export const toToken = (row: TokenRow): StoredToken => ({
  digest: row.digest,
  tokenKey: row.token_key,
  userId: row.user_id,
  created: row.created,
  expiry: row.expiry
})

export interface ListRow {
  id: number
  user_id: number
  owner: string
  name: string
  public: number | boolean
  count: number
  created: number
  updated: number
}

export const toList = (row: ListRow): Watchlist => ({
  id: row.id,
  userId: row.user_id,
  owner: row.owner,
  name: row.name,
  public: flag(row.public),
  count: row.count,
  created: row.created,
  updated: row.updated
})

/** An entry row as both implementations store it. */
export interface EntryRow {
  anime_id: number
  status: EntryStatus
  rating: number | null
  episodes_watched: number
  note: string
  added: number
  updated: number
}

export const toEntry = (row: EntryRow): WatchlistEntry => ({
  animeId: row.anime_id,
  status: row.status,
  rating: row.rating,
  episodesWatched: row.episodes_watched,
  note: row.note,
  added: row.added,
  updated: row.updated
})

/** ORDER BY of each entry ordering; plain SQL both SQLite and PostgreSQL run. */
export const entryOrder: Record<EntryOrdering, string> = {
  added: 'added, anime_id',
  '-added': 'added DESC, anime_id DESC',
  rating: 'rating IS NULL, rating, added, anime_id',
  '-rating': 'rating IS NULL, rating DESC, added, anime_id'
}

/** A stored entry's fields; the defaults for one not stored. */
export const fieldsOf = (row: EntryRow | undefined): EntryFields => row === undefined
  ? { ...entryDefaults }
  : { status: row.status, rating: row.rating, episodesWatched: row.episodes_watched, note: row.note }

/**
 * An import's items folded onto the entries they touch (`existing`, the rows of
 * those anime already in the list), in order: a later item for the same anime
 * wins, fields an item leaves out keep their value. Each anime once, complete.
 */
export function foldImport (items: Array<{ animeId: number, change: EntryChange }>, existing: EntryRow[]): { rows: Array<{ animeId: number } & EntryFields>, added: number } {
  const stored = new Map(existing.map((row) => [row.anime_id, row]))
  const final = new Map<number, EntryFields>()
  for (const { animeId, change } of items) {
    let fields = final.get(animeId)
    if (fields === undefined) final.set(animeId, fields = fieldsOf(stored.get(animeId)))
    if (change.status !== undefined) fields.status = change.status
    if (change.rating !== undefined) fields.rating = change.rating
    if (change.episodesWatched !== undefined) fields.episodesWatched = change.episodesWatched
    if (change.note !== undefined) fields.note = change.note
  }
  let added = 0
  for (const animeId of final.keys()) if (!stored.has(animeId)) added++
  return { rows: [...final].map(([animeId, fields]) => ({ animeId, ...fields })), added }
}
