// What can go wrong with a watchlist request, as the domain says it (the store's
// own, DuplicateListNameError, TooManyListsError and ListFullError, are in
// repository.ts): no HTTP statuses, no wire bodies. src/http/domain-errors.ts
// answers each as the old service did.
import { DomainError } from '../domain-error.js'

/** No such list, or one the viewer may not read (a private list's existence is not revealed). */
export class ListNotFoundError extends DomainError {
  constructor () { super('no such list') }
}

/** The viewer may read the list but not change it: it is not theirs. */
export class NotListOwnerError extends DomainError {
  constructor () { super('the list is not the viewer\'s') }
}

/** The anime is not in the list. */
export class EntryNotFoundError extends DomainError {
  constructor () { super('no such entry') }
}

/** A new entry names an anime the catalogue does not serve. */
export class AnimeNotInCatalogueError extends DomainError {
  constructor (readonly animeId: number) { super(`anime ${animeId} is not in the catalogue`) }
}

/** More episodes watched than the anime has. */
export class TooManyEpisodesError extends DomainError {
  constructor (readonly episodes: number) { super(`the anime has ${episodes} episodes`) }
}

/** A MyAnimeList file that cannot be imported: not a MAL export (`invalid`), or larger than the limits (`too-large`); the message says why. */
export class MalFileError extends DomainError {
  constructor (readonly kind: 'invalid' | 'too-large', message: string) { super(message) }
}

/** The service is shutting down: the MAL import was not taken, or not finished reading. */
export class ImportsClosedError extends DomainError {
  constructor () { super('the MAL imports are closed: the service is shutting down') }
}
