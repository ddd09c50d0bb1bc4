// The anime endpoints of the seed: one entry, a random one.
import { Type } from '@sinclair/typebox'
import { Id, Nullable } from './common.js'

export const AnimeEntry = Type.Object({
  id: Type.Integer({ description: "The service's own id, stable across catalogue updates.", examples: [18562] }),
  title: Type.String({ examples: ['Tokyo Ghoul'] }),
  source: Type.String({ description: 'The first source URL (anidb.net where there is one).', examples: ['https://anidb.net/anime/10401'] }),
  anime_type: Type.String({ description: 'TV, Movie, OVA, ONA, Special or Unknown.', examples: ['TV'] }),
  num_episodes: Type.Integer({ examples: [12] }),
  status: Type.String({ description: 'Finished, Ongoing, Upcoming or Unknown.', examples: ['Finished'] }),
  year: Nullable(Type.Integer({ description: 'Year of first airing; null where unknown.', examples: [2014] })),
  picture: Type.String({ examples: ['https://cdn.myanimelist.net/images/anime/5/64449.jpg'] }),
  tags: Type.Array(Type.String(), { examples: [['Action', 'Dark fantasy', 'Horror']] })
}, { title: 'AnimeEntry', description: 'An anime in the shape of the old service.' })

export const EntryParams = Type.Object({
  id: Id({ description: 'The anime id: a positive whole number. Anything else is 404.', examples: [18562] })
})
