// The domain's errors (src/accounts, src/watchlists, the user store's
// unavailability) as the old service answered them: status, body and headers,
// to the byte. The service's error handler (src/plugins/errors.ts) answers
// through this mapping; an error it does not know is answered as it is.
import { ApiError, fieldErrors, notFound } from '../errors.js'
import { DuplicateAccountError } from '../accounts/repository.js'
import {
  BadCredentialsError, ClientGoneError, NotAuthenticatedError, PasswordsBusyError, ThrottledError, TokenLimitError,
  type NotAuthenticatedReason
} from '../accounts/errors.js'
import { messages as checkMessages } from '../accounts/service.js'
import { StoreUnavailableError } from '../storage/errors.js'
import { DuplicateListNameError, ListFullError, TooManyListsError } from '../watchlists/repository.js'
import {
  AnimeNotInCatalogueError, EntryNotFoundError, ImportsClosedError, ListNotFoundError, MalFileError, NotListOwnerError, TooManyEpisodesError
} from '../watchlists/errors.js'

/** The old service's words (knox's, DRF's) for the account errors. */
export const accountMessages = {
  ...checkMessages,
  badCredentials: 'Unable to log in with provided credentials.',
  tokenLimit: 'Maximum amount of tokens allowed per user exceeded.'
}

/** knox's words for each reason a request did not authenticate. */
export const notAuthenticatedMessages: Record<NotAuthenticatedReason, string> = {
  'no-credentials': 'Authentication credentials were not provided.',
  'no-token': 'Invalid token header. No credentials provided.',
  'token-with-spaces': 'Invalid token header. Token string should not contain spaces.',
  'invalid-token': 'Invalid token.',
  'inactive-user': 'User inactive or deleted.'
}

export const watchlistMessages = {
  nameTaken: 'You already have a list with that name.',
  forbidden: 'You do not have permission to perform this action.',
  notInCatalogue: (id: number) => `Invalid pk "${id}" - object does not exist.`,
  tooManyEpisodes: (n: number) => `Ensure this value is less than or equal to ${n}.`,
  listFull: (n: number) => `A list holds at most ${n} anime.`,
  tooManyLists: (n: number) => `You have ${n} lists, the most one user may have. Delete one to make another.`
}

const seconds = (n: number): string => `${n} ${n === 1 ? 'second' : 'seconds'}`

/** The old service's 429, worded as Django REST framework's Throttled ("1 second.", "2 seconds."); also the global rate limit's. */
export function throttled (waitMs: number): ApiError {
  const wait = Math.max(1, Math.ceil(waitMs / 1000))
  return new ApiError(429, { detail: `Request was throttled. Expected available in ${seconds(wait)}.` }, { 'retry-after': String(wait) })
}

/** The answer to a domain error; undefined for an error that is not one. */
export function httpErrorOf (error: unknown): ApiError | undefined {
  if (!(error instanceof Error)) return undefined
  switch (error.constructor) {
    case StoreUnavailableError:
      return new ApiError(503, { detail: 'Service temporarily unavailable.' })
    case NotAuthenticatedError:
      return new ApiError(401, { detail: notAuthenticatedMessages[(error as NotAuthenticatedError).reason] }, { 'www-authenticate': 'Token' })
    case DuplicateAccountError: {
      const { field } = error as DuplicateAccountError
      return fieldErrors({ [field]: [field === 'username' ? accountMessages.usernameTaken : accountMessages.emailTaken] })
    }
    case BadCredentialsError:
      return fieldErrors({ non_field_errors: [accountMessages.badCredentials] })
    case TokenLimitError:
      return new ApiError(403, { error: accountMessages.tokenLimit })
    case ThrottledError:
      return throttled((error as ThrottledError).waitMs)
    case PasswordsBusyError: {
      const wait = (error as PasswordsBusyError).retryAfterSeconds
      return new ApiError(503, { detail: `Too many password checks in progress. Try again in ${seconds(wait)}.` }, { 'retry-after': String(wait) })
    }
    case ClientGoneError:
      // Nobody is left to read it (nginx's 499).
      return new ApiError(499, { detail: 'Client closed the request.' })
    case ListNotFoundError:
    case EntryNotFoundError:
      return notFound()
    case NotListOwnerError:
      return new ApiError(403, { detail: watchlistMessages.forbidden })
    case DuplicateListNameError:
      return fieldErrors({ name: [watchlistMessages.nameTaken] })
    case TooManyListsError:
      return new ApiError(400, { detail: watchlistMessages.tooManyLists((error as TooManyListsError).maxLists) })
    case ListFullError: {
      const { maxEntries, wholeImport } = error as ListFullError
      return new ApiError(400, { detail: wholeImport ? `${watchlistMessages.listFull(maxEntries)} Nothing was imported.` : watchlistMessages.listFull(maxEntries) })
    }
    case AnimeNotInCatalogueError:
      return fieldErrors({ anime_id: [watchlistMessages.notInCatalogue((error as AnimeNotInCatalogueError).animeId)] })
    case TooManyEpisodesError:
      return fieldErrors({ episodes_watched: [watchlistMessages.tooManyEpisodes((error as TooManyEpisodesError).episodes)] })
    case MalFileError:
      return new ApiError((error as MalFileError).kind === 'too-large' ? 413 : 400, { detail: error.message })
    case ImportsClosedError:
      return new ApiError(503, { detail: 'The service is shutting down.' })
    default:
      return undefined
  }
}
