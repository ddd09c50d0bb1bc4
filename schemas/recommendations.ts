// Personal recommendations from the caller's lists.
import { Type } from '@sinclair/typebox'
import { AnimeEntry } from './anime.js'
import { Format, Query } from './common.js'
import { filterProperties } from './discovery.js'

export const DEFAULT_RECOMMENDATIONS = 20
export const MAX_RECOMMENDATIONS = 100

export const RecommendationsQuery = Query({
  limit: Type.Optional(Type.Integer({
    minimum: 1,
    maximum: MAX_RECOMMENDATIONS,
    default: DEFAULT_RECOMMENDATIONS,
    description: `How many (1 to ${MAX_RECOMMENDATIONS}, default ${DEFAULT_RECOMMENDATIONS}).`,
    examples: [20]
  })),
  ...filterProperties,
  format: Format
}, { title: 'RecommendationsQuery', description: 'limit, and the filters of /anime/search (type, status, season, tags, exclude_tags, year, year_min, year_max, episodes_min, episodes_max).' })

export const Recommendation = Type.Object({
  anime: AnimeEntry,
  score: Type.Number({
    description: 'With basis `ratings`: 0 to 0.5 from the tags the entry shares with what you liked (relative to the best candidate); 0.5 to 1 when AOD relates it to an anime you liked (a sequel of a series you completed or rated 7 and up), so those come first. With basis `top_scored`: the catalogue score (1 to 10).',
    examples: [0.87]
  }),
  because: Type.Object({
    anime: Type.Array(Type.Object({
      id: Type.Integer({ examples: [18562] }),
      title: Type.String({ examples: ['Tokyo Ghoul'] }),
      related: Type.Boolean({ description: 'AOD relates the two (sequel, prequel, side story…); else it shares the tags below.', examples: [true] })
    }, { title: 'RecommendationSource' }), { description: 'Anime of your lists that led to it (at most 3).' }),
    tags: Type.Array(Type.String(), { description: 'The shared tags that pulled most (at most 5).', examples: [['Gore', 'Horror']] })
  }, { title: 'RecommendationReason', description: 'Why: empty with basis `top_scored`.' })
}, { title: 'Recommendation' })

export const RecommendationsReply = Type.Object({
  basis: Type.Union([Type.Literal('ratings'), Type.Literal('top_scored')], {
    description: '`ratings`: from what you rated and completed. `top_scored`: your lists have nothing rated or completed yet (or nothing matched), so these are the catalogue\'s best-scored entries you have not listed.',
    examples: ['ratings']
  }),
  results: Type.Array(Recommendation)
}, { title: 'RecommendationsReply' })
