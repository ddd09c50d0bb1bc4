// Builds the app as the server does, on a temporary DATA_DIR removed afterwards.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import fp from 'fastify-plugin'
import Fastify, { type FastifyInstance } from 'fastify'
import app, { serverOptions, type AppOptions } from '../../src/app.js'
import { freshDatabase } from './postgres.js'

interface Teardown { teardown: (fn: () => unknown) => void }

export function tempDir (t: Teardown, prefix = 'anime-api-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

const databasesByDataDir = new Map<string, string>()

/** The PostgreSQL database buildApp gave this DATA_DIR (under TEST_DATABASE_URL); undefined: SQLite. */
export const databaseFor = (dataDir: string): string | undefined => databasesByDataDir.get(path.resolve(dataDir))

export async function buildApp (t: Teardown, options: AppOptions = {}): Promise<FastifyInstance> {
  // Tap's TypeScript loader compiles every module on the first start: on a busy machine that
  // alone can outlast Fastify's 10 s plugin timeout, which tests do not measure.
  const fastify = Fastify({ ...serverOptions, logger: false, pluginTimeout: 120_000 })
  const dataDir = options.dataDir ?? tempDir(t)
  // TEST_DATABASE_URL (set by test/storage/postgres-suites.test.ts): the same suites on PostgreSQL, a fresh
  // database per DATA_DIR (an app built again on the same DATA_DIR finds the same users).
  let databaseUrl = options.databaseUrl
  const server = process.env.TEST_DATABASE_URL
  if (databaseUrl === undefined && server !== undefined && server !== '') {
    databaseUrl = databaseFor(dataDir) ?? await freshDatabase(t, server)
    databasesByDataDir.set(path.resolve(dataDir), databaseUrl)
  }
  // No global rate limit unless a test sets one: tests send thousands of requests from one address.
  await fastify.register(fp(app), { rateLimitMax: 0, ...options, dataDir, ...(databaseUrl === undefined ? {} : { databaseUrl }) })
  await fastify.ready()
  t.teardown(() => fastify.close())
  return fastify
}
