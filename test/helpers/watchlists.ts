// Apps and requests for the watchlist, MAL and recommendation tests.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { AppOptions } from '../../src/app.js'
import { accountsApp, register, tokenHeader } from './accounts.js'
import { aodRecord, writeAod, type AodRecord } from './aod.js'
import { tempDir } from './app.js'

interface Teardown { teardown: (fn: () => unknown) => void }

export type Api = Awaited<ReturnType<typeof accountsApp>> & { dataDir: string }

/** An accounts app on a catalogue of these AOD records (default: anime 1..5, MAL ids 100001..100005), with these options. */
export async function watchlistsApp (t: Teardown, records: AodRecord[] = [1, 2, 3, 4, 5].map((n) => aodRecord(n)), options: AppOptions = {}): Promise<Api> {
  const dataDir = tempDir(t)
  const app = await accountsApp(t, { dataDir, defaultCatalogue: writeAod(dataDir, records), ...options })
  return Object.assign(app, { dataDir })
}

export interface Caller {
  headers: Record<string, string>
  token: string
  id: number
  username: string
}

export async function user (app: FastifyInstance, username = 'test'): Promise<Caller> {
  const { user, token } = await register(app, username)
  return { headers: tokenHeader(token), token, id: user.id, username }
}

export function call (app: FastifyInstance, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, caller?: Caller | null, payload?: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return app.inject({ method, url, payload: payload as string | object | undefined, headers: { ...(caller?.headers ?? {}), ...headers } })
}

export async function makeList (app: FastifyInstance, caller: Caller, name = 'Favourites', isPublic = false): Promise<{ id: number }> {
  const res = await call(app, 'POST', '/watchlists', caller, { name, public: isPublic })
  if (res.statusCode !== 201) throw new Error(`make list: ${res.statusCode} ${res.body}`)
  return res.json()
}

export async function putEntry (app: FastifyInstance, caller: Caller, listId: number, animeId: number, body: Record<string, unknown> = {}) {
  const res = await call(app, 'PUT', `/watchlists/${listId}/anime/${animeId}`, caller, body)
  if (res.statusCode !== 200 && res.statusCode !== 201) throw new Error(`put entry: ${res.statusCode} ${res.body}`)
  return res.json()
}

/** An entry of a MAL export; numbers may be given as the text the file holds. */
export interface MalItem { id: number | string, status?: string, score?: number | string, episodes?: number | string, comments?: string, title?: string }

/** A MAL list export as MyAnimeList writes it. */
export function malExport (items: MalItem[], root = 'myanimelist'): string {
  const anime = items.map((i) => `
\t<anime>
\t\t<series_animedb_id>${i.id}</series_animedb_id>
\t\t<series_title><![CDATA[${i.title ?? `Anime ${i.id}`}]]></series_title>
\t\t<series_type>TV</series_type>
\t\t<series_episodes>12</series_episodes>
\t\t<my_id>0</my_id>
\t\t<my_watched_episodes>${i.episodes ?? 0}</my_watched_episodes>
\t\t<my_start_date>0000-00-00</my_start_date>
\t\t<my_finish_date>0000-00-00</my_finish_date>
\t\t<my_rated></my_rated>
\t\t<my_score>${i.score ?? 0}</my_score>
\t\t<my_storage></my_storage>
\t\t<my_storage_value>0.00</my_storage_value>
\t\t<my_status>${i.status ?? 'Plan to Watch'}</my_status>
\t\t<my_comments><![CDATA[${i.comments ?? ''}]]></my_comments>
\t\t<my_times_watched>0</my_times_watched>
\t\t<my_rewatch_value></my_rewatch_value>
\t\t<my_priority>LOW</my_priority>
\t\t<my_tags><![CDATA[]]></my_tags>
\t\t<my_rewatching>0</my_rewatching>
\t\t<my_rewatching_ep>0</my_rewatching_ep>
\t\t<my_discuss>1</my_discuss>
\t\t<my_sns>default</my_sns>
\t\t<update_on_import>1</update_on_import>
\t</anime>`).join('')
  return `<?xml version="1.0" encoding="UTF-8" ?>
<!--
 Created by XML Export feature at MyAnimeList.net
 Version 1.1.0
-->
<${root}>
\t<myinfo>
\t\t<user_id>1234</user_id>
\t\t<user_name>someone</user_name>
\t\t<user_export_type>1</user_export_type>
\t\t<user_total_anime>${items.length}</user_total_anime>
\t</myinfo>${anime}
</${root}>
`
}

/**
 * A MAL export of `entries` entries and close to `bytes` bytes (never more): the
 * first `matched` have the MAL ids of anime 1, 2, … (100001…, see aodRecord),
 * the others ids no catalogue has; each has a note (at most PUT's 2,000
 * characters) that brings the file up to size.
 */
export function largeMalExport (bytes: number, entries: number, matched: number): string {
  const head = '<?xml version="1.0" encoding="UTF-8" ?>\n<myanimelist>\n<myinfo><user_export_type>1</user_export_type></myinfo>\n'
  const tail = '</myanimelist>\n'
  const entry = (i: number, note: string) => `<anime><series_animedb_id>${i < matched ? 100001 + i : 500001 + i}</series_animedb_id>` +
    `<my_watched_episodes>${i % 13}</my_watched_episodes><my_score>${i % 11}</my_score><my_status>Completed</my_status>` +
    `<my_comments><![CDATA[${note}]]></my_comments></anime>\n`
  let bare = head.length + tail.length
  for (let i = 0; i < entries; i++) bare += entry(i, '').length
  const noteLength = Math.max(0, Math.min(2000, Math.floor((bytes - bare - 1024) / entries)))
  const parts = [head]
  for (let i = 0; i < entries; i++) parts.push(entry(i, `${i} `.padEnd(noteLength, 'n')))
  parts.push(tail)
  const xml = parts.join('')
  if (Buffer.byteLength(xml) > bytes) throw new Error(`${entries} entries do not fit in ${bytes} bytes`)
  return xml
}

export { aodRecord }
