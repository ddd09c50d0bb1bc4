// Readiness for /ready: the catalogue is loaded (entries > 0), the accounts
// database takes writes, no database file was found damaged while serving
// (SQLite reported corruption; the catalogue is checked at start, see
// src/catalogue/integrity.ts), and the service is not shutting down. Each check is one
// trivial statement, cheap enough for a load balancer polling every second.
import path from 'node:path'
import fp from 'fastify-plugin'
import Database from 'better-sqlite3'
import type { FastifyInstance } from 'fastify'
import type { Static } from '@sinclair/typebox'
import { ACCOUNTS_FILE } from '../../accounts/db.js'
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
  const { dataDir } = fastify.config
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

  // SQLite: take the write lock and let go, on a connection of our own (short busy
  // timeout: a writer holding the lock longer than that counts as not writable).
  let probe: Database.Database | null = null
  fastify.addHook('onClose', async () => { probe?.close() })
  const sqliteWritable = (): boolean => {
    try {
      probe ??= new Database(path.join(dataDir, ACCOUNTS_FILE), { fileMustExist: true, timeout: 250 })
      probe.exec('BEGIN IMMEDIATE')
      probe.exec('ROLLBACK')
      return true
    } catch (error) {
      fastify.log.warn({ err: error }, 'readiness: the accounts database is not writable')
      return false
    }
  }
  // The user store's own check (PostgreSQL: the pool answers), then on SQLite the write lock.
  const accountsStatus = async (): Promise<Static<typeof AccountsStatus>> => {
    const { ok, backend } = await fastify.accounts.health().catch(() => ({ ok: false, backend: fastify.config.databaseUrl === null ? 'sqlite' : 'postgres' }))
    return { writable: ok && (backend !== 'sqlite' || sqliteWritable()), backend }
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
