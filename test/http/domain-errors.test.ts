// The domain's errors as HTTP answers (src/http/domain-errors.ts): every error
// class the accounts and watchlists modules export has an answer, and the ones
// no client can see through the API (a client gone) are answered as before.
import t from 'tap'
import * as accountErrors from '../../src/accounts/errors.js'
import { DuplicateAccountError } from '../../src/accounts/repository.js'
import { DomainError } from '../../src/domain-error.js'
import { ApiError } from '../../src/errors.js'
import { httpErrorOf, notAuthenticatedMessages, throttled } from '../../src/http/domain-errors.js'
import * as watchlistErrors from '../../src/watchlists/errors.js'
import { DuplicateListNameError, ListFullError, TooManyListsError } from '../../src/watchlists/repository.js'

/** One instance of each error class, made with a plausible argument. */
type ErrorClass = (new (a: unknown, b: unknown) => DomainError) & { name: string }
const classes = ([...Object.values(accountErrors), ...Object.values(watchlistErrors), DuplicateAccountError, DuplicateListNameError, ListFullError, TooManyListsError] as unknown[])
  .filter((value): value is ErrorClass => typeof value === 'function' && value.prototype instanceof DomainError)

t.test('every domain error of accounts and watchlists has an answer, in the old service\'s shape', async (t) => {
  t.ok(classes.length >= 16, `${classes.length} error classes`)
  for (const Class of classes) {
    const error = new Class(1, 'a reason')
    t.equal(error.name, Class.name, `${Class.name} is named after its class`)
    const answer = httpErrorOf(error)
    t.ok(answer instanceof ApiError, `${Class.name} is answered`)
    t.ok(answer!.statusCode >= 400 && answer!.statusCode < 600, `${Class.name}: ${answer!.statusCode}`)
  }
})

t.test('errors that are not the domain\'s are left to the next handler', async (t) => {
  t.equal(httpErrorOf(new Error('boom')), undefined)
  t.equal(httpErrorOf(new ApiError(404, { detail: 'Not found.' })), undefined)
  t.equal(httpErrorOf('a string'), undefined)
})

t.test('a client gone before its password was hashed: 499, nginx\'s code, which nobody reads', async (t) => {
  const answer = httpErrorOf(new accountErrors.ClientGoneError())!
  t.equal(answer.statusCode, 499)
  t.same(answer.body, { detail: 'Client closed the request.' })
})

t.test('each reason a request is not authenticated: 401 with knox\'s words and WWW-Authenticate: Token', async (t) => {
  for (const reason of Object.keys(notAuthenticatedMessages) as accountErrors.NotAuthenticatedReason[]) {
    const answer = httpErrorOf(new accountErrors.NotAuthenticatedError(reason))!
    t.equal(answer.statusCode, 401, reason)
    t.same(answer.body, { detail: notAuthenticatedMessages[reason] }, reason)
    t.same(answer.headers, { 'www-authenticate': 'Token' }, reason)
  }
})

t.test('throttled: seconds rounded up, at least one, in the body and Retry-After alike', async (t) => {
  for (const [waitMs, seconds] of [[1, 1], [999, 1], [1000, 1], [1001, 2], [59_500, 60]] as const) {
    const answer = httpErrorOf(new accountErrors.ThrottledError(waitMs))!
    t.same(answer.body, { detail: `Request was throttled. Expected available in ${seconds} ${seconds === 1 ? 'second' : 'seconds'}.` })
    t.equal(answer.headers['retry-after'], String(seconds))
    t.same(throttled(waitMs), answer, 'the global rate limit answers the same')
  }
})

t.test('a full list: the import says nothing was imported, a single entry does not', async (t) => {
  t.same(httpErrorOf(new ListFullError(10))!.body, { detail: 'A list holds at most 10 anime.' })
  t.same(httpErrorOf(new ListFullError(10, true))!.body, { detail: 'A list holds at most 10 anime. Nothing was imported.' })
})
