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
  tags: Type.Array(Type.String(), { description: 'Sorted, first letter upper-cased.', examples: [['Action', 'Dark fantasy', 'Horror']] })
}, {
  title: 'AnimeEntry',
  description: 'An anime in the shape of the old service.',
  // The two examples of the old service's documentation, as it answered them.
  examples: [
    {
      id: 18562,
      title: 'Tokyo Ghoul',
      source: 'https://anidb.net/anime/10401',
      anime_type: 'TV',
      num_episodes: 12,
      status: 'Finished',
      year: 2014,
      picture: 'https://cdn.myanimelist.net/images/anime/5/64449.jpg',
      tags: ['Action', 'Crime', 'Dark fantasy', 'Drama', 'Gore', 'Horror', 'Human experimentation', 'Male protagonist', 'Mystery', 'Police',
        'Psychological', 'Seinen', 'Supernatural', 'Survival', 'Tragedy', 'Violence']
    },
    {
      id: 12839,
      title: 'Nisekoi',
      source: 'https://anidb.net/anime/9903',
      anime_type: 'TV',
      num_episodes: 20,
      status: 'Finished',
      year: 2014,
      picture: 'https://cdn.myanimelist.net/images/anime/13/75587.jpg',
      tags: ['Comedy', 'Female protagonist', 'Gangs', 'Harem', 'Love polygon', 'Love triangle', 'Mafia', 'Male protagonist', 'Romance',
        'Romantic comedy', 'School', 'School life', 'Shounen', 'Slice of life']
    }
  ]
})

export const EntryParams = Type.Object({
  id: Id({ description: 'The anime id: a positive whole number. Anything else is 404.', examples: [18562] })
})
