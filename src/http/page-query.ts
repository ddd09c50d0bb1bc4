// `page` and `page_size` of paged lists (watchlists), read as /anime/search reads them.
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type PageRequest } from './discovery-query.js'
import type { QueryReader } from './query-params.js'

export function readPage (reader: QueryReader): PageRequest {
  const page = reader.text('page')?.toLowerCase() === 'last' ? 'last' : reader.integer('page', { min: 1 }) ?? 1
  const pageSize = reader.integer('page_size', { min: 1, max: MAX_PAGE_SIZE }) ?? DEFAULT_PAGE_SIZE
  return { page, pageSize }
}
