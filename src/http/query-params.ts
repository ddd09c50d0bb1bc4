// Query-string parameters read the way the old service (DRF) read them, with its
// messages, every bad parameter reported at once: 400 {"<param>": ["<message>"]}.
// Routes that use this skip ajv for their query string (see `manualQuery`): the
// TypeBox schema still documents each parameter in the OpenAPI document.
import type { FastifyRequest } from 'fastify'
import { fieldErrors, type FieldErrorBody } from '../errors.js'

export type RawQuery = Record<string, unknown>

/** Route option: the handler validates the query string itself (and params, which it parses). */
export const manualQuery = { validatorCompiler: () => () => true }

export const messages = {
  integer: 'A valid integer is required.',
  min: (limit: number | string) => `Ensure this value is greater than or equal to ${limit}.`,
  max: (limit: number | string) => `Ensure this value is less than or equal to ${limit}.`,
  choice: (value: string) => `Select a valid choice. ${value} is not one of the available choices.`,
  maxLength: (limit: number) => `Ensure this field has no more than ${limit} characters.`
}

export class QueryReader {
  readonly errors: FieldErrorBody = {}
  constructor (private readonly query: RawQuery) {}

  fail (name: string, message: string): void {
    (this.errors[name] ??= []).push(message)
  }

  failed (name: string): boolean {
    return this.errors[name] !== undefined
  }

  /** Throws 400 with every error found so far. */
  done (): void {
    if (Object.keys(this.errors).length > 0) throw fieldErrors(this.errors)
  }

  /** The parameter's text (its last value when repeated, as Django's QueryDict.get); blank is absent. */
  text (name: string): string | undefined {
    let value = this.query[name]
    if (Array.isArray(value)) value = value[value.length - 1]
    if (typeof value !== 'string') return undefined
    const trimmed = value.trim()
    return trimmed === '' ? undefined : trimmed
  }

  string (name: string, maxLength: number): string | undefined {
    const value = this.text(name)
    if (value !== undefined && [...value].length > maxLength) {
      this.fail(name, messages.maxLength(maxLength))
      return undefined
    }
    return value
  }

  /** A whole number (`12`, `+12`, `12.0` as DRF's IntegerField), within bounds. */
  integer (name: string, bounds: { min?: number, max?: number } = {}): number | undefined {
    const value = this.text(name)
    if (value === undefined) return undefined
    if (!/^[+-]?\d+(\.0*)?$/.test(value)) {
      this.fail(name, messages.integer)
      return undefined
    }
    const number = Number.parseInt(value, 10)
    if (bounds.min !== undefined && number < bounds.min) {
      this.fail(name, messages.min(bounds.min))
      return undefined
    }
    if (bounds.max !== undefined && number > bounds.max) {
      this.fail(name, messages.max(bounds.max))
      return undefined
    }
    return number
  }

  /** Comma-separated values, trimmed, blanks dropped, duplicates removed. */
  list (name: string): string[] | undefined {
    const value = this.text(name)
    if (value === undefined) return undefined
    const items = [...new Set(value.split(',').map((item) => item.trim()).filter((item) => item !== ''))]
    return items.length === 0 ? undefined : items
  }

  /** Comma-separated choices, case-insensitive, as their canonical spelling. */
  choices<T extends string> (name: string, allowed: readonly T[]): T[] | undefined {
    const items = this.list(name)
    if (items === undefined) return undefined
    const canonical = new Map(allowed.map((choice) => [choice.toLowerCase(), choice]))
    const out: T[] = []
    for (const item of items) {
      const choice = canonical.get(item.toLowerCase())
      if (choice === undefined) this.fail(name, messages.choice(item))
      else if (!out.includes(choice)) out.push(choice)
    }
    return this.failed(name) ? undefined : out
  }
}

// Links as DRF builds them: the request's absolute URL with one parameter
// replaced or removed, the parameters sorted by name and form-encoded.

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
