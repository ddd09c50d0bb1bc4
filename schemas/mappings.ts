// Id mapping: one site's id to the entry and to its ids on every other site.
// The parameter and body schemas are the validators (src/validation): DRF's
// messages and error shapes, a list body's errors per item.
import { Type } from '@sinclair/typebox'
import { siteNames, siteTable, type SiteName } from '../src/catalogue/sites.js'
import { FieldErrors, Nullable } from './common.js'

const siteList = siteNames.map((name) => `\`${name}\``).join(', ')

export const SiteNameParam = Type.Unsafe<SiteName>(Type.String({
  enum: [...siteNames],
  'x-case-insensitive': true,
  description: `The site (case-insensitive): ${siteList}. Any other name is 400.`,
  examples: ['myanimelist']
}))

const exampleIds: Record<'number' | 'slug', number | string> = { number: 22319, slug: 'tokyo-ghoul' }

export const Sites = Type.Object(Object.fromEntries(siteNames.map((name) => {
  const site = siteTable[name]
  const description = `The id on ${site.pattern.replace('{id}', '<id>')}.`
  return [name, Type.Optional(site.ids === 'number'
    ? Type.Integer({ description, examples: [exampleIds.number] })
    : Type.String({ description, examples: [exampleIds.slug] }))]
})), {
  title: 'Sites',
  description: 'The entry\'s id on each site it has a page on, sites in name order: numbers where the site numbers its pages, slugs where it names them. ' +
    'Where the entry merges several pages of one site, the lowest id (every one of them maps to the entry).',
  additionalProperties: false,
  examples: [{ anidb: 10401, anilist: 20605, animeplanet: 'tokyo-ghoul', myanimelist: 22319 }]
})

export const SiteMapping = Type.Object({
  id: Type.Integer({ description: 'Our id of the entry.', examples: [131] }),
  title: Type.String({ examples: ['Tokyo Ghoul'] }),
  sites: Sites
}, { title: 'SiteMapping', description: 'The entry that has this site id among its sources, with its ids on every site.' })

export const MappingParams = Type.Object({
  site: SiteNameParam,
  id: Type.String({ description: 'The id as the site writes it: digits for numbered sites, the slug for anime-planet and notify.', examples: ['22319'] })
})

export const MappingLookup = Type.Object({
  site: SiteNameParam,
  // Read as text (a number as its digits) and trimmed before it is checked, as DRF's CharField did.
  id: Type.Union([Type.String({ minLength: 1 }), Type.Integer()], {
    'x-trim': true,
    description: 'The id on that site: a number (or its digits) for numbered sites, the slug for the others.',
    examples: [22319]
  })
}, { title: 'MappingLookup' })

export const MAX_MAPPING_BATCH = 100

export const MappingBatch = Type.Array(MappingLookup, {
  title: 'MappingBatch',
  maxItems: MAX_MAPPING_BATCH,
  description: `Up to ${MAX_MAPPING_BATCH} lookups.`,
  examples: [[{ site: 'myanimelist', id: 22319 }, { site: 'animeplanet', id: 'tokyo-ghoul' }, { site: 'anilist', id: 1 }]]
})

export const MappingBatchAnswer = Type.Array(Nullable(SiteMapping), {
  title: 'MappingBatchAnswer',
  description: 'One item per lookup, in the same order: the mapping, or null where no entry has that id.'
})

export const MappingBatchErrors = Type.Array(Type.Union([
  FieldErrors,
  Type.Object({}, { title: 'NoFieldErrors', additionalProperties: false, description: 'A valid item of a list whose other items are not: `{}`.' })
]), {
  title: 'MappingBatchErrors',
  description: 'One object of field errors per lookup, in the same order, `{}` for the valid ones (DRF\'s errors of a list).',
  examples: [[{}, { site: ['"mal" is not a valid choice.'] }, { id: ['This field may not be blank.'] }]]
})
