// What the watchlist endpoints do, apart from HTTP: who may see and change a
// list, entries with their anime from the catalogue, MAL import and export.
// A private list is "Not found." to everyone but its owner (its existence is
// not revealed); a public one can be read by anyone and changed by its owner only.
import { setImmediate } from 'node:timers/promises'
import { ApiError, fieldErrors, notFound } from '../errors.js'
import type { User } from '../accounts/repository.js'
import { formatExpiry } from '../accounts/tokens.js'
import type { CatalogueLinks, ListedAnime } from './catalogue-links.js'
import { buildMalExport, badImport, type ExportEntry } from './mal.js'
import {
  DuplicateListNameError, ListFullError, TooManyListsError,
  type EntryChange, type EntryStatus, type Watchlist, type WatchlistEntry, type WatchlistsRepository
} from './repository.js'

/** Most anime in one list. */
export const MAX_LIST_ENTRIES = 10_000

export const messages = {
  nameTaken: 'You already have a list with that name.',
  forbidden: 'You do not have permission to perform this action.',
  notInCatalogue: (id: number) => `Invalid pk "${id}" - object does not exist.`,
  tooManyEpisodes: (n: number) => `Ensure this value is less than or equal to ${n}.`,
  listFull: (n: number) => `A list holds at most ${n} anime.`,
  tooManyLists: (n: number) => `You have ${n} lists, the most one user may have. Delete one to make another.`
}

/** Times as the old service wrote them: UTC, ISO 8601, six fractional digits. */
export const isoTime = (ms: number): string => formatExpiry(ms)!

export const entryOrderings = ['added', '-added', 'rating', '-rating', 'title', '-title'] as const
export type EntryOrderingParam = typeof entryOrderings[number]

export function listJson (list: Watchlist) {
  return {
    id: list.id,
    name: list.name,
    public: list.public,
    owner: list.owner,
    count: list.count,
    created: isoTime(list.created),
    updated: isoTime(list.updated)
  }
}

export function entryJson (entry: WatchlistEntry, listed: ListedAnime | undefined) {
  return {
    anime_id: entry.animeId,
    title: listed?.title ?? null,
    gone: listed?.anime == null,
    anime: listed?.anime ?? null,
    status: entry.status,
    rating: entry.rating,
    episodes_watched: entry.episodesWatched,
    note: entry.note,
    added: isoTime(entry.added),
    updated: isoTime(entry.updated)
  }
}

const duplicateName = (): ApiError => fieldErrors({ name: [messages.nameTaken] })

/** Ids per catalogue lookup of an import: a file's 20,000 in one query would keep the event loop from other requests. */
const LOOKUP_SLICE = 1000

/** `lookup` over many ids, a slice at a time, other requests served in between. */
async function inSlices<T> (ids: number[], lookup: (slice: number[]) => Map<number, T>): Promise<Map<number, T>> {
  const found = new Map<number, T>()
  for (let at = 0; at < ids.length; at += LOOKUP_SLICE) {
    if (at > 0) await setImmediate()
    for (const [id, value] of lookup(ids.slice(at, at + LOOKUP_SLICE))) found.set(id, value)
  }
  return found
}

export interface WatchlistsDeps {
  repository: WatchlistsRepository
  links: CatalogueLinks
  now: () => number
  /** Most lists one user may have. */
  listsPerUser: number
}

/** A MAL import's entries, read and validated (src/http/mal-upload.ts), and the ones refused, reported as they are. */
export interface MalImport<Rejection> {
  entries: Array<{ malId: number, change: EntryChange }>
  rejected: Rejection[]
}

