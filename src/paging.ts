// Pages of a list as the old service (DRF's page-number pagination) counted
// them: the catalogue's searches and seasons, a user's lists, a list's entries.
// Domain values only; src/http/links.ts answers them (next/previous links, and
// 404 "Invalid page." past the end).

/** A page asked for: its number (1-based) or the last one, and its size. */
export interface PageRequest { page: number | 'last', pageSize: number }

/** A page: which of how many, the total, and its items. */
export interface Page<T> { count: number, page: number, pages: number, results: T[] }

/** A page past the end of the items (DRF's "Invalid page."). */
export class NoSuchPage {
  constructor (readonly count: number, readonly pages: number) {}
}

/** Where page `request` of `count` items starts (page 1 always exists); NoSuchPage past the end. */
export function pageIn (request: PageRequest, count: number): { page: number, pages: number, offset: number } | NoSuchPage {
  const pages = Math.max(1, Math.ceil(count / request.pageSize))
  const page = request.page === 'last' ? pages : request.page
  return page > pages ? new NoSuchPage(count, pages) : { page, pages, offset: (page - 1) * request.pageSize }
}
