// /watchlists: the caller's lists, one list, its entries. Reads of a public list
// need no token (a valid one lets the owner see their private lists); writes are
// the owner's. The list is looked up before the body is read: 401, then 404/403, then 400.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { authErrors } from '../../../schemas/account.js'
import { ErrorDetail, FieldErrors } from '../../../schemas/common.js'
import {
  EntryBody, PageQuery, Watchlist, WatchlistBody, WatchlistEntriesQuery, WatchlistEntry, WatchlistEntryPage,
  WatchlistEntryParams, WatchlistPage, WatchlistParams, WatchlistPatchBody
} from '../../../schemas/watchlists.js'
import type { Authenticated } from '../../accounts/service.js'
import { pageRequestOf } from '../../http/filters.js'
import { pageAnswer } from '../../http/links.js'
import type { EntryChange } from '../../watchlists/repository.js'
import { entryJson, listJson } from './shapes.js'
import type { Watchlist as StoredList } from '../../watchlists/repository.js'
import { parseId } from '../../validation/ids.js'
import mal from './mal.js'

const noContent = { 204: { type: 'null', description: 'Done; no body.' } }
const readErrors = { 400: FieldErrors, 404: ErrorDetail }
const writeErrors = { ...authErrors, 400: FieldErrors, 403: ErrorDetail, 404: ErrorDetail }

const watchlists: FastifyPluginAsyncTypebox = async (fastify) => {
  const service = fastify.watchlists
  const requireToken = fastify.auth([fastify.verifyToken])
  const user = (request: FastifyRequest) => (request.auth as Authenticated).user
  const listOf = (request: FastifyRequest): StoredList => request.watchlist!
  // The list is looked up in onRequest hooks, before the params are validated.
  const idParam = (request: FastifyRequest) => parseId(String((request.params as { id: string }).id))

  /** onRequest hooks: who may read the list (anyone for a public one), who may change it (its owner). */
  const readable = [fastify.optionalToken, async (request: FastifyRequest) => {
    request.watchlist = await service.readable(idParam(request), request.auth?.user ?? null)
  }]
  const owned = [requireToken, async (request: FastifyRequest) => {
    request.watchlist = await service.owned(idParam(request), user(request))
  }]

  fastify.get('/', {
    prefixTrailingSlash: 'no-slash',
    schema: {
      operationId: 'listWatchlists',
      summary: 'Your lists',
      description: 'The lists of the authenticated user, private and public, by name, a page at a time.',
      tags: ['watchlists'],
      security: [{ Token: [] }],
      querystring: PageQuery,
      response: { 200: WatchlistPage, ...authErrors, ...readErrors }
    },
    onRequest: requireToken
  }, async (request) => {
    const { results, ...page } = pageAnswer(request, await service.listsOf(user(request), pageRequestOf(request.query)))
    return { ...page, results: results.map(listJson) }
  })

  fastify.post('/', {
    prefixTrailingSlash: 'no-slash',
    schema: {
      operationId: 'createWatchlist',
      summary: 'Make a list',
      description: 'A new, empty list of the authenticated user; private unless `public` is true. 201 with the list. ' +
        'A user has at most 100 lists (the server\'s WATCHLISTS_PER_USER): one more is 400 with a `detail`.',
      tags: ['watchlists'],
      security: [{ Token: [] }],
      body: WatchlistBody,
      response: { 201: Watchlist, ...authErrors, 400: { anyOf: [FieldErrors, ErrorDetail] } }
    },
    onRequest: requireToken
  }, async (request, reply) => {
    return reply.code(201).send(listJson(await service.create(user(request), request.body)))
  })

  fastify.get('/:id', {
    schema: {
      operationId: 'getWatchlist',
      summary: 'One list',
      description: 'Anyone may read a public list; a private one is 404 to everyone but its owner.',
      tags: ['watchlists'],
      security: [{ Token: [] }, {}],
      params: WatchlistParams,
      response: { 200: Watchlist, 404: ErrorDetail }
    },
    onRequest: readable
  }, async (request) => listJson(listOf(request)))

  fastify.patch('/:id', {
    schema: {
      operationId: 'updateWatchlist',
      summary: 'Rename a list or change who may read it',
      description: 'Only the fields sent change. Owner only.',
      tags: ['watchlists'],
      security: [{ Token: [] }],
      params: WatchlistParams,
      body: WatchlistPatchBody,
      response: { 200: Watchlist, ...writeErrors }
    },
    onRequest: owned
  }, async (request) => listJson(await service.update(listOf(request), request.body)))

  fastify.delete('/:id', {
    schema: {
      operationId: 'deleteWatchlist',
      summary: 'Delete a list',
      description: 'The list and its entries. Owner only. 204.',
      tags: ['watchlists'],
      security: [{ Token: [] }],
      params: WatchlistParams,
      response: { ...noContent, ...writeErrors }
    },
    onRequest: owned
  }, async (request, reply) => {
    await service.remove(listOf(request))
    return reply.code(204).send()
  })

  fastify.get('/:id/anime', {
    schema: {
      operationId: 'listWatchlistEntries',
      summary: 'Entries of a list',
      description: 'Each entry: the anime in the seed shape (null, with `gone: true`, when it left the catalogue) and the list\'s fields. ' +
        'Filter by `status`; order by `added` (default newest first), `rating` or `title`. Same access as the list.',
      tags: ['watchlists'],
      security: [{ Token: [] }, {}],
      params: WatchlistParams,
      querystring: WatchlistEntriesQuery,
      response: { 200: WatchlistEntryPage, ...readErrors }
    },
    onRequest: readable
  }, async (request) => {
    const { status, ordering = '-added' } = request.query
    const statuses = status === undefined ? undefined : [...new Set(status)]
    const { results, ...page } = pageAnswer(request, await service.entries(listOf(request), statuses, ordering, pageRequestOf(request.query)))
    return { ...page, results: results.map(entryJson) }
  })

  fastify.put('/:id/anime/:animeId', {
    schema: {
      operationId: 'putWatchlistEntry',
      summary: 'Add an anime to a list, or update its entry',
      description: 'Adds the anime (201) or updates its entry (200); fields not sent keep their value. An anime the catalogue does not serve is 400 ' +
        '(an entry whose anime left the catalogue can still be updated). A list holds at most 10,000 anime. Owner only.',
      tags: ['watchlists'],
      security: [{ Token: [] }],
      params: WatchlistEntryParams,
      body: EntryBody,
      response: { 200: WatchlistEntry, 201: WatchlistEntry, ...writeErrors }
    },
    // Its body schema also validates each entry of a MAL import (src/watchlists/mal-upload.ts).
    onRequest: owned
  }, async (request, reply) => {
    const { animeId } = request.params
    const body = request.body
    const change: EntryChange = { status: body.status, rating: body.rating, episodesWatched: body.episodes_watched, note: body.note }
    const { entry, created } = await service.putEntry(listOf(request), animeId, change)
    return reply.code(created ? 201 : 200).send(entryJson(entry))
  })

  fastify.delete('/:id/anime/:animeId', {
    schema: {
      operationId: 'deleteWatchlistEntry',
      summary: 'Remove an anime from a list',
      description: '204; 404 when the anime is not in the list. Owner only.',
      tags: ['watchlists'],
      security: [{ Token: [] }],
      params: WatchlistEntryParams,
      response: { ...noContent, ...writeErrors }
    },
    onRequest: owned
  }, async (request, reply) => {
    await service.removeEntry(listOf(request), request.params.animeId)
    return reply.code(204).send()
  })

  await fastify.register(mal)
}

export default watchlists
