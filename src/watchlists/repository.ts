// Storage of watchlists and their entries, in the accounts file (migration 2 of
// src/accounts/db.ts). Like AccountsRepository the interface is async and small,
// so that a PostgreSQL implementation can take the SQLite one's place; each
// method that changes more than one row is one transaction, but for an import
// on SQLite: short transactions of a slice each, undone together on a failure. Entries hold
// catalogue ids only: anime data comes from the catalogue, joined in JavaScript.
// Deleting a user deletes their lists (ON DELETE CASCADE from users).
import { setImmediate } from 'node:timers/promises'
import type { AccountsDb } from '../accounts/db.js'
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
export class DuplicateListNameError extends Error {
  constructor () {
    super('list name already taken')
    this.name = 'DuplicateListNameError'
  }
}

/** The user has `maxLists` lists already; no list was made. */
export class TooManyListsError extends Error {
  constructor (readonly maxLists: number) {
    super(`a user has at most ${maxLists} lists`)
    this.name = 'TooManyListsError'
  }
}

/** The change would put more than `maxEntries` anime in the list; nothing was changed. */
export class ListFullError extends Error {
  constructor (readonly maxEntries: number) {
    super(`a list holds at most ${maxEntries} anime`)
    this.name = 'ListFullError'
  }
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

interface ListRow {
  id: number
  user_id: number
  owner: string
  name: string
  public: number
  count: number
  created: number
  updated: number
}

/** An entry row as both implementations store it (src/storage/postgres/watchlists.ts may share it). */
export interface EntryRow {
  anime_id: number
  status: EntryStatus
  rating: number | null
  episodes_watched: number
  note: string
  added: number
  updated: number
}

const toList = (row: ListRow): Watchlist => ({
  id: row.id,
  userId: row.user_id,
  owner: row.owner,
  name: row.name,
  public: row.public === 1,
  count: row.count,
  created: row.created,
  updated: row.updated
})

export const toEntry = (row: EntryRow): WatchlistEntry => ({
  animeId: row.anime_id,
  status: row.status,
  rating: row.rating,
  episodesWatched: row.episodes_watched,
  note: row.note,
  added: row.added,
  updated: row.updated
})

/** Names are unique per user as usernames are: NFKC and case-folded. */
export const listNameKey = usernameKey

const isUniqueViolation = (error: unknown): boolean => (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE'

/** ORDER BY of each entry ordering; plain SQL both SQLite and PostgreSQL run. */
export const entryOrder: Record<EntryOrdering, string> = {
  added: 'added, anime_id',
  '-added': 'added DESC, anime_id DESC',
  rating: 'rating IS NULL, rating, added, anime_id',
  '-rating': 'rating IS NULL, rating DESC, added, anime_id'
}

export function createSqliteWatchlists (db: AccountsDb): WatchlistsRepository {
  const listColumns = `w.id, w.user_id, u.username AS owner, w.name, w.public, w.created, w.updated,
    (SELECT count(*) FROM watchlist_entries e WHERE e.watchlist_id = w.id) AS count`
  const listById = db.prepare(`SELECT ${listColumns} FROM watchlists w JOIN users u ON u.id = w.user_id WHERE w.id = ?`)
  const listsOfUser = db.prepare(`SELECT ${listColumns} FROM watchlists w JOIN users u ON u.id = w.user_id
    WHERE w.user_id = ? ORDER BY w.name_key, w.id LIMIT ? OFFSET ?`)
  const listCount = db.prepare('SELECT count(*) FROM watchlists WHERE user_id = ?').pluck()
  const nameKeyOwner = db.prepare('SELECT id FROM watchlists WHERE user_id = ? AND name_key = ?').pluck()
  const insertList = db.prepare(`INSERT INTO watchlists (user_id, name, name_key, public, created, updated)
    VALUES (?, ?, ?, ?, ?, ?)`)
  const updateListRow = db.prepare(`UPDATE watchlists SET name = coalesce(@name, name), name_key = coalesce(@nameKey, name_key),
    public = coalesce(@public, public), updated = @now WHERE id = @id`)
  const touchList = db.prepare('UPDATE watchlists SET updated = ? WHERE id = ?')
  const deleteListRow = db.prepare('DELETE FROM watchlists WHERE id = ?')
  const entryColumns = 'anime_id, status, rating, episodes_watched, note, added, updated'
  const entryByIds = db.prepare(`SELECT ${entryColumns} FROM watchlist_entries WHERE watchlist_id = ? AND anime_id = ?`)
  const entryCount = db.prepare('SELECT count(*) FROM watchlist_entries WHERE watchlist_id = ?').pluck()
  const upsertEntry = db.prepare(`INSERT INTO watchlist_entries (watchlist_id, anime_id, status, rating, episodes_watched, note, added, updated)
    VALUES (@listId, @animeId, @status, @rating, @episodesWatched, @note, @now, @now)
    ON CONFLICT (watchlist_id, anime_id) DO UPDATE SET status = excluded.status, rating = excluded.rating,
      episodes_watched = excluded.episodes_watched, note = excluded.note, updated = excluded.updated`)
  const deleteEntryRow = db.prepare('DELETE FROM watchlist_entries WHERE watchlist_id = ? AND anime_id = ?')
  const statusFilter = '(@statuses IS NULL OR status IN (SELECT value FROM json_each(@statuses)))'
  const filteredCount = db.prepare(`SELECT count(*) FROM watchlist_entries WHERE watchlist_id = @listId AND ${statusFilter}`).pluck()
  const pages = Object.fromEntries(Object.entries(entryOrder).map(([ordering, order]) => [ordering, db.prepare(
    `SELECT ${entryColumns} FROM watchlist_entries WHERE watchlist_id = @listId AND ${statusFilter} ORDER BY ${order} LIMIT @limit OFFSET @offset`)])) as Record<EntryOrdering, ReturnType<typeof db.prepare>>
  const rated = db.prepare(`SELECT e.anime_id, e.status, e.rating FROM watchlist_entries e JOIN watchlists w ON w.id = e.watchlist_id
    WHERE w.user_id = ? ORDER BY e.updated, e.watchlist_id, e.anime_id`)

  const statusesParam = (statuses?: EntryStatus[]): string | null => statuses === undefined ? null : JSON.stringify(statuses)

  const write = (listId: number, animeId: number, change: EntryChange, now: number): boolean => {
    const existing = entryByIds.get(listId, animeId) as EntryRow | undefined
    const base = existing === undefined ? entryDefaults : toEntry(existing)
    upsertEntry.run({ listId, animeId, ...base, ...definedOnly(change), now })
    return existing === undefined
  }

  const put = db.transaction((listId: number, animeId: number, change: EntryChange, now: number, maxEntries: number) => {
    if (entryByIds.get(listId, animeId) === undefined && (entryCount.get(listId) as number) >= maxEntries) throw new ListFullError(maxEntries)
    const created = write(listId, animeId, change, now)
    touchList.run(now, listId)
    return { entry: toEntry(entryByIds.get(listId, animeId) as EntryRow), created }
  })

  // An import is written in slices, each its own short transaction, so that a
  // large one (10,000 rows take the better part of a second on a busy machine)
  // does not keep other requests waiting; a slice that fails has every slice
  // before it put back as it was (see importEntries).
  const entriesOfIds = db.prepare(`SELECT ${entryColumns} FROM watchlist_entries WHERE watchlist_id = ? AND anime_id IN (SELECT value FROM json_each(?))`)
  const newOfIds = db.prepare(`SELECT count(*) FROM json_each(?) j
    WHERE NOT EXISTS (SELECT 1 FROM watchlist_entries e WHERE e.watchlist_id = ? AND e.anime_id = j.value)`).pluck()
  // Rows as JSON arrays [anime_id, status, rating, episodes_watched, note, added, updated]; added/updated null: now.
  const upsertRows = db.prepare(`INSERT INTO watchlist_entries (watchlist_id, anime_id, status, rating, episodes_watched, note, added, updated)
    SELECT @listId, r.value ->> 0, r.value ->> 1, r.value ->> 2, r.value ->> 3, r.value ->> 4, coalesce(r.value ->> 5, @now), coalesce(r.value ->> 6, @now)
    FROM json_each(@rows) r WHERE true
    ON CONFLICT (watchlist_id, anime_id) DO UPDATE SET status = excluded.status, rating = excluded.rating, episodes_watched = excluded.episodes_watched,
      note = excluded.note, added = CASE WHEN @keepAdded THEN added ELSE excluded.added END, updated = excluded.updated`)
  const deleteIds = db.prepare('DELETE FROM watchlist_entries WHERE watchlist_id = ? AND anime_id IN (SELECT value FROM json_each(?))')
  const importSlice = db.transaction((listId: number, rows: Array<{ animeId: number } & EntryFields>, now: number, maxEntries: number) => {
    const fresh = newOfIds.get(JSON.stringify(rows.map((r) => r.animeId)), listId) as number
    if (fresh > 0 && (entryCount.get(listId) as number) + fresh > maxEntries) throw new ListFullError(maxEntries)
    const json = JSON.stringify(rows.map((r) => [r.animeId, r.status, r.rating, r.episodesWatched, r.note, null, null]))
    upsertRows.run({ listId, now, rows: json, keepAdded: 1 })
  })
  const undoImport = db.transaction((listId: number, before: EntryRow[], addedIds: number[]) => {
    deleteIds.run(listId, JSON.stringify(addedIds))
    const json = JSON.stringify(before.map((r) => [r.anime_id, r.status, r.rating, r.episodes_watched, r.note, r.added, r.updated]))
    upsertRows.run({ listId, now: 0, rows: json, keepAdded: 0 })
  })

  const withName = <T>(fn: () => T): T => {
    try {
      return fn()
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateListNameError()
      throw error
    }
  }

  const create = db.transaction((userId: number, fields: { name: string, public: boolean }, now: number, maxLists: number) => {
    if ((listCount.get(userId) as number) >= maxLists) throw new TooManyListsError(maxLists)
    const id = withName(() => Number(insertList.run(userId, fields.name, listNameKey(fields.name), fields.public ? 1 : 0, now, now).lastInsertRowid))
    return toList(listById.get(id) as ListRow)
  })

  return {
    async listsOf (userId, offset, limit) {
      return {
        count: listCount.get(userId) as number,
        results: (listsOfUser.all(userId, limit, offset) as ListRow[]).map(toList)
      }
    },
    async list (id) {
      const row = listById.get(id) as ListRow | undefined
      return row === undefined ? undefined : toList(row)
    },
    async createList (userId, fields, now, maxLists) {
      return create.immediate(userId, fields, now, maxLists)
    },
    async updateList (id, fields, now) {
      const changes = withName(() => updateListRow.run({
        id,
        name: fields.name ?? null,
        nameKey: fields.name === undefined ? null : listNameKey(fields.name),
        public: fields.public === undefined ? null : fields.public ? 1 : 0,
        now
      }).changes)
      return changes === 0 ? undefined : toList(listById.get(id) as ListRow)
    },
    async deleteList (id) {
      return deleteListRow.run(id).changes > 0
    },
    async nameTaken (userId, name, exceptId) {
      const owner = nameKeyOwner.get(userId, listNameKey(name)) as number | undefined
      return owner !== undefined && owner !== exceptId
    },
    async entry (listId, animeId) {
      const row = entryByIds.get(listId, animeId) as EntryRow | undefined
      return row === undefined ? undefined : toEntry(row)
    },
    async putEntry (listId, animeId, change, now, maxEntries) {
      return put.immediate(listId, animeId, change, now, maxEntries)
    },
    async deleteEntry (listId, animeId, now) {
      return db.transaction(() => {
        const deleted = deleteEntryRow.run(listId, animeId).changes > 0
        if (deleted) touchList.run(now, listId)
        return deleted
      }).immediate()
    },
    async entries (listId, query) {
      const statuses = statusesParam(query.statuses)
      return {
        count: filteredCount.get({ statuses, listId }) as number,
        results: (pages[query.ordering].all({ statuses, listId, limit: query.limit, offset: query.offset }) as EntryRow[]).map(toEntry)
      }
    },
    async allEntries (listId, statuses) {
      return (pages.added.all({ statuses: statusesParam(statuses), listId, limit: -1, offset: 0 }) as EntryRow[]).map(toEntry)
    },
    async importEntries (listId, items, now, maxEntries) {
      const ids = [...new Set(items.map((item) => item.animeId))]
      const before: EntryRow[] = []
      for (let at = 0; at < ids.length; at += IMPORT_SLICE) {
        if (at > 0) await setImmediate()
        before.push(...entriesOfIds.all(listId, JSON.stringify(ids.slice(at, at + IMPORT_SLICE))) as EntryRow[])
      }
      const { rows, added } = foldImport(items, before)
      // A file that cannot fit writes nothing; the slices check again, against concurrent writers.
      if (added > 0 && (entryCount.get(listId) as number) + added > maxEntries) throw new ListFullError(maxEntries)
      let written = 0
      try {
        for (; written < rows.length; written += IMPORT_SLICE) {
          if (written > 0) await setImmediate()
          importSlice.immediate(listId, rows.slice(written, written + IMPORT_SLICE), now, maxEntries)
        }
        touchList.run(now, listId)
      } catch (error) {
        // All or none: the rows the slices before this one wrote go back to what they were.
        const touched = new Set(rows.slice(0, written).map((r) => r.animeId))
        const stored = new Set(before.map((r) => r.anime_id))
        undoImport.immediate(listId, before.filter((r) => touched.has(r.anime_id)), [...touched].filter((id) => !stored.has(id)))
        throw error
      }
      return { added, updated: ids.length - added }
    },
    async ratedEntries (userId) {
      // Oldest first: a later entry of the same anime (in another list) replaces an earlier one.
      const byAnime = new Map<number, RatedEntry>()
      for (const row of rated.all(userId) as EntryRow[]) byAnime.set(row.anime_id, { animeId: row.anime_id, status: row.status, rating: row.rating })
      return [...byAnime.values()]
    }
  }
}

/** The keys of `change` whose value is not undefined (null is a value: it clears a rating). */
export function definedOnly (change: EntryChange): Partial<typeof entryDefaults> {
  return Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined)) as Partial<typeof entryDefaults>
}

/** Rows per statement of an import on SQLite (read, or written in one transaction); other requests are served between them. */
const IMPORT_SLICE = 500

/** An entry's fields, complete. */
export interface EntryFields { status: EntryStatus, rating: number | null, episodesWatched: number, note: string }

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
