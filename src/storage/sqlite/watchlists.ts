// WatchlistsRepository (src/watchlists/repository.ts) on the accounts SQLite
// file (migration 2 of src/storage/sqlite/database.ts). An import is written in
// slices, each its own short transaction, undone together on a failure.
import { setImmediate } from 'node:timers/promises'
import {
  DuplicateListNameError, ListFullError, TooManyListsError, definedOnly, entryDefaults, listNameKey,
  type EntryChange, type EntryFields, type EntryOrdering, type EntryStatus, type RatedEntry, type WatchlistsRepository
} from '../../watchlists/repository.js'
import { entryOrder, foldImport, toEntry, toList, type EntryRow, type ListRow } from '../rows.js'
import type { AccountsDb } from './database.js'

const isUniqueViolation = (error: unknown): boolean => (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE'

/** Rows per statement of an import on SQLite (read, or written in one transaction); other requests are served between them. */
const IMPORT_SLICE = 500

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
