// A throwaway PostgreSQL server for tests: the server binaries of the machine
// (Debian's postgresql package: /usr/lib/postgresql/<version>/bin, or initdb and
// pg_ctl on PATH), a cluster made with initdb in a temporary directory, listening
// on a free port on 127.0.0.1, stopped and removed afterwards. PostgreSQL refuses
// to run as root, so as root the server runs as the `postgres` user, or as a
// system user created for it. Where the binaries are missing, the suites that
// need them are skipped (postgresSkip) and listed at the end of the run, which
// fails under CI; where they exist but no server can start, the test fails
// saying why.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { fileURLToPath, pathToFileURL } from 'node:url'
import pg from 'pg'
import { projectRoot } from '../../src/config.js'
import { openPostgres } from '../../src/storage/postgres/database.js'
import { freePort } from './server.js'

interface Teardown { teardown: (fn: () => unknown) => void }

export interface PostgresServer {
  /** postgres://postgres@127.0.0.1:<port>/postgres: the maintenance database. */
  adminUrl: string
  port: number
  /** A new empty database on this server; returns its URL. Dropped at teardown of `t` when given. */
  createDatabase (t?: Teardown): Promise<string>
  dropDatabase (url: string): Promise<void>
  /** Stops the server (fast shutdown: sessions are ended), as an outage would. */
  stop (): void
  /** Starts it again on the same port. */
  start (): void
  /** Stops it for good and removes the cluster. */
  destroy (): void
}

const SYSTEM_USER = 'animeapi-pg'

/** The directory holding initdb, pg_ctl and postgres, or an Error saying what was looked for. */
export function findPostgresBin (): string {
  const candidates: string[] = []
  if (process.env.PG_BIN !== undefined) candidates.push(process.env.PG_BIN)
  const lib = '/usr/lib/postgresql'
  if (fs.existsSync(lib)) {
    const versions = fs.readdirSync(lib).filter((v) => /^\d+(\.\d+)?$/.test(v)).sort((a, b) => Number(b) - Number(a))
    candidates.push(...versions.map((v) => path.join(lib, v, 'bin')))
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) if (dir !== '') candidates.push(dir)
  for (const dir of candidates) {
    if (['initdb', 'pg_ctl', 'postgres'].every((name) => isExecutable(path.join(dir, name)))) return dir
    // initdb and pg_ctl on PATH as links (/usr/local/bin) with no `postgres` beside them: follow pg_ctl to its directory.
    if (isExecutable(path.join(dir, 'pg_ctl')) && isExecutable(path.join(dir, 'initdb'))) {
      const real = path.dirname(fs.realpathSync(path.join(dir, 'pg_ctl')))
      if (isExecutable(path.join(real, 'postgres'))) return real
    }
  }
  throw new Error(
    'PostgreSQL tests need the PostgreSQL server binaries (initdb, pg_ctl, postgres), and none were found ' +
    `under ${lib}/<version>/bin, on PATH or in PG_BIN. Install Debian's postgresql package ` +
    '(apt-get update && apt-get install -y postgresql; .ci/run does this) and run the tests again.')
}

function isExecutable (file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK)
    return fs.statSync(file).isFile()
  } catch {
    return false
  }
}

/** As root: the unprivileged user to run the server as (postgres, else a system user made for it). */
function serverUser (): string | null {
  if (process.getuid?.() !== 0) return null
  for (const name of ['postgres', SYSTEM_USER]) {
    if (spawnSync('id', ['-u', name]).status === 0) return name
  }
  const made = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', SYSTEM_USER], { encoding: 'utf8' })
  if (made.status !== 0 && spawnSync('id', ['-u', SYSTEM_USER]).status !== 0) {
    throw new Error(`PostgreSQL refuses to run as root and no unprivileged user could be made for it: useradd ${SYSTEM_USER}: ${made.stderr}`)
  }
  return SYSTEM_USER
}

export { freePort }

function run (user: string | null, command: string, args: string[]): string {
  const [file, argv] = user === null ? [command, args] : ['runuser', ['-u', user, '--', command, ...args]]
  try {
    return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], cwd: '/' })
  } catch (error) {
    const e = error as { stderr?: string, stdout?: string, message: string }
    throw new Error(`${path.basename(command)} failed: ${e.stderr ?? ''}${e.stdout ?? ''}${e.message}`)
  }
}

