// Readiness for /ready: the catalogue is loaded (entries > 0), the user store
// takes writes (its own check, src/storage: no connection of ours), no database file was found damaged while serving
// (SQLite reported corruption; the catalogue is checked at start, see
// src/catalogue/integrity.ts), and the service is not shutting down. Each check is one
// trivial statement, cheap enough for a load balancer polling every second.
import path from 'node:path'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Static } from '@sinclair/typebox'
import type { AccountsStatus, CatalogueStatus } from '../../../schemas/health.js'

export interface Readiness {
  ready: boolean
  /** Why not, when not ready. */
  problems: string[]
  catalogue: Static<typeof CatalogueStatus>
  accounts: Static<typeof AccountsStatus>
}

declare module 'fastify' {
  interface FastifyInstance {
    readiness: () => Promise<Readiness>
    /** From now on /ready answers 503: a graceful stop has begun (src/server.ts). */
    markShuttingDown: () => void
  }
}

/** A path shows only its file name (no directories of the server); a URL loses any credentials. */
export function publicSource (source: string | null): string | null {
  if (source === null) return null
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    try {
      const url = new URL(source)
      url.username = ''
      url.password = ''
      return url.href
    } catch { return null }
  }
  return path.basename(source)
}

export default fp(async function health (fastify: FastifyInstance) {
  let closing = false
  fastify.addHook('preClose', async () => { closing = true })
  // A page found damaged while answering: out of rotation until a restart checks (and rebuilds) the files.
  let damaged = false
  fastify.addHook('onError', async (_request, _reply, error) => {
    if (/^SQLITE_(CORRUPT|NOTADB)/.test(String((error as { code?: unknown }).code))) {
      if (!damaged) fastify.log.error({ err: error }, 'a database file is damaged: /ready answers 503 until a restart checks it')
      damaged = true
    }
  })
  fastify.decorate('markShuttingDown', () => { closing = true })

  // The user store's own check: PostgreSQL answers; SQLite's write lock can be had and
  // DATA_DIR has room; on either, no write has failed since the last that went through.
  const accountsStatus = async (): Promise<Static<typeof AccountsStatus>> => {
    const store = fastify.userStore
    const health = await store.health().catch((error: unknown) => ({ ok: false, backend: store.backend, detail: (error as Error).message }))
    if (!health.ok) fastify.log.warn({ reason: health.detail }, 'readiness: the accounts database is not writable')
    return { writable: health.ok, backend: health.backend }
  }

  fastify.decorate('readiness', async (): Promise<Readiness> => {
    const problems: string[] = []
    if (closing) problems.push('the service is shutting down')
    if (damaged) problems.push('a database file is damaged; a restart checks the catalogue and rebuilds it')
    let catalogue: Static<typeof CatalogueStatus> = { count: 0, lastUpdate: null, source: null, version: 0, importedAt: null, release: null }
    try {
      const info = fastify.catalogue.info()
      catalogue = {
        count: info.count,
        lastUpdate: info.lastUpdate,
        source: publicSource(info.source),
        version: info.version,
        importedAt: info.importedAt,
        release: info.release
      }
      if (info.count === 0) problems.push('the catalogue is empty')
    } catch (error) {
      fastify.log.error({ err: error }, 'readiness: the catalogue cannot be read')
      problems.push('the catalogue cannot be read')
    }
    const accounts = await accountsStatus()
    if (!accounts.writable) problems.push('the accounts database is not writable')
    return { ready: problems.length === 0, problems, catalogue, accounts }
  })
}, { name: 'health', dependencies: ['config', 'catalogue', 'accounts'] })
