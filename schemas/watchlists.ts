// Watchlists: named lists of anime with a status, rating, progress and note per
// entry; MyAnimeList import/export. Body schemas are also the validators
// (src/validation reads them).
import { Type } from '@sinclair/typebox'
import { AnimeEntry } from './anime.js'
import { Format, Id, Nullable, Query, StringEnum, TextField } from './common.js'
import { ChoiceList, ListOf, Page, PageSize } from './discovery.js'
import { entryStatuses } from '../src/watchlists/repository.js'
import { entryOrderings } from '../src/watchlists/service.js'

const Time = (description: string) => Type.String({ description: `${description} UTC, ISO 8601 with six fractional digits.`, examples: ['2021-01-06T17:46:41.006000Z'] })

const ListName = TextField({
  description: '1 to 64 characters, trimmed; unique among your lists without regard to case.',
  maxLength: 64,
  'x-trim': true,
  examples: ['Favourites']
})

const Public = Type.Boolean({ description: 'Whether anyone (without a token too) may read the list. Default false.', examples: [true] })

export const WatchlistBody = Type.Object({
  name: ListName,
  public: Type.Optional(Public)
}, { title: 'WatchlistBody' })

export const WatchlistPatchBody = Type.Object({
  name: Type.Optional(ListName),
  public: Type.Optional(Public)
}, { title: 'WatchlistPatchBody' })

export const Watchlist = Type.Object({
  id: Type.Integer({ examples: [7] }),
  name: Type.String({ examples: ['Favourites'] }),
  public: Type.Boolean({ examples: [true] }),
  owner: Type.String({ description: "The owner's username (never the email).", examples: ['test'] }),
  count: Type.Integer({ description: 'Anime in the list.', examples: [42] }),
  created: Time('When the list was made:'),
  updated: Time('Last change of the list or its entries:')
}, { title: 'Watchlist' })

export const WatchlistPage = ListOf(Watchlist, 'WatchlistPage', "The caller's lists by name, a page at a time.")

export const WatchlistParams = Type.Object({
  id: Id({ description: 'The list id: a positive whole number. Anything else, unknown ids and private lists of others are 404.', examples: [7] })
})

export const WatchlistEntryParams = Type.Object({
  id: WatchlistParams.properties.id,
  animeId: Id({ description: 'A catalogue anime id (a positive whole number; anything else is 404).', examples: [18562] })
})

const Status = StringEnum(entryStatuses, {
  description: 'planned, watching, completed, paused or dropped.',
  examples: ['completed']
})

/** Most episodes an entry may count as watched (no anime has nearly as many). */
export const MAX_EPISODES_WATCHED = 100_000

export const EntryBody = Type.Object({
  status: Type.Optional(Status),
  rating: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 10, description: '1 to 10; null clears it.', examples: [9] }))),
  episodes_watched: Type.Optional(Type.Integer({
    minimum: 0,
    maximum: MAX_EPISODES_WATCHED,
    description: `0 up to the anime's episode count where the catalogue knows it (else up to ${MAX_EPISODES_WATCHED}).`,
    examples: [12]
  })),
  note: Type.Optional(TextField({ minLength: 0, maxLength: 2000, 'x-trim': true, description: 'Up to 2000 characters, trimmed; may be empty.', examples: ['Rewatch the finale'] }))
}, { title: 'EntryBody', description: 'Every field is optional: a new entry gets status planned, no rating, 0 episodes, no note; an existing one keeps what is not sent.' })

export const WatchlistEntry = Type.Object({
  anime_id: Type.Integer({ examples: [18562] }),
  title: Nullable(Type.String({ description: "The anime's title; for an anime gone from the catalogue its last known title.", examples: ['Tokyo Ghoul'] })),
  gone: Type.Boolean({ description: 'The anime has left the catalogue: `anime` is null, the entry stays.', examples: [false] }),
  anime: Nullable(AnimeEntry),
  status: Status,
  rating: Nullable(Type.Integer({ examples: [9] })),
  episodes_watched: Type.Integer({ examples: [12] }),
  note: Type.String({ examples: [''] }),
  added: Time('When the anime was added to the list:'),
  updated: Time('Last change of the entry:')
}, { title: 'WatchlistEntry', description: 'An entry: the anime in the seed shape (null when it left the catalogue) and the list\'s fields.' })