export function createWatchlistsService ({ repository, links, now, listsPerUser }: WatchlistsDeps) {
  const withAnime = (entries: WatchlistEntry[]) => {
    const anime = links.anime(entries.map((e) => e.animeId))
    return entries.map((entry) => entryJson(entry, anime.get(entry.animeId)))
  }

  /** The list if `viewer` may read it; 404 otherwise. */
  async function readable (id: number | null, viewer: User | null): Promise<Watchlist> {
    const list = id === null ? undefined : await repository.list(id)
    if (list === undefined || (!list.public && list.userId !== viewer?.id)) throw notFound()
    return list
  }

  /** The list if `viewer` owns it; 404 when they may not even read it, 403 when they may only read it. */
  async function owned (id: number | null, viewer: User): Promise<Watchlist> {
    const list = await readable(id, viewer)
    if (list.userId !== viewer.id) throw new ApiError(403, { detail: messages.forbidden })
    return list
  }

  return {
    repository,
    readable,
    owned,

    async listsOf (user: User, offset: number, limit: number) {
      const page = await repository.listsOf(user.id, offset, limit)
      return { count: page.count, results: page.results.map(listJson) }
    },

    async create (user: User, fields: { name: string, public?: boolean }) {
      try {
        return listJson(await repository.createList(user.id, { name: fields.name, public: fields.public ?? false }, now(), listsPerUser))
      } catch (error) {
        if (error instanceof DuplicateListNameError) throw duplicateName()
        if (error instanceof TooManyListsError) throw new ApiError(400, { detail: messages.tooManyLists(error.maxLists) })
        throw error
      }
    },

    async update (list: Watchlist, fields: { name?: string, public?: boolean }) {
      try {
        const updated = await repository.updateList(list.id, fields, now())
        if (updated === undefined) throw notFound()
        return listJson(updated)
      } catch (error) {
        if (error instanceof DuplicateListNameError) throw duplicateName()
        throw error
      }
    },

    async remove (list: Watchlist): Promise<void> {
      await repository.deleteList(list.id)
    },

    /** Adds or updates an entry. New entries need an anime the catalogue serves; episodes stop at its count where known. */
    async putEntry (list: Watchlist, animeId: number | null, change: EntryChange) {
      const existing = animeId === null ? undefined : await repository.entry(list.id, animeId)
      const served = animeId === null ? undefined : links.served(animeId)
      if (animeId === null || (served === undefined && existing === undefined)) {
        throw fieldErrors({ anime_id: [messages.notInCatalogue(animeId ?? 0)] })
      }
      if (served !== undefined && served.num_episodes > 0 && change.episodesWatched !== undefined && change.episodesWatched > served.num_episodes) {
        throw fieldErrors({ episodes_watched: [messages.tooManyEpisodes(served.num_episodes)] })
      }
      try {
        const { entry, created } = await repository.putEntry(list.id, animeId, change, now(), MAX_LIST_ENTRIES)
        return { entry: withAnime([entry])[0]!, created }
      } catch (error) {
        if (error instanceof ListFullError) throw new ApiError(400, { detail: messages.listFull(error.maxEntries) })
        throw error
      }
    },

    async removeEntry (list: Watchlist, animeId: number | null): Promise<void> {
      if (animeId === null || !(await repository.deleteEntry(list.id, animeId, now()))) throw notFound()
    },

    /** One page of entries; `pageFor` turns the total into the page to read (it may throw past the end). */
    async entries (list: Watchlist, statuses: EntryStatus[] | undefined, ordering: EntryOrderingParam,
      pageFor: (count: number) => { offset: number, size: number }) {
      if (ordering === 'title' || ordering === '-title') {
        const all = await repository.allEntries(list.id, statuses)
        const { offset, size } = pageFor(all.length)
        const byId = new Map(all.map((e) => [e.animeId, e]))
        const ids = links.orderByTitle(all.map((e) => e.animeId), ordering === '-title').slice(offset, offset + size)
        return { count: all.length, results: withAnime(ids.map((id) => byId.get(id)!)) }
      }
      const count = (await repository.entries(list.id, { statuses, ordering, offset: 0, limit: 0 })).count
      const { offset, size } = pageFor(count)
      const page = count === 0 ? { results: [] } : await repository.entries(list.id, { statuses, ordering, offset, limit: size })
      return { count, results: withAnime(page.results) }
    },

    /**
     * Adds the valid entries of a MAL export to the list, all or none; entries are
     * matched to the catalogue by MyAnimeList id, and episodes stop at the anime's count.
     */
    async importMal<Rejection> (list: Watchlist, file: MalImport<Rejection>) {
      const matches = await inSlices([...new Set(file.entries.map((e) => e.malId))], links.fromMal)
      const unmatched = [...new Set(file.entries.filter((e) => !matches.has(e.malId)).map((e) => e.malId))]
      const episodes = await inSlices([...new Set(matches.values())], links.episodes)
      const items = file.entries.flatMap(({ malId, change }) => {
        const animeId = matches.get(malId)
        if (animeId === undefined) return []
        const count = episodes.get(animeId) ?? 0
        const watched = change.episodesWatched
        return [{ animeId, change: count > 0 && watched !== undefined && watched > count ? { ...change, episodesWatched: count } : change }]
      })
      try {
        const { added, updated } = await repository.importEntries(list.id, items, now(), MAX_LIST_ENTRIES)
        return { added, updated, unmatched: unmatched.length, unmatched_ids: unmatched, rejected: file.rejected }
      } catch (error) {
        if (error instanceof ListFullError) throw badImport(`${messages.listFull(error.maxEntries)} Nothing was imported.`)
        throw error
      }
    },

    /** The list in MAL's export format; entries without a MyAnimeList id are named in a comment. */
    async exportMal (list: Watchlist): Promise<string> {
      const entries = await repository.allEntries(list.id)
      const ids = entries.map((e) => e.animeId)
      const mal = links.toMal(ids)
      const anime = links.anime(ids)
      const exported: ExportEntry[] = []
      const leftOut: number[] = []
      for (const e of entries) {
        const malId = mal.get(e.animeId)
        if (malId === undefined) { leftOut.push(e.animeId); continue }
        const a = anime.get(e.animeId)
        exported.push({
          malId,
          title: a?.title ?? '',
          type: a?.anime?.anime_type ?? 'Unknown',
          episodes: a?.anime?.num_episodes ?? 0,
          status: e.status,
          rating: e.rating,
          episodesWatched: e.episodesWatched,
          note: e.note
        })
      }
      return await buildMalExport(list.owner, exported, leftOut)
    }
  }
}

export type WatchlistsService = ReturnType<typeof createWatchlistsService>
