// Lists and entries on the wire (schemas/watchlists.ts): snake_case, times as the old service wrote them.
import type { ListedEntry } from '../../watchlists/service.js'
import type { Watchlist } from '../../watchlists/repository.js'
import { drfTime } from '../../http/wire.js'

export function listJson (list: Watchlist) {
  return {
    id: list.id,
    name: list.name,
    public: list.public,
    owner: list.owner,
    count: list.count,
    created: drfTime(list.created),
    updated: drfTime(list.updated)
  }
}

export function entryJson ({ entry, listed }: ListedEntry) {
  return {
    anime_id: entry.animeId,
    title: listed?.title ?? null,
    gone: listed?.anime == null,
    anime: listed?.anime ?? null,
    status: entry.status,
    rating: entry.rating,
    episodes_watched: entry.episodesWatched,
    note: entry.note,
    added: drfTime(entry.added),
    updated: drfTime(entry.updated)
  }
}