export const WatchlistEntryPage = ListOf(WatchlistEntry, 'WatchlistEntryPage', 'Entries of a list, a page at a time.')

export const WatchlistEntriesQuery = Query({
  status: ChoiceList(entryStatuses, 'Statuses, comma-separated, any of them (planned, watching, completed, paused, dropped; case-insensitive).', ['watching', 'completed']),
  ordering: Type.Optional(StringEnum(entryOrderings, {
    default: '-added',
    description: '`added` (the default: `-added`, newest first), `rating` (unrated last either way) or `title` (anime gone from the catalogue last); a leading `-` reverses.',
    examples: ['-rating']
  })),
  page: Page,
  page_size: PageSize,
  format: Format
}, { title: 'WatchlistEntriesQuery' })

export const PageQuery = Query({
  page: Page,
  page_size: PageSize,
  format: Format
}, { title: 'PageQuery' })

const malExportExample = '<?xml version="1.0" encoding="UTF-8" ?><myanimelist><myinfo><user_export_type>1</user_export_type></myinfo>' +
  '<anime><series_animedb_id>52991</series_animedb_id><series_title><![CDATA[Sousou no Frieren]]></series_title>' +
  '<my_watched_episodes>28</my_watched_episodes><my_score>10</my_score><my_status>Completed</my_status></anime></myanimelist>'
const malXml = Type.String({ format: 'binary', description: "MyAnimeList's list export, XML.", examples: [malExportExample] })
const malGzip = Type.String({ format: 'binary', description: "MyAnimeList's list export as MAL serves it: the XML, gzip-compressed (.xml.gz)." })

/**
 * The MAL import's upload, per media type. Documentation only (the OpenAPI
 * requestBody, through the route's swaggerTransform): the route reads the
 * multipart field or the raw body itself, so that a wrong upload gets a
 * message about the file, not about a schema.
 */
export const MalImportBody = {
  content: {
    'multipart/form-data': {
      schema: Type.Object({
        file: Type.String({ format: 'binary', description: 'The export file: XML, or gzip-compressed XML.', examples: [malExportExample] })
      }, { title: 'MalImportForm' })
    },
    'application/xml': { schema: malXml },
    'text/xml': { schema: malXml },
    'application/gzip': { schema: malGzip },
    'application/x-gzip': { schema: malGzip }
  }
}

export const MalImportReply = Type.Object({
  added: Type.Integer({ description: 'Anime new to the list.', examples: [40] }),
  updated: Type.Integer({ description: 'Anime already in the list, now set from the file (status, rating, episodes; the note when the file has one).', examples: [2] }),
  unmatched: Type.Integer({ description: 'Entries of the file whose MyAnimeList id the catalogue does not know (not imported).', examples: [1] }),
  unmatched_ids: Type.Array(Type.Integer(), { description: 'Their MyAnimeList ids, in file order.', examples: [[52991]] }),
  rejected: Type.Array(Type.Object({
    entry: Type.Integer({ description: 'Its position among the file\'s <anime> entries, from 1.', examples: [3] }),
    mal_id: Nullable(Type.Integer({ description: 'Its MyAnimeList id; null when <series_animedb_id> is missing or not a number.', examples: [5114] })),
    errors: Type.Record(Type.String(), Type.Array(Type.String()), {
      title: 'MalImportFieldErrors',
      description: 'Per tag of the entry (my_status, my_score, my_watched_episodes, my_comments, series_animedb_id), the messages PUT gives for the same value.',
      examples: [{ my_comments: ['Ensure this field has no more than 2000 characters.'] }]
    })
  }, { title: 'MalImportRejection' }), {
    description: 'Entries of the file that were not imported because a field fails the validation PUT /watchlists/{id}/anime/{animeId} applies, in file order.',
    examples: [[{ entry: 3, mal_id: 5114, errors: { my_score: ['Ensure this value is less than or equal to 10.'] } }]]
  })
}, { title: 'MalImportReply' })
