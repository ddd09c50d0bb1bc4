// Jikan v4's published OpenAPI document (the copy under test/fixtures/jikan),
// dereferenced by @apidevtools/swagger-parser, and checks of answers against it:
// schema validation (ajv, OpenAPI's `nullable` included) and, since the document
// marks no property as required, a walk that finds every listed property the
// answer lacks. Also the fixture catalogue the /v4 tests share.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import SwaggerParser from '@apidevtools/swagger-parser'
import { Ajv, type ValidateFunction } from 'ajv'
import { aodRecord, type AodRecord } from './aod.js'

const here = path.dirname(fileURLToPath(import.meta.url))
export const apiDocsFile = path.join(here, '..', 'fixtures', 'jikan', 'api-docs.json')

type Schema = Record<string, unknown>
interface Operation { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }
export interface JikanSpec { paths: Record<string, { get: Operation }>, components: { schemas: Record<string, Schema> } }

/**
 * Two readings of the document as OpenAPI 3.0 means it, where a plain JSON
 * Schema validator reads it otherwise:
 * - `nullable: true` "allows sending a null value for the defined schema"; ajv
 *   applies an `enum` beside it strictly, so null is added to such enums (Jikan's
 *   `type`, `status`, `rating` and `season` are null where MyAnimeList has none).
 * - `oneOf` of anime_meta and manga_meta (a recommendation's entry): neither has a
 *   required property, so every object matches both and none matches exactly
 *   one; such alternatives are read as `anyOf`.
 */
function asOpenApi30 (node: unknown, seen = new Set<unknown>()): void {
  if (node === null || typeof node !== 'object' || seen.has(node)) return
  seen.add(node)
  const schema = node as Record<string, unknown>
  if (schema.nullable === true && Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum = [...schema.enum, null]
  if (Array.isArray(schema.oneOf)) {
    schema.anyOf = schema.oneOf
    delete schema.oneOf
  }
  for (const value of Object.values(schema)) asOpenApi30(value, seen)
}

let loaded: Promise<JikanSpec> | undefined
/** The document with every $ref resolved (the same object where two refs name one schema), read as OpenAPI 3.0 (asOpenApi30). */
export const jikanSpec = (): Promise<JikanSpec> => (loaded ??= (SwaggerParser.dereference(apiDocsFile) as unknown as Promise<JikanSpec>).then((spec) => {
  asOpenApi30(spec)
  return spec
}))

const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false })
const compiled = new Map<Schema, ValidateFunction>()

/** The schema of the 200 answer of GET `path` (a path of the document, e.g. /anime/{id}). */
export function responseSchema (spec: JikanSpec, path: string): Schema {
  const operation = spec.paths[path]?.get
  if (operation === undefined) throw new Error(`the document has no GET ${path}`)
  const schema = operation.responses['200']?.content?.['application/json']?.schema
  if (schema === undefined) throw new Error(`the document has no JSON 200 answer for GET ${path}`)
  return schema
}

