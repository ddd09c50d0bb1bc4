// WatchlistsRepository on PostgreSQL: the behaviour of the SQLite one in
// src/storage/sqlite/watchlists.ts. Writes to one list lock its row first, so that
// concurrent writers (on any instance) see the list's true size and the
// at-most-maxEntries rule holds as under SQLite's single writer; making a list
// locks its owner's row, for the at-most-maxLists rule.
import {
  DuplicateListNameError, ListFullError, TooManyListsError, definedOnly, listNameKey,
  type EntryFields, type EntryOrdering, type EntryStatus, type RatedEntry, type Watchlist, type WatchlistsRepository
} from '../../watchlists/repository.js'
import { entryOrder, fieldsOf, foldImport, toEntry, toList, type EntryRow, type ListRow } from '../rows.js'
import type { PgDatabase, Queryable } from './database.js'
import { uniqueViolation } from './accounts.js'

const listColumns = `w.id, w.user_id, u.username AS owner, w.name, w.public, w.created, w.updated,
  (SELECT count(*) FROM watchlist_entries e WHERE e.watchlist_id = w.id) AS count`
const entryColumns = 'anime_id, status, rating, episodes_watched, note, added, updated'
const statusFilter = '($2::text[] IS NULL OR status = ANY($2::text[]))'

const renamed = async <T>(fn: () => Promise<T>): Promise<T> => {
  try {
    return await fn()
  } catch (error) {
    if (uniqueViolation(error) !== undefined) throw new DuplicateListNameError()
    throw error
  }
}

