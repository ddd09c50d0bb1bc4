// Links of paged lists as DRF built them: the request's absolute URL with one
// parameter replaced or removed, the parameters sorted by name and form-encoded;
// and a page as DRF answers it (past the end: 404 "Invalid page.").
import type { FastifyRequest } from 'fastify'
import type { EntryJson } from '../catalogue/discovery.js'
import { NoSuchPage, type PageRequest } from '../paging.js'
import { ApiError } from '../errors.js'

/** Text quotePlus leaves as it is (most parameter names and values). */
const unquoted = /^[A-Za-z0-9_.~-]*$/

/** Python's urllib.parse.quote_plus: only letters, digits and `_.-~` stay as they are. */
function quotePlus (text: string): string {
  if (unquoted.test(text)) return text
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+')
}

export function absoluteUrl (request: FastifyRequest): string {
  return `${request.protocol}://${request.host}${request.url}`
}

/** `url` with `key` set to `value` (or removed when null), as DRF's replace_query_param/remove_query_param. */
export function withQueryParam (url: string, key: string, value: string | null): string {
  const hash = url.indexOf('#')
  const base = hash === -1 ? url : url.slice(0, hash)
  const question = base.indexOf('?')
  const path = question === -1 ? base : base.slice(0, question)
  const params = new Map<string, string[]>()
  for (const [name, v] of new URLSearchParams(question === -1 ? '' : base.slice(question + 1))) {
    const values = params.get(name)
    if (values === undefined) params.set(name, [v])
    else values.push(v)
  }
  if (value === null) params.delete(key)
  else params.set(key, [value])
  const query = [...params].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([name, values]) => values.map((v) => `${quotePlus(name)}=${quotePlus(v)}`))
    .join('&')
  return query === '' ? path : `${path}?${query}`
}

export interface Links { next: string | null, previous: string | null }

/** next/previous of DRF's PageNumberPagination (page 1's link has no `page`). */
export function pageLinks (request: FastifyRequest, page: number, pages: number): Links {
  const url = absoluteUrl(request)
  return {
    next: page < pages ? withQueryParam(url, 'page', String(page + 1)) : null,
    previous: page > 1 ? withQueryParam(url, 'page', page - 1 === 1 ? null : String(page - 1)) : null
  }
}

/** next/previous of DRF's LimitOffsetPagination. */
export function limitOffsetLinks (request: FastifyRequest, limit: number, offset: number, count: number): Links {
  const url = withQueryParam(absoluteUrl(request), 'limit', String(limit))
  return {
    next: offset + limit < count ? withQueryParam(url, 'offset', String(offset + limit)) : null,
    previous: offset <= 0 ? null : withQueryParam(url, 'offset', offset - limit <= 0 ? null : String(offset - limit))
  }
}

/** `page` and `page_size` of a paged list, as validated (see schemas/discovery.ts). */
export type { PageRequest }

/** A page (of the catalogue, of a user's lists or a list's entries) as DRF answers it, with its next/previous links; past the end, DRF's 404 "Invalid page.". */
export function pageAnswer<T> (request: FastifyRequest, found: { count: number, page: number, pages: number, results: T[] } | NoSuchPage): { count: number, results: T[] } & Links {
  if (found instanceof NoSuchPage) throw invalidPage()
  return { count: found.count, ...pageLinks(request, found.page, found.pages), results: found.results }
}

/**
 * A DRF list as sent, `{"count":…,"next":…,"previous":…,"results":[…]}`, its
 * items given as JSON pieces (entry answers held as bytes, and the text around
 * them): joined into one body instead of parsed and serialised again. Compact,
 * keys in the order of the list schemas (ListOf in schemas/discovery.ts), text
 * escaped as JSON.stringify does: the bytes the route's serialiser would write.
 */
export function listJson (count: number, links: Links, items: EntryJson[][]): Buffer {
  const parts: EntryJson[] = [`{"count":${count},"next":${JSON.stringify(links.next)},"previous":${JSON.stringify(links.previous)},"results":[`]
  items.forEach((item, i) => {
    if (i > 0) parts.push(',')
    parts.push(...item)
  })
  parts.push(']}')
  return joinJson(parts)
}

/** pageAnswer's page as sent, from entries given as their answers' JSON (see listJson). */
export function pageJson (request: FastifyRequest, found: { count: number, page: number, pages: number, results: EntryJson[] } | NoSuchPage): Buffer {
  if (found instanceof NoSuchPage) throw invalidPage()
  return listJson(found.count, pageLinks(request, found.page, found.pages), found.results.map((answer) => [answer]))
}

/** Pieces of JSON text (strings, or UTF-8 bytes) as one body. */
export function joinJson (parts: EntryJson[]): Buffer {
  let total = 0
  for (const part of parts) total += typeof part === 'string' ? Buffer.byteLength(part) : part.length
  const body = Buffer.allocUnsafe(total)
  let at = 0
  for (const part of parts) {
    if (typeof part === 'string') at += body.write(part, at)
    else {
      body.set(part, at)
      at += part.length
    }
  }
  return body
}

const invalidPage = (): ApiError => new ApiError(404, { detail: 'Invalid page.' })