/** ajv's errors for `value` against `schema`, as text; empty when it validates. */
export function schemaErrors (schema: Schema, value: unknown): string[] {
  let validate = compiled.get(schema)
  if (validate === undefined) {
    validate = ajv.compile(schema)
    compiled.set(schema, validate)
  }
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`)
}

/**
 * Every property the schema lists (following allOf, and for oneOf/anyOf the
 * alternative that fits best) that `value` lacks, as paths. An array schema
 * that also lists `properties` (Jikan's entry_recommendations does) has them
 * checked on its items.
 */
export function missingKeys (schema: Schema, value: unknown, at = ''): string[] {
  if (value === null || value === undefined) return []
  const missing: string[] = []
  for (const part of (schema.allOf as Schema[] | undefined) ?? []) missing.push(...missingKeys(part, value, at))
  const alternatives = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined
  if (alternatives !== undefined) {
    const each = alternatives.map((alternative) => missingKeys(alternative, value, at))
    missing.push(...each.reduce((best, next) => next.length < best.length ? next : best))
  }
  const properties = schema.properties as Record<string, Schema> | undefined
  if (Array.isArray(value)) {
    const items = schema.items as Schema | undefined
    value.forEach((item, i) => {
      if (items !== undefined) missing.push(...missingKeys(items, item, `${at}[${i}]`))
      if (properties !== undefined) missing.push(...missingKeys({ properties }, item, `${at}[${i}]`))
    })
    return missing
  }
  if (properties !== undefined && typeof value === 'object') {
    for (const [key, property] of Object.entries(properties)) {
      if (!(key in (value as object))) missing.push(`${at}.${key}`)
      else missing.push(...missingKeys(property, (value as Record<string, unknown>)[key], `${at}.${key}`))
    }
  }
  return missing
}

/** The MyAnimeList id of fixture entry n (entries n % 9 === 0 have none). */
export const malIdOfFixture = (n: number): number | null => n % 9 === 0 ? null : 5000 + n * 3

export const FIXTURE_SIZE = 36

/** Fixture entry n (its catalogue id in a fresh catalogue is n): every kind of data AOD has, and lacks. */
export function jikanFixture (n: number): AodRecord {
  const malId = malIdOfFixture(n)
  const types = ['TV', 'MOVIE', 'OVA', 'ONA', 'SPECIAL', 'UNKNOWN']
  const statuses = ['FINISHED', 'ONGOING', 'UPCOMING', 'UNKNOWN']
  const seasons = ['WINTER', 'SPRING', 'SUMMER', 'FALL', 'UNDEFINED']
  const tagSets = [
    ['action', 'shounen', 'sci-fi', 'male protagonist'],
    ['comedy', 'romance', 'school', 'harem'],
    ['drama', 'thriller', 'seinen', 'gore'],
    ['slice of life', 'cute girls doing cute things', 'iyashikei'],
    ['hentai', 'romance'],
    ['ecchi', 'comedy', 'erotica'],
    ['fantasy', 'isekai', 'magical girl', 'kids'],
    ['mecha', 'space', 'military', 'science fiction']
  ]
  return aodRecord(n, {
    sources: [`https://anidb.net/anime/${n}`, `https://kitsu.app/anime/${n + 700}`, ...(malId === null ? [] : [`https://myanimelist.net/anime/${malId}`])].sort(),
    title: `${['Sora', 'Umi', 'Kaze', 'Hoshi', 'Tsuki', 'Yama'][n % 6]} no ${['Uta', 'Monogatari', 'Kiseki'][n % 3]} ${n}`,
    type: types[n % types.length],
    status: statuses[n % statuses.length],
    episodes: n % 5 === 0 ? 0 : n % 6 === 1 ? 1 : 12 + n,
    animeSeason: n % 11 === 0 ? {} : { season: seasons[n % seasons.length], year: 2000 + (n % 8) },
    picture: n % 10 === 0 ? undefined : `https://cdn.myanimelist.net/images/anime/${n}/${1000 + n}.jpg`,
    thumbnail: n % 10 === 0 ? undefined : `https://cdn.myanimelist.net/images/anime/${n}/${1000 + n}t.jpg`,
    duration: n % 7 === 0 ? undefined : { value: n % 6 === 1 ? 5400 + n * 60 : n % 13 === 0 ? 45 : 1440, unit: 'SECONDS' },
    score: n % 4 === 3 ? undefined : { arithmeticGeometricMean: Math.round((5 + (n % 47) / 10) * 100) / 100, arithmeticMean: 7, median: 7 },
    synonyms: n % 3 === 0 ? [] : [`Synonym ${n}`, `別名${n}`],
    studios: n % 5 === 4 ? [] : [`studio ${n % 3}`],
    producers: [`producer ${n % 4}`, ...(n % 2 === 0 ? ['shared producer'] : [])],
    // Franchise pairs (n, n + 1); each also names an anime outside the catalogue.
    relatedAnime: n % 2 === 1 && n < FIXTURE_SIZE
      ? [`https://anidb.net/anime/${n + 1}`, 'https://myanimelist.net/anime/999999']
      : n % 2 === 0 ? [`https://anidb.net/anime/${n - 1}`] : [],
    tags: tagSets[n % tagSets.length]
  })
}

export const jikanFixtures = (): AodRecord[] => Array.from({ length: FIXTURE_SIZE }, (_, i) => jikanFixture(i + 1))
