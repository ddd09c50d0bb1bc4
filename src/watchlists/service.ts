// What the watchlist endpoints do, apart from HTTP: who may see and change a
// list, entries with their anime from the catalogue, MAL import and export.
// A private list is "Not found." to everyone but its owner (its existence is
// not revealed); a public one can be read by anyone and changed by its owner only.
import { setImmediate } from 'node:timers/promises'
import type { User } from '../accounts/repository.js'
import type { CatalogueLinks, ListedAnime } from '../catalogue/links.js'
import { AnimeNotInCatalogueError, EntryNotFoundError, ListNotFoundError, NotListOwnerError, TooManyEpisodesError } from './errors.js'
import { buildMalExport, type ExportEntry } from './mal.js'
import { ListFullError, type EntryChange, type EntryStatus, type Watchlist, type WatchlistEntry, type WatchlistsRepository } from './repository.js'
import { NoSuchPage, pageIn, type Page, type PageRequest } from '../paging.js'

/** Most anime in one list. */
export const MAX_LIST_ENTRIES = 10_000

export const entryOrderings = ['added', '-added', 'rating', '-rating', 'title', '-title'] as const
export type EntryOrderingParam = typeof entryOrderings[number]

/** An entry with its anime as the catalogue lists it (undefined: the anime left the catalogue). */
export interface ListedEntry {
  entry: WatchlistEntry
  listed: ListedAnime | undefined
}

/** What a MAL import did: entries added and updated, the MyAnimeList ids the catalogue does not know, the file's entries refused. */
export interface MalImportOutcome<Rejection> {
  added: number
  updated: number
  unmatched: number[]
  rejected: Rejection[]
}

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

/** A MAL import's entries, read and validated (mal-upload.ts), and the ones refused, reported as they are. */
export interface MalImport<Rejection> {
  entries: Array<{ malId: number, change: EntryChange }>
  rejected: Rejection[]
}

export function createWatchlistsService ({ repository, links, now, listsPerUser }: WatchlistsDeps) {
  const withAnime = (entries: WatchlistEntry[]): ListedEntry[] => {
    const anime = links.anime(entries.map((e) => e.animeId))
    return entries.map((entry) => ({ entry, listed: anime.get(entry.animeId) }))
  }

  /** The list if `viewer` may read it; ListNotFoundError otherwise. */
  async function readable (id: number | null, viewer: User | null): Promise<Watchlist> {
    const list = id === null ? undefined : await repository.list(id)
    if (list === undefined || (!list.public && list.userId !== viewer?.id)) throw new ListNotFoundError()
    return list
  }

  /** The list if `viewer` owns it; ListNotFoundError when they may not even read it, NotListOwnerError when they may only read it. */
  async function owned (id: number | null, viewer: User): Promise<Watchlist> {
    const list = await readable(id, viewer)
    if (list.userId !== viewer.id) throw new NotListOwnerError()
    return list
  }

  return {
    repository,
    readable,
    owned,

    /** One page of the user's lists, by name; NoSuchPage past the end. */
    async listsOf (user: User, request: PageRequest): Promise<Page<Watchlist> | NoSuchPage> {
      const at = pageIn(request, (await repository.listsOf(user.id, 0, 0)).count)
      if (at instanceof NoSuchPage) return at
      const { count, results } = await repository.listsOf(user.id, at.offset, request.pageSize)
      return { count, page: at.page, pages: at.pages, results }
    },

    /** DuplicateListNameError, or TooManyListsError when the user has as many lists as they may. */
    async create (user: User, fields: { name: string, public?: boolean }): Promise<Watchlist> {
      return repository.createList(user.id, { name: fields.name, public: fields.public ?? false }, now(), listsPerUser)
    },

    /** DuplicateListNameError; ListNotFoundError when the list went meanwhile. */
    async update (list: Watchlist, fields: { name?: string, public?: boolean }): Promise<Watchlist> {
      const updated = await repository.updateList(list.id, fields, now())
      if (updated === undefined) throw new ListNotFoundError()
      return updated
    },

    async remove (list: Watchlist): Promise<void> {
      await repository.deleteList(list.id)
    },

    /** Adds or updates an entry. New entries need an anime the catalogue serves; episodes stop at its count where known. */
    async putEntry (list: Watchlist, animeId: number | null, change: EntryChange): Promise<{ entry: ListedEntry, created: boolean }> {
      const existing = animeId === null ? undefined : await repository.entry(list.id, animeId)
      const served = animeId === null ? undefined : links.served(animeId)
      if (animeId === null || (served === undefined && existing === undefined)) throw new AnimeNotInCatalogueError(animeId ?? 0)
      if (served !== undefined && served.num_episodes > 0 && change.episodesWatched !== undefined && change.episodesWatched > served.num_episodes) {
        throw new TooManyEpisodesError(served.num_episodes)
      }
      // ListFullError when the anime is new and the list is full.
      const { entry, created } = await repository.putEntry(list.id, animeId, change, now(), MAX_LIST_ENTRIES)
      return { entry: withAnime([entry])[0]!, created }
    },

    async removeEntry (list: Watchlist, animeId: number | null): Promise<void> {
      if (animeId === null || !(await repository.deleteEntry(list.id, animeId, now()))) throw new EntryNotFoundError()
    },

    /** One page of entries; NoSuchPage past the end. */
    async entries (list: Watchlist, statuses: EntryStatus[] | undefined, ordering: EntryOrderingParam,
      request: PageRequest): Promise<Page<ListedEntry> | NoSuchPage> {
      const size = request.pageSize
      if (ordering === 'title' || ordering === '-title') {
        const all = await repository.allEntries(list.id, statuses)
        const at = pageIn(request, all.length)
        if (at instanceof NoSuchPage) return at
        const byId = new Map(all.map((e) => [e.animeId, e]))
        const ids = links.orderByTitle(all.map((e) => e.animeId), ordering === '-title').slice(at.offset, at.offset + size)
        return { count: all.length, page: at.page, pages: at.pages, results: withAnime(ids.map((id) => byId.get(id)!)) }
      }
      const count = (await repository.entries(list.id, { statuses, ordering, offset: 0, limit: 0 })).count
      const at = pageIn(request, count)
      if (at instanceof NoSuchPage) return at
      const page = count === 0 ? { results: [] } : await repository.entries(list.id, { statuses, ordering, offset: at.offset, limit: size })
      return { count, page: at.page, pages: at.pages, results: withAnime(page.results) }
    },

    /**
     * Adds the valid entries of a MAL export to the list, all or none; entries are
     * matched to the catalogue by MyAnimeList id, and episodes stop at the anime's count.
     */
    async importMal<Rejection> (list: Watchlist, file: MalImport<Rejection>): Promise<MalImportOutcome<Rejection>> {
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
        return { added, updated, unmatched, rejected: file.rejected }
      } catch (error) {
        if (error instanceof ListFullError) throw new ListFullError(error.maxEntries, true)
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
