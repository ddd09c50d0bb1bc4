// The seed's example entries, as the default catalogue must serve them: the two
// answers the old service's documentation shows (AnimeEntry's examples in the
// OpenAPI document), without their ids (ids are the service's own).
import type { Static } from '@sinclair/typebox'
import { AnimeEntry } from '../../schemas/anime.js'

export const seedExamples = (AnimeEntry.examples as Array<Static<typeof AnimeEntry>>).map(({ id: _id, ...entry }) => entry)
