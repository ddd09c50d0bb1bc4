// The seed's example entries, as the default catalogue must serve them.
// The two examples the old service's documentation gave, without their ids (ids are the service's own).
export const seedExamples = [
  {
    title: 'Tokyo Ghoul',
    source: 'https://anidb.net/anime/10401',
    anime_type: 'TV',
    num_episodes: 12,
    status: 'Finished',
    year: 2014,
    picture: 'https://cdn.myanimelist.net/images/anime/5/64449.jpg',
    tags: ['Action', 'Crime', 'Dark fantasy', 'Drama', 'Gore', 'Horror', 'Human experimentation', 'Male protagonist',
      'Mystery', 'Police', 'Psychological', 'Seinen', 'Supernatural', 'Survival', 'Tragedy', 'Violence']
  },
  {
    title: 'Nisekoi',
    source: 'https://anidb.net/anime/9903',
    anime_type: 'TV',
    num_episodes: 20,
    status: 'Finished',
    year: 2014,
    picture: 'https://cdn.myanimelist.net/images/anime/13/75587.jpg',
    tags: ['Comedy', 'Female protagonist', 'Gangs', 'Harem', 'Love polygon', 'Love triangle', 'Mafia', 'Male protagonist',
      'Romance', 'Romantic comedy', 'School', 'School life', 'Shounen', 'Slice of life']
  }
]
