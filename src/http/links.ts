// Links of paged lists as DRF built them: the request's absolute URL with one
// parameter replaced or removed, the parameters sorted by name and form-encoded;
// and which page a request gets once the total is known.
import type { FastifyRequest } from 'fastify'
import { ApiError } from '../errors.js'

/** Python's urllib.parse.quote_plus: only letters, digits and `_.-~` stay as they are. */
function quotePlus (text: string): string {
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
export interface PageRequest { page: number | 'last', pageSize: number }

/** The page `request` asks for once the total is known; past the end is DRF's 404 "Invalid page.". */
export function pageOf (request: PageRequest, count: number): { page: number, pages: number, offset: number, size: number } {
  const pages = Math.max(1, Math.ceil(count / request.pageSize))
  const page = request.page === 'last' ? pages : request.page
  if (page > pages) throw new ApiError(404, { detail: 'Invalid page.' })
  return { page, pages, offset: (page - 1) * request.pageSize, size: request.pageSize }
}

/**
 * The `pageFor` a paged catalogue read calls once it knows the total (see
 * pageOf), and the next/previous links of the page it chose.
 */
export function pager (request: PageRequest) {
  let position = { page: 1, pages: 1 }
  return {
    pageFor: (count: number): { offset: number, size: number } => {
      const page = pageOf(request, count)
      position = page
      return page
    },
    links: (of: FastifyRequest): Links => pageLinks(of, position.page, position.pages)
  }
}