export function createPostgresWatchlists (db: PgDatabase): WatchlistsRepository {
  const listById = async (on: Queryable, id: number): Promise<Watchlist | undefined> => {
    const { rows } = await on.query<ListRow>(`SELECT ${listColumns} FROM watchlists w JOIN users u ON u.id = w.user_id WHERE w.id = $1`, [id])
    return rows[0] === undefined ? undefined : toList(rows[0])
  }
  const entryByIds = async (on: Queryable, listId: number, animeId: number): Promise<EntryRow | undefined> =>
    (await on.query<EntryRow>(`SELECT ${entryColumns} FROM watchlist_entries WHERE watchlist_id = $1 AND anime_id = $2`, [listId, animeId])).rows[0]
  const entryCount = async (on: Queryable, listId: number): Promise<number> =>
    (await on.query<{ count: number }>('SELECT count(*) AS count FROM watchlist_entries WHERE watchlist_id = $1', [listId])).rows[0]!.count
  const lockList = (on: Queryable, listId: number) => on.query('SELECT 1 FROM watchlists WHERE id = $1 FOR UPDATE', [listId])
  const touchList = (on: Queryable, listId: number, now: number) => on.query('UPDATE watchlists SET updated = $1 WHERE id = $2', [now, listId])

  /** Inserts or updates entries with their complete fields; `added` is kept on update. */
  const upsert = (on: Queryable, listId: number, rows: Array<{ animeId: number } & EntryFields>, now: number) => on.query(`
    INSERT INTO watchlist_entries (watchlist_id, anime_id, status, rating, episodes_watched, note, added, updated)
    SELECT $1, anime_id, status, rating, episodes_watched, note, $7, $7
    FROM unnest($2::bigint[], $3::text[], $4::integer[], $5::integer[], $6::text[]) AS t (anime_id, status, rating, episodes_watched, note)
    ON CONFLICT (watchlist_id, anime_id) DO UPDATE SET status = excluded.status, rating = excluded.rating,
      episodes_watched = excluded.episodes_watched, note = excluded.note, updated = excluded.updated`, [
    listId,
    rows.map((r) => r.animeId),
    rows.map((r) => r.status),
    rows.map((r) => r.rating),
    rows.map((r) => r.episodesWatched),
    rows.map((r) => r.note),
    now
  ])

  const entryPage = async (listId: number, statuses: EntryStatus[] | undefined, ordering: EntryOrdering, limit: number | null, offset: number) =>
    (await db.query<EntryRow>(`SELECT ${entryColumns} FROM watchlist_entries WHERE watchlist_id = $1 AND ${statusFilter}
      ORDER BY ${entryOrder[ordering]} LIMIT $3 OFFSET $4`, [listId, statuses ?? null, limit, offset])).rows.map(toEntry)

  return {
    async listsOf (userId, offset, limit) {
      // COLLATE "C": byte order, as SQLite's BINARY, whatever the database's default collation.
      const [count, page] = await Promise.all([
        db.query<{ count: number }>('SELECT count(*) AS count FROM watchlists WHERE user_id = $1', [userId]),
        db.query<ListRow>(`SELECT ${listColumns} FROM watchlists w JOIN users u ON u.id = w.user_id
          WHERE w.user_id = $1 ORDER BY w.name_key COLLATE "C", w.id LIMIT $2 OFFSET $3`, [userId, limit, offset])
      ])
      return { count: count.rows[0]!.count, results: page.rows.map(toList) }
    },
    async list (id) {
      return listById(db, id)
    },
    async createList (userId, fields, now, maxLists) {
      return db.transaction(async (client) => {
        // The user's row locked first: concurrent creates (on any instance) count one after the other.
        await client.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [userId])
        const { rows: [counted] } = await client.query<{ count: number }>('SELECT count(*) AS count FROM watchlists WHERE user_id = $1', [userId])
        if (counted!.count >= maxLists) throw new TooManyListsError(maxLists)
        const { rows } = await renamed(() => client.query<{ id: number }>(`
          INSERT INTO watchlists (user_id, name, name_key, public, created, updated) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`,
        [userId, fields.name, listNameKey(fields.name), fields.public, now]))
        return (await listById(client, rows[0]!.id))!
      })
    },
    async updateList (id, fields, now) {
      const { rowCount } = await renamed(() => db.query(`
        UPDATE watchlists SET name = coalesce($2, name), name_key = coalesce($3, name_key),
          public = coalesce($4, public), updated = $5 WHERE id = $1`,
      [id, fields.name ?? null, fields.name === undefined ? null : listNameKey(fields.name), fields.public ?? null, now]))
      return (rowCount ?? 0) === 0 ? undefined : listById(db, id)
    },
    async deleteList (id) {
      const { rowCount } = await db.query('DELETE FROM watchlists WHERE id = $1', [id])
      return (rowCount ?? 0) > 0
    },
    async nameTaken (userId, name, exceptId) {
      const { rows } = await db.query<{ id: number }>('SELECT id FROM watchlists WHERE user_id = $1 AND name_key = $2', [userId, listNameKey(name)])
      return rows[0] !== undefined && rows[0].id !== exceptId
    },
    async entry (listId, animeId) {
      const row = await entryByIds(db, listId, animeId)
      return row === undefined ? undefined : toEntry(row)
    },
    async putEntry (listId, animeId, change, now, maxEntries) {
      return db.transaction(async (client) => {
        await lockList(client, listId)
        const existing = await entryByIds(client, listId, animeId)
        if (existing === undefined && await entryCount(client, listId) >= maxEntries) throw new ListFullError(maxEntries)
        await upsert(client, listId, [{ animeId, ...fieldsOf(existing), ...definedOnly(change) }], now)
        await touchList(client, listId, now)
        return { entry: toEntry((await entryByIds(client, listId, animeId))!), created: existing === undefined }
      })
    },
    async deleteEntry (listId, animeId, now) {
      return db.transaction(async (client) => {
        await lockList(client, listId)
        const { rowCount } = await client.query('DELETE FROM watchlist_entries WHERE watchlist_id = $1 AND anime_id = $2', [listId, animeId])
        const deleted = (rowCount ?? 0) > 0
        if (deleted) await touchList(client, listId, now)
        return deleted
      })
    },
    async entries (listId, query) {
      const [count, results] = await Promise.all([
        db.query<{ count: number }>(`SELECT count(*) AS count FROM watchlist_entries WHERE watchlist_id = $1 AND ${statusFilter}`, [listId, query.statuses ?? null]),
        // A count alone (limit 0) costs no second round trip.
        query.limit === 0 ? [] : entryPage(listId, query.statuses, query.ordering, query.limit, query.offset)
      ])
      return { count: count.rows[0]!.count, results }
    },
    async allEntries (listId, statuses) {
      return entryPage(listId, statuses, 'added', null, 0)
    },
    async importEntries (listId, items, now, maxEntries) {
      return db.transaction(async (client) => {
        await lockList(client, listId)
        // The entries the items touch, folded in order (a later item for the same anime wins), then written at once.
        const ids = [...new Set(items.map((item) => item.animeId))]
        const { rows: existing } = await client.query<EntryRow>(
          `SELECT ${entryColumns} FROM watchlist_entries WHERE watchlist_id = $1 AND anime_id = ANY($2::bigint[])`, [listId, ids])
        const { rows, added } = foldImport(items, existing)
        if (added > 0 && await entryCount(client, listId) + added > maxEntries) throw new ListFullError(maxEntries)
        await upsert(client, listId, rows, now)
        await touchList(client, listId, now)
        return { added, updated: ids.length - added }
      })
    },
    async ratedEntries (userId) {
      // Oldest first: a later entry of the same anime (in another list) replaces an earlier one.
      const { rows } = await db.query<EntryRow>(`SELECT e.anime_id, e.status, e.rating FROM watchlist_entries e
        JOIN watchlists w ON w.id = e.watchlist_id WHERE w.user_id = $1 ORDER BY e.updated, e.watchlist_id, e.anime_id`, [userId])
      const byAnime = new Map<number, RatedEntry>()
      for (const row of rows) byAnime.set(row.anime_id, { animeId: row.anime_id, status: row.status, rating: row.rating })
      return [...byAnime.values()]
    }
  }
}
