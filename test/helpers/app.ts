// Builds the app as the server does, on a temporary DATA_DIR removed afterwards.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import fp from 'fastify-plugin'
import Fastify, { type FastifyInstance } from 'fastify'
import app, { serverOptions, type AppOptions } from '../../src/app.js'
import { defaultConfig } from '../../src/config.js'
import { bundledScript } from './bundle.js'
import { freshDatabase } from './postgres.js'

interface Teardown { teardown: (fn: () => unknown) => void }

/**
 * Where tests keep their temporary files: memory (/dev/shm) where the system
 * has it with room to spare (a container's is often 64 MiB), since every test
 * writes SQLite files and fsyncs that a disk makes slow, and nothing a test
 * writes needs to outlive it; else the system's temporary directory.
 */
export const testTmpRoot = ((): string => {
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK)
    const { bavail, bsize } = fs.statfsSync('/dev/shm')
    if (bavail * bsize >= 4 * 1024 ** 3) return '/dev/shm'
  } catch {}
  return os.tmpdir()
})()

export function tempDir (t: Teardown, prefix = 'anime-api-test-'): string {
  const dir = fs.mkdtempSync(path.join(testTmpRoot, prefix))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

const databasesByDataDir = new Map<string, string>()

/** The PostgreSQL database buildApp gave this DATA_DIR (under TEST_DATABASE_URL); undefined: SQLite. */
export const databaseFor = (dataDir: string): string | undefined => databasesByDataDir.get(path.resolve(dataDir))

/**
 * Cheap password hashes (scrypt N=2^10) for the apps tests build: the service's
 * own cost (2^17, hundreds of milliseconds a hash) is what
 * test/accounts/passwords.test.ts tests, and what the hash queue's and the
 * throttle's tests set for themselves.
 */
export const FAST_SCRYPT_N = 1024

/**
 * The app on a temporary DATA_DIR (or options.dataDir), with cheap password
 * hashes unless options set their own; an option given as undefined falls back
 * to the service's default.
 */
export async function buildApp (t: Teardown, given: AppOptions = {}): Promise<FastifyInstance> {
  const options: AppOptions = { passwordScryptN: FAST_SCRYPT_N, ...given }
  for (const key of Object.keys(options) as Array<keyof AppOptions>) if (options[key] === undefined) delete options[key]
  // Tap's TypeScript loader compiles every module on the first start: on a busy machine that
  // alone can outlast Fastify's 10 s plugin timeout, which tests do not measure.
  const fastify = Fastify({ ...serverOptions, logger: false, pluginTimeout: 120_000 })
  const dataDir = options.dataDir ?? tempDir(t)
  const usesTemplate = options.databaseUrl === undefined && isEmpty(dataDir)
  if (usesTemplate) copyTemplate(await firstStartOf(options.defaultCatalogue ?? defaultConfig.defaultCatalogue), dataDir)
  // TEST_DATABASE_URL (set by a suite run by test/storage/postgres/): the same suites on PostgreSQL, a fresh
  // database per DATA_DIR (an app built again on the same DATA_DIR finds the same users).
  let databaseUrl = options.databaseUrl
  const server = process.env.TEST_DATABASE_URL
  if (databaseUrl === undefined && server !== undefined && server !== '') {
    databaseUrl = databaseFor(dataDir) ?? await freshDatabase(t, server)
    databasesByDataDir.set(path.resolve(dataDir), databaseUrl)
  }
  // No global rate limit unless a test sets one: tests send thousands of requests from one address.
  // On PostgreSQL, a minute for each query (DATABASE_TIMEOUT) unless a test sets one: a busy machine can
  // outlast the default, which only the tests of the timeout measure.
  const onPostgres = databaseUrl === undefined ? {} : { databaseUrl, databaseTimeoutMs: 60_000 }
  // MyAnimeList imports run in the built worker where there is one (npm test): the same code, whose thread starts
  // without loading the sources through the TypeScript loader.
  const malImportScript = bundledScript('mal-import-worker')
  await fastify.register(fp(app), { rateLimitMax: 0, malImportScript, ...onPostgres, ...options, dataDir, ...(databaseUrl === undefined ? {} : { databaseUrl }) })
  await fastify.ready()
  t.teardown(() => fastify.close())
  return fastify
}

/** The OpenAPI document the app serves (GET /openapi.json). */
export async function openapiDocument<T = Record<string, unknown>> (app: FastifyInstance): Promise<T> {
  const res = await app.inject('/openapi.json')
  if (res.statusCode !== 200) throw new Error(`GET /openapi.json answered ${res.statusCode}: ${res.body.slice(0, 200)}`)
  return res.json<T>()
}

const isEmpty = (dir: string): boolean => !fs.existsSync(dir) || fs.readdirSync(dir).length === 0

/**
 * A DATA_DIR as the first start on a catalogue file leaves it (the catalogue
 * imported, its index saved, ids in the accounts file), made once per test
 * process and catalogue content, and copied into each empty DATA_DIR an app is
 * built on: a test's app then starts as the service does on an install that
 * already has that catalogue. The first start itself (the import) is what the
 * catalogue tests test; the other tests only pay for it once.
 */
const firstStarts = new Map<string, Promise<string>>()

function firstStartOf (catalogueFile: string): Promise<string> {
  const key = createHash('sha256').update(fs.readFileSync(catalogueFile)).update(path.extname(catalogueFile)).digest('hex')
  let made = firstStarts.get(key)
  if (made === undefined) {
    made = (async () => {
      const dir = fs.mkdtempSync(path.join(testTmpRoot, 'anime-api-first-start-'))
      process.once('exit', () => { fs.rmSync(dir, { recursive: true, force: true }) })
      const source = path.join(dir, `source${path.extname(catalogueFile)}`)
      fs.copyFileSync(catalogueFile, source)
      const dataDir = path.join(dir, 'data')
      fs.mkdirSync(dataDir)
      const fastify = Fastify({ ...serverOptions, logger: false, pluginTimeout: 120_000 })
      await fastify.register(fp(app), { rateLimitMax: 0, dataDir, defaultCatalogue: source })
      await fastify.ready()
      // The index is saved once built (off the request path): wait for it, as a second start finds it.
      await fastify.discovery.search({ q: 'a' }, { page: 1, pageSize: 1 })
      await fastify.close()
      return dataDir
    })()
    firstStarts.set(key, made)
  }
  return made
}

function copyTemplate (from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true })
  for (const name of fs.readdirSync(from)) {
    const source = path.join(from, name)
    fs.copyFileSync(source, path.join(to, name))
    fs.chmodSync(path.join(to, name), fs.statSync(source).mode & 0o777)
  }
}
