// The query strings of the discovery endpoints (schemas/discovery.ts documents them).
import type { FastifyRequest } from 'fastify'
import { ApiError } from '../errors.js'
import { animeStatuses, animeTypes } from '../catalogue/normalize.js'
import { NoSuchPage, pageIn, type PageRequest } from '../catalogue/discovery.js'
import { orderingFields, seasonNames, type Filters, type OrderingField, type OrderingTerm, type SearchRequest } from '../catalogue/search.js'
import { messages, pageLinks, QueryReader, type Links, type RawQuery } from './query-params.js'

export type { PageRequest }

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
  const size = reader.integer('page_size', { min: 1, max: MAX_PAGE_SIZE }) ?? DEFAULT_PAGE_SIZE
  return { page, size }
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

/** DRF's 404 for a page past the end. */
export const invalidPage = (): ApiError => new ApiError(404, { detail: 'Invalid page.' })

/** The page `request` asks for once the total is known; past the end is DRF's 404 "Invalid page.". */
export function pageOf (request: PageRequest, count: number): { page: number, pages: number, offset: number, size: number } {
  const at = pageIn(request, count)
  if (at instanceof NoSuchPage) throw invalidPage()
  return { ...at, size: request.size }
}

/** A page of a catalogue read as DRF answers it, with its next/previous links; past the end, DRF's 404 "Invalid page.". */
export function pageAnswer<T> (request: FastifyRequest, found: { count: number, page: number, pages: number, results: T[] } | NoSuchPage): { count: number, results: T[] } & Links {
  if (found instanceof NoSuchPage) throw invalidPage()
  return { count: found.count, ...pageLinks(request, found.page, found.pages), results: found.results }
}

export const queryOf = (request: FastifyRequest): RawQuery => (request.query ?? {}) as RawQuery
