// MyAnimeList's anime genres, explicit genres, themes and demographics with
// MyAnimeList's ids (the list Jikan's GET /genres/anime answers), and which
// anime-offline-database tags stand for each. An entry's genres are the ones
// whose tags it has; tags matching none are left out, never turned into genres.
//
// Tags are AOD's, lowercase: MyAnimeList's own genre names come through as tags,
// as do other sites' tags. A genre matches its own name and, where listed, the
// names MyAnimeList formerly gave the same id (Dementia → Avant Garde, Thriller →
// Suspense, Shounen Ai and Yaoi → Boys Love, Shoujo Ai and Yuri → Girls Love,
// Romantic Subtext → Love Status Quo, Work Life → Workplace) and spellings of the
// same name (Science Fiction, Cute Girls Doing Cute Things, Magical Girl, Vampires).
// docs/jikan.md shows this table.

export type GenreKind = 'genres' | 'explicit_genres' | 'themes' | 'demographics'

export interface MalGenre {
  mal_id: number
  name: string
  kind: GenreKind
  /** The AOD tags (lowercase) that mean this genre. */
  tags: readonly string[]
}

const genre = (kind: GenreKind) => (malId: number, name: string, ...synonyms: string[]): MalGenre =>
  ({ mal_id: malId, name, kind, tags: [name.toLowerCase(), ...synonyms] })
const g = genre('genres')
const x = genre('explicit_genres')
const t = genre('themes')
const d = genre('demographics')

/** In the order of Jikan's GET /genres/anime: genres, explicit genres, themes, demographics, each by name. */
export const malGenres: readonly MalGenre[] = [
  g(1, 'Action'), g(2, 'Adventure'), g(5, 'Avant Garde', 'dementia'), g(46, 'Award Winning'),
  g(28, 'Boys Love', 'shounen ai', 'yaoi'), g(4, 'Comedy'), g(8, 'Drama'), g(10, 'Fantasy'),
  g(26, 'Girls Love', 'shoujo ai', 'yuri'), g(47, 'Gourmet'), g(14, 'Horror'), g(7, 'Mystery'), g(22, 'Romance'),
  g(24, 'Sci-Fi', 'science fiction'), g(36, 'Slice of Life'), g(30, 'Sports'), g(37, 'Supernatural'),
  g(41, 'Suspense', 'thriller'),
  x(9, 'Ecchi'), x(49, 'Erotica'), x(12, 'Hentai'),
  t(50, 'Adult Cast'), t(51, 'Anthropomorphic'), t(52, 'CGDCT', 'cute girls doing cute things'), t(53, 'Childcare'),
  t(54, 'Combat Sports'), t(81, 'Crossdressing'), t(55, 'Delinquents'), t(39, 'Detective'), t(56, 'Educational'),
  t(57, 'Gag Humor'), t(58, 'Gore'), t(35, 'Harem'), t(59, 'High Stakes Game'), t(13, 'Historical'),
  t(60, 'Idols (Female)'), t(61, 'Idols (Male)'), t(62, 'Isekai'), t(63, 'Iyashikei'), t(64, 'Love Polygon'),
  t(65, 'Magical Sex Shift'), t(66, 'Mahou Shoujo', 'magical girl'), t(17, 'Martial Arts'), t(18, 'Mecha'),
  t(67, 'Medical'), t(38, 'Military'), t(19, 'Music'), t(6, 'Mythology'), t(68, 'Organized Crime'),
  t(69, 'Otaku Culture'), t(20, 'Parody'), t(70, 'Performing Arts'), t(71, 'Pets'), t(40, 'Psychological'),
  t(3, 'Racing'), t(72, 'Reincarnation'), t(73, 'Reverse Harem'), t(74, 'Love Status Quo', 'romantic subtext'),
  t(21, 'Samurai'), t(23, 'School'), t(75, 'Showbiz'), t(29, 'Space'), t(11, 'Strategy Game'), t(31, 'Super Power'),
  t(76, 'Survival'), t(77, 'Team Sports'), t(78, 'Time Travel'), t(32, 'Vampire', 'vampires'), t(79, 'Video Game'),
  t(80, 'Visual Arts'), t(48, 'Workplace', 'work life'), t(82, 'Urban Fantasy'), t(83, 'Villainess'),
  d(43, 'Josei'), d(15, 'Kids'), d(42, 'Seinen'), d(25, 'Shoujo'), d(27, 'Shounen')
]

export const genreKinds: readonly GenreKind[] = ['genres', 'explicit_genres', 'themes', 'demographics']

const byId = new Map(malGenres.map((genre) => [genre.mal_id, genre]))
const byTag = new Map<string, MalGenre[]>()
for (const genre of malGenres) {
  for (const tag of genre.tags) byTag.set(tag, [...(byTag.get(tag) ?? []), genre])
}

export const malGenreById = (id: number): MalGenre | undefined => byId.get(id)

/** The genre's page on MyAnimeList, as Jikan gives it. */
export const malGenreUrl = (genre: MalGenre): string =>
  `https://myanimelist.net/anime/genre/${genre.mal_id}/${genre.name.replace(/[()]/g, '').replace(/ /g, '_')}`

/** The genres an entry with these tags has, each kind by name (as MyAnimeList lists them). */
export function genresOfTags (tags: readonly string[]): Record<GenreKind, MalGenre[]> {
  const found = new Set<MalGenre>()
  for (const tag of tags) for (const genre of byTag.get(tag.toLowerCase()) ?? []) found.add(genre)
  const out: Record<GenreKind, MalGenre[]> = { genres: [], explicit_genres: [], themes: [], demographics: [] }
  for (const genre of found) out[genre.kind].push(genre)
  for (const kind of genreKinds) out[kind].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return out
}

/** MyAnimeList's explicit genres that its "safe for work" filter leaves out (Jikan's `sfw`): Hentai and Erotica. */
export const unsafeGenres: readonly MalGenre[] = [byId.get(12)!, byId.get(49)!]