/**
 * Where the PostgreSQL server binaries cannot be found, the reason (and the
 * suite is recorded for the summary npm test prints at its end,
 * test/helpers/skipped-suites.mjs, which fails the run under CI); false where
 * the suite can run. Pass it as a test's `skip` option.
 */
export function postgresSkip (suite: string): string | false {
  try {
    findPostgresBin()
    return false
  } catch (error) {
    const reason = (error as Error).message
    fs.mkdirSync(SKIPPED_DIR, { recursive: true })
    fs.writeFileSync(path.join(SKIPPED_DIR, `${path.basename(suite)}.txt`), `${suite}: ${reason}\n`)
    return `no PostgreSQL server binaries: ${suite} skipped`
  }
}

/** Where skipped suites are recorded during one run of the tests (cleared before it, read after it). */
export const SKIPPED_DIR = path.resolve('.tap', 'skipped-suites')

/** What stops and removes a cluster (test/helpers/postgres-watchdog.mjs does it for the shared one). */
export interface ClusterFiles { pgCtl: string, user: string | null, dataDir: string, root: string }

/**
 * Starts a PostgreSQL server for the test file; it is stopped and removed at
 * teardown of `t`. `started` learns where its files are as soon as it runs.
 */
export async function startPostgres (t: Teardown, started?: (cluster: ClusterFiles) => void): Promise<PostgresServer> {
  const bin = findPostgresBin()
  const user = serverUser()
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'anime-api-pg-'))
  const dataDir = path.join(root, 'data')
  const logFile = path.join(root, 'server.log')
  fs.mkdirSync(dataDir, { mode: 0o700 })
  if (user !== null) {
    fs.chmodSync(root, 0o755)
    execFileSync('chown', ['-R', `${user}:`, root])
  }
  let destroyed = false
  const destroy = () => {
    if (destroyed) return
    destroyed = true
    try { run(user, path.join(bin, 'pg_ctl'), ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '30']) } catch { /* not running */ }
    fs.rmSync(root, { recursive: true, force: true })
  }
  t.teardown(destroy)
  copyCluster(pristineCluster(bin, user), dataDir, user)
  let port = 0
  // Durability off: a test cluster is thrown away anyway.
  const serverOptions = () => [
    `-p ${port}`, '-c listen_addresses=127.0.0.1', "-c unix_socket_directories=''",
    '-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off', '-c max_connections=400'
  ].join(' ')
  const start = () => {
    try {
      run(user, path.join(bin, 'pg_ctl'), ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', serverOptions()])
    } catch (error) {
      const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-2000) : ''
      throw new Error(`${(error as Error).message}\nserver log:\n${log}`)
    }
  }
  // Another process may take the free port before the server binds it: try a few.
  for (let attempt = 1; ; attempt++) {
    port = await freePort()
    try {
      start()
      started?.({ pgCtl: path.join(bin, 'pg_ctl'), user, dataDir, root })
      break
    } catch (error) {
      if (attempt >= 3 || !/could not (bind|create listen socket)|Address already in use/i.test((error as Error).message)) throw error
    }
  }
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`
  return {
    adminUrl,
    port,
    createDatabase: (owner) => emptyDatabase(adminUrl, owner),
    dropDatabase: (url) => dropDatabase(adminUrl, url),
    stop: () => { run(user, path.join(bin, 'pg_ctl'), ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '60']) },
    start,
    destroy
  }
}

/**
 * A cluster as initdb leaves it, made once per machine, user and server version
 * (under the temporary directory) and copied for each test server: initdb costs
 * about a second of CPU, the copy a few milliseconds.
 */
function pristineCluster (bin: string, user: string | null): string {
  const version = /\d+(\.\d+)*/.exec(run(null, path.join(bin, 'pg_ctl'), ['--version']))?.[0] ?? 'unknown'
  const dir = path.join(os.tmpdir(), `anime-api-pg-initdb-${version}-${user ?? process.getuid?.() ?? 'user'}`)
  if (fs.existsSync(path.join(dir, 'PG_VERSION'))) return dir
  const partial = fs.mkdtempSync(path.join(os.tmpdir(), 'anime-api-pg-initdb-partial-'))
  const made = path.join(partial, 'data')
  fs.mkdirSync(made, { mode: 0o700 })
  if (user !== null) {
    fs.chmodSync(partial, 0o755)
    execFileSync('chown', ['-R', `${user}:`, partial])
  }
  run(user, path.join(bin, 'initdb'), ['-D', made, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync'])
  try {
    fs.renameSync(made, dir)
  } catch (error) {
    // Another test process made it first: use theirs.
    if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) throw error
  }
  fs.rmSync(partial, { recursive: true, force: true })
  return dir
}

function copyCluster (from: string, to: string, user: string | null): void {
  fs.cpSync(from, to, { recursive: true })
  fs.chmodSync(to, 0o700)
  if (user !== null) execFileSync('chown', ['-R', `${user}:`, to])
}

/**
 * Runs a suite written for either backend (test/accounts, test/watchlists) on
 * PostgreSQL, in this test process: TEST_DATABASE_URL pointing at the run's
 * shared server (sharedPostgres; test/helpers/app.ts then gives each app a
 * fresh database), then the suite's own file. The files under
 * test/storage/postgres/ call it, one per suite, so that tap schedules them
 * like any other file. `ownServer`: a server of the suite's own, for a suite
 * whose faults would reach the others' (a full tablespace fails the server's
 * checkpoints, and with them every CREATE DATABASE).
 */
export async function runSuiteOnPostgres (suite: string, { ownServer = false } = {}): Promise<void> {
  const { default: t } = await import('tap')
  const skip = postgresSkip(`${suite} on PostgreSQL`)
  if (skip !== false) {
    t.test(`${suite} on PostgreSQL`, { skip }, () => {})
    return
  }
  const server = ownServer ? await startPostgres(t) : await sharedPostgres(t)
  process.env.TEST_DATABASE_URL = server.adminUrl
  await import(pathToFileURL(path.join(projectRoot, suite)).href)
}

/** A server to make databases on: the run's shared one, or one of this test's own. */
export type PostgresDatabases = Pick<PostgresServer, 'adminUrl' | 'createDatabase'>

/**
 * Where one run of the tests keeps its shared PostgreSQL server: a directory
 * named after the run's tap process (the parent of its test files and of its
 * `before` and `after` scripts), made by test/helpers/before-run.mjs, where
 * the one test process that starts the server makes `starting/`, then writes
 * `watchdog` (the pid of what stops it), `state.json` (its admin URL and
 * migrated template) or `error.txt` (why it could not start).
 */
const SHARED_DIR = path.resolve('.tap', 'postgres', String(process.ppid))

interface SharedState { adminUrl: string, template: string }

let shared: Promise<SharedState> | undefined

/**
 * The PostgreSQL server the test files of one tap run share: started by the
 * first file that needs it (initdb's cluster copied, the service's schema
 * migrated into a template database once) and stopped after the run by
 * after-run.mjs, or by its watchdog (test/helpers/postgres-watchdog.mjs) when
 * the run ends without it (interrupted). Each suite stays apart on it by
 * using databases of its own (createDatabase, freshDatabase). Outside a tap
 * run (a file run with node) it is a server of this test's own, as
 * startPostgres. Tests that stop or restart their server use startPostgres.
 */
export async function sharedPostgres (t: Teardown): Promise<PostgresDatabases> {
  if (!fs.existsSync(SHARED_DIR)) return await startPostgres(t)
  shared ??= joinShared()
  const { adminUrl, template } = await shared
  migratedTemplates.set(adminUrl, Promise.resolve(template))
  return {
    adminUrl,
    createDatabase: (owner) => emptyDatabase(adminUrl, owner)
  }
}

async function joinShared (): Promise<SharedState> {
  const stateFile = path.join(SHARED_DIR, 'state.json')
  const errorFile = path.join(SHARED_DIR, 'error.txt')
  let starter = true
  try {
    fs.mkdirSync(path.join(SHARED_DIR, 'starting'))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    starter = false
  }
  if (starter) {
    try {
      const server = await startPostgres({ teardown: () => {} }, (cluster) => {
        // Detached, so that it outlives this test process and tap's kill of a timed-out file.
        const watchdog = spawn(process.execPath, [fileURLToPath(new URL('./postgres-watchdog.mjs', import.meta.url)), JSON.stringify({ ...cluster, runner: process.ppid })],
          { detached: true, stdio: 'ignore', env: { ...process.env, NODE_OPTIONS: '' } })
        watchdog.unref()
        fs.writeFileSync(path.join(SHARED_DIR, 'watchdog'), String(watchdog.pid))
      })
      const state: SharedState = { adminUrl: server.adminUrl, template: await migratedTemplate(server.adminUrl) }
      fs.writeFileSync(`${stateFile}.partial`, JSON.stringify(state))
      fs.renameSync(`${stateFile}.partial`, stateFile)
      return state
    } catch (error) {
      fs.writeFileSync(errorFile, (error as Error).stack ?? String(error))
      throw error
    }
  }
  // Another file is starting it: wait for its state (the start of a cluster under load can take a while).
  for (const deadline = Date.now() + 180_000; Date.now() < deadline;) {
    if (fs.existsSync(stateFile)) return JSON.parse(fs.readFileSync(stateFile, 'utf8')) as SharedState
    if (fs.existsSync(errorFile)) throw new Error(`the run's shared PostgreSQL server could not start: ${fs.readFileSync(errorFile, 'utf8')}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`the run's shared PostgreSQL server did not start within 180 s (${SHARED_DIR})`)
}

async function adminQuery (adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

/** Drops the database of `url` on its server (WITH (FORCE): connections left open are ended). */
export async function dropDatabase (adminUrl: string, url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1)
  if (!/^t_[0-9a-f]+$/.test(name)) throw new Error(`refusing to drop database "${name}": not a test database`)
  await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => { /* server gone already */ })
}

const databaseUrl = (adminUrl: string, name: string): string => {
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return url.href
}

/** A new test database's name: the only kind dropDatabase drops. */
export const testDatabaseName = (): string => `t_${randomBytes(6).toString('hex')}`

/** An empty database on the server of `adminUrl`, dropped at teardown of `owner`. */
async function emptyDatabase (adminUrl: string, owner?: Teardown): Promise<string> {
  const name = testDatabaseName()
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`)
  const url = databaseUrl(adminUrl, name)
  owner?.teardown(() => dropDatabase(adminUrl, url))
  return url
}

