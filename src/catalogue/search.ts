// The search request: what discovery's callers (the native routes, /v4, the
// recommendations) ask for, and the contract between them and the engine
// (engine/: text matching, filters, orderings; discovery.ts: the reader).
import type { SiteName } from './sites.js'

/** Orderings of /anime/search. */
export const orderingFields = ['relevance', 'title', 'year', 'episodes', 'score'] as const
/** Those, the type's name, and the entry's MyAnimeList id (entries without one last). */
export type OrderingField = typeof orderingFields[number] | 'type' | 'mal_id'
export interface OrderingTerm { field: OrderingField, descending: boolean }

/** Seasons of first airing, in calendar order. */
export const seasonNames = ['winter', 'spring', 'summer', 'fall'] as const
export type Season = typeof seasonNames[number]

export interface Filters {
  /** Seed values (TV, Movie …); any of them. */
  types?: string[]
  statuses?: string[]
  /** Season of first airing, any of them (entries of unknown season never match). */
  seasons?: Season[]
  /** Every one must be a tag of the entry (case-insensitive). */
  tags?: string[]
  /** None may be a tag of the entry (case-insensitive). */
  excludeTags?: string[]
  /** Exactly this year. */
  year?: number
  yearMin?: number
  yearMax?: number
  episodesMin?: number
  episodesMax?: number
  /** Catalogue score (AOD's), inclusive. */
  scoreMin?: number
  scoreMax?: number
  /** The title starts with this text (case-insensitive for ASCII letters). */
  titlePrefix?: string
  /** Each group: the entry has at least one of its tags (case-insensitive). */
  tagGroups?: string[][]
  /** Made by any of these companies (ids of the company registry: studios and producers). */
  companies?: number[]
  /** Only entries with an id on this site (a source URL of it, see sites.ts). */
  site?: SiteName
}

export interface SearchRequest extends Filters {
  q?: string
  ordering?: OrderingTerm[]
}

export interface Page<T> { count: number, results: T[] }
