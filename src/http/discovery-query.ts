// The query strings of the discovery endpoints (schemas/discovery.ts documents them).
import type { FastifyRequest } from 'fastify'
import { ApiError } from '../errors.js'
import { animeStatuses, animeTypes } from '../catalogue/normalize.js'
import { orderingFields, seasonNames, type Filters, type OrderingField, type OrderingTerm, type SearchRequest } from '../catalogue/search.js'
import { messages, pageLinks, QueryReader, type Links, type RawQuery } from './query-params.js'

export const typeChoices = [...new Set(Object.values(animeTypes))]
export const statusChoices = [...new Set(Object.values(animeStatuses))]
export const MAX_QUERY_LENGTH = 200
export const DEFAULT_PAGE_SIZE = 20
export const MAX_PAGE_SIZE = 100

/** Cross-checks a min/max pair: min above max fails on the min. */
function checkRange (reader: QueryReader, minName: string, min: number | undefined, max: number | undefined): void {
  if (min !== undefined && max !== undefined && min > max) reader.fail(minName, messages.max(max))
}

/** type, status, season, tags, exclude_tags, year, year_min, year_max, episodes_min, episodes_max. */
export function readFilters (reader: QueryReader): Filters {
  const filters: Filters = {
    types: reader.choices('type', typeChoices),
    statuses: reader.choices('status', statusChoices),
    seasons: reader.choices('season', seasonNames),
    tags: reader.list('tags'),
    excludeTags: reader.list('exclude_tags'),
    year: reader.integer('year'),
    yearMin: reader.integer('year_min'),
    yearMax: reader.integer('year_max'),
    episodesMin: reader.integer('episodes_min', { min: 0 }),
    episodesMax: reader.integer('episodes_max', { min: 0 })
  }
  checkRange(reader, 'year_min', filters.yearMin, filters.yearMax)
  checkRange(reader, 'episodes_min', filters.episodesMin, filters.episodesMax)
  return filters
}

function readOrdering (reader: QueryReader): OrderingTerm[] | undefined {
  const items = reader.list('ordering')
  if (items === undefined) return undefined
  const terms: OrderingTerm[] = []
  for (const item of items) {
    const descending = item.startsWith('-')
    const field = (descending ? item.slice(1) : item).toLowerCase() as OrderingField
    if (!(orderingFields as readonly string[]).includes(field)) reader.fail('ordering', messages.choice(item))
    else if (!terms.some((t) => t.field === field)) terms.push({ field, descending })
  }
  return reader.failed('ordering') ? undefined : terms
}

export interface PageRequest { page: number | 'last', pageSize: number }

/** `/anime/search`: the search and its page; throws 400 on bad parameters. */
export function readSearchQuery (query: RawQuery): { search: SearchRequest, page: PageRequest } {
  const reader = new QueryReader(query)
  const q = reader.string('q', MAX_QUERY_LENGTH)
  const filters = readFilters(reader)
  const ordering = readOrdering(reader)
  const page = readPageQuery(reader)
  reader.done()
  return { search: { q, ...filters, ordering }, page }
}

/** `page` (a number from 1, or `last`) and `page_size`, as DRF's page-number pagination. */
export function readPageQuery (reader: QueryReader): PageRequest {
  const page = reader.text('page')?.toLowerCase() === 'last' ? 'last' : reader.integer('page', { min: 1 }) ?? 1
  const pageSize = reader.integer('page_size', { min: 1, max: MAX_PAGE_SIZE }) ?? DEFAULT_PAGE_SIZE
  return { page, pageSize }
}

/** `/anime/random`: the filters only. */
export function readRandomQuery (query: RawQuery): Filters {
  const reader = new QueryReader(query)
  const filters = readFilters(reader)
  reader.done()
  return filters
}

/** Whether any filter is set (random without filters keeps its O(1) pick). */
export const hasFilters = (filters: Filters): boolean => Object.values(filters).some((value) => value !== undefined)

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

export const queryOf = (request: FastifyRequest): RawQuery => (request.query ?? {}) as RawQuery