/**
 * A database with the service's schema migrated, made once per test process and
 * server: fresh databases are copies of it (CREATE DATABASE ... TEMPLATE), which
 * the server makes in a fraction of the time the migrations take. Migrations
 * themselves are tested on databases of their own (test/storage/).
 */
const migratedTemplates = new Map<string, Promise<string>>()

function migratedTemplate (adminUrl: string): Promise<string> {
  let made = migratedTemplates.get(adminUrl)
  if (made === undefined) {
    made = (async () => {
      const name = testDatabaseName()
      await adminQuery(adminUrl, `CREATE DATABASE ${name}`)
      const database = openPostgres({ url: databaseUrl(adminUrl, name), poolSize: 1, timeoutMs: 60_000 })
      try {
        await database.migrate()
      } finally {
        await database.pool.end()
      }
      return name
    })()
    migratedTemplates.set(adminUrl, made)
  }
  return made
}

/** A fresh database with the service's schema on the server named by an admin URL (TEST_DATABASE_URL), dropped at teardown. */
export async function freshDatabase (t: Teardown, adminUrl: string): Promise<string> {
  const template = await migratedTemplate(adminUrl)
  const name = testDatabaseName()
  // FILE_COPY: a copy of the files, not their WAL-logged rewrite (the test server runs without fsync).
  await adminQuery(adminUrl, `CREATE DATABASE ${name} TEMPLATE ${template} STRATEGY FILE_COPY`)
  const url = databaseUrl(adminUrl, name)
  t.teardown(() => dropDatabase(adminUrl, url))
  return url
}
