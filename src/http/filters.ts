// The discovery query strings, validated by their schemas (schemas/discovery.ts),
// as the catalogue's search takes them.
import type { Static } from '@sinclair/typebox'
import { DEFAULT_PAGE_SIZE, type RandomQuery, type SearchQuery } from '../../schemas/discovery.js'
import type { Filters, OrderingField, OrderingTerm, SearchRequest } from '../catalogue/search.js'
import type { PageRequest } from './links.js'

type FilterQuery = Static<typeof RandomQuery>

/** Once each (a case-folded choice can repeat one given in another case). */
const unique = <T>(items: T[] | undefined): T[] | undefined => items === undefined ? undefined : [...new Set(items)]

export function filtersOf (query: FilterQuery): Filters {
  return {
    types: unique(query.type),
    statuses: unique(query.status),
    seasons: unique(query.season),
    tags: unique(query.tags),
    excludeTags: unique(query.exclude_tags),
    year: query.year,
    yearMin: query.year_min,
    yearMax: query.year_max,
    episodesMin: query.episodes_min,
    episodesMax: query.episodes_max
  }
}

/** Whether any filter is set (random without filters keeps its O(1) pick). */
const hasFilters = (filters: Filters): boolean => Object.values(filters).some((value) => value !== undefined)

/**
 * The query's filters, or null when it sets none. A query with no value but
 * `format` (GET /anime/random as most clients send it) is told at once, without
 * building the filters: that route is on the hot path.
 */
export function filtersIn (query: FilterQuery): Filters | null {
  let given = false
  for (const key in query) {
    if (key !== 'format' && query[key as keyof FilterQuery] !== undefined) { given = true; break }
  }
  if (!given) return null
  const filters = filtersOf(query)
  return hasFilters(filters) ? filters : null
}

/** `-year,title` as terms; a field given twice counts where it first appears. */
export function orderingOf (items: string[] | undefined): OrderingTerm[] | undefined {
  if (items === undefined) return undefined
  const terms: OrderingTerm[] = []
  for (const item of items) {
    const descending = item.startsWith('-')
    const field = (descending ? item.slice(1) : item) as OrderingField
    if (!terms.some((term) => term.field === field)) terms.push({ field, descending })
  }
  return terms
}

export const pageRequestOf = (query: { page?: number | 'last', page_size?: number }): PageRequest =>
  ({ page: query.page ?? 1, pageSize: query.page_size ?? DEFAULT_PAGE_SIZE })

export function searchOf (query: Static<typeof SearchQuery>): { search: SearchRequest, page: PageRequest } {
  return { search: { q: query.q, ...filtersOf(query), ordering: orderingOf(query.ordering) }, page: pageRequestOf(query) }
}
