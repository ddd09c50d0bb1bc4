// The production entry (dist/bundle/start.cjs: `npm start`, `node
// dist/bundle/start.cjs serve`): runs the bundle beside it (anime-api.cjs, the
// whole `anime-api` command line in one file, made by npm run build, see
// scripts/bundle.ts) as a CommonJS module, compiled with V8's code cache.
//
// Finding, reading and compiling the service's many modules (dist/src/ and
// node_modules) took most of its cold start; one file, compiled from a code
// cache that holds the functions a start runs, skips nearly all of that.
//
// - The cache is the bundle's vm.Script cached data, after a header naming the
//   bundle's SHA-256 (V8 itself checks only the source's length, its own version
//   and its flags). It is kept beside the bundle (anime-api.cjs.v8cache) or, where
//   the install is read-only, in a per-user cache directory (src/cache-dir.ts;
//   only files of this user's are read there); the newest one is used.
// - Without a cache, or when V8 rejects it (another node, other V8 flags), the
//   bundle compiles as usual, and once the service has answered its first
//   request the script's cached data is written, by then holding every function
//   the start compiled (lazily compiled ones included): beside the bundle where
//   that works, else in the per-user directory, atomically (temporary file and
//   rename). Failing to write is never an error: the next start compiles again.
// - No dynamic import() in the bundle (scripts/bundle.ts has esbuild turn each
//   into require()): on Node 20 a script compiled from cached data loses its
//   dynamic-import host options (nodejs/node#43663; importModuleDynamically
//   does not survive the cache), so import() would fail only when the cache is used.
//
// NODE_DEBUG=anime-api prints what happened to the cache on stderr.
import crypto from 'node:crypto'
import diagnostics from 'node:diagnostics_channel'
import fs from 'node:fs'
import Module, { createRequire } from 'node:module'
import path from 'node:path'
import { debuglog } from 'node:util'
import v8 from 'node:v8'
import vm from 'node:vm'
import { cacheDirs, checkOwner, makeOwnDir, writeAtomically } from '../cache-dir.js'
import { givenToNode, runtimeFlagDefaults, v8Flag } from '../heap.js'

const debug = debuglog('anime-api')
const bundle = path.join(__dirname, 'anime-api.cjs')
const bytes = fs.readFileSync(bundle)
const header = Buffer.from(`anime-api code cache ${crypto.hash('sha256', bytes)}\n`)
const beside = `${bundle}.v8cache`
// One file per install location in the per-user directories, replaced by each new build.
const perUser = cacheDirs('code-cache').map((dir) => path.join(dir, `${crypto.hash('sha256', bundle).slice(0, 16)}.v8cache`))

/**
 * The newest cache there is for this bundle. Newest: where a cache V8 rejects
 * cannot be replaced (beside a read-only bundle), the one written instead in the
 * per-user directory is the one to use.
 */
function readCache (): { file: string, data: Buffer } | undefined {
  const found: Array<{ file: string, mtimeMs: number }> = []
  for (const file of [beside, ...perUser]) {
    try {
      // Beside the bundle, a cache is as trusted as the bundle; elsewhere only files of this user's.
      if (file !== beside) checkOwner(path.dirname(file))
      const stats = file === beside ? fs.statSync(file) : checkOwner(file)
      if (stats.isFile()) found.push({ file, mtimeMs: stats.mtimeMs })
    } catch { /* not there, or not ours */ }
  }
  for (const { file } of found.sort((a, b) => b.mtimeMs - a.mtimeMs)) {
    try {
      const cache = fs.readFileSync(file)
      if (cache.subarray(0, header.length).equals(header)) return { file, data: cache.subarray(header.length) }
      debug('code cache %s: made for another bundle', file)
    } catch { /* gone meanwhile */ }
  }
  return undefined
}

// V8 accepts cached data only under the flags it was made with: the flag hash
// in it must match the one at compile time. The service changes flags once it
// runs (src/heap.ts: --semi-space-growth-factor=1 at the start of startServer,
// unless HEAP_YOUNG_GENERATION=default; --expose-gc on and off again), so data
// made after the first answer could carry another hash than the next start's
// compile and always be rejected. Choice: compile under the flags node starts
// with, record the flags the program sets later (v8.setFlagsFromString, wrapped),
// and make the cached data with those flags back at V8's defaults for the moment
// of the call (the hash covers only flags that differ from their defaults), then
// set them again. Setting the flag here before compiling instead would mean
// deciding HEAP_YOUNG_GENERATION (the environment, ./.env) a second time,
// outside src/config.ts.
const flagsSet: string[] = []
const setFlagsFromString = v8.setFlagsFromString

/** From now on, notes the flags the program sets. */
function recordFlags (): void {
  Object.defineProperty(v8, 'setFlagsFromString', {
    configurable: true,
    writable: true,
    value: (flags: string): void => {
      setFlagsFromString(flags)
      flagsSet.push(flags)
    }
  })
}

function stopRecordingFlags (): void {
  Object.defineProperty(v8, 'setFlagsFromString', { configurable: true, writable: true, value: setFlagsFromString })
}

/** Each flag the program set, with the value it was set to last ('--no-x': false, '--x': true). */
function flagValues (): Map<string, string | boolean> {
  const values = new Map<string, string | boolean>()
  for (const flag of flagsSet.join(' ').split(/\s+/).filter((flag) => flag !== '')) {
    const { name, value } = v8Flag(flag)
    values.set(name, value)
  }
  return values
}

/** The flags that put back the compile-time flag hash; null when some flag set at run time has no known default or came from the command line. */
function compileTimeFlags (): string | null {
  const restore: string[] = []
  for (const [name, value] of flagValues()) {
    const initial = runtimeFlagDefaults[name]
    if (initial === undefined || givenToNode(name)) return null
    if (value === initial) continue
    restore.push(initial === true ? `--${name}` : initial === false ? `--no-${name}` : `--${name}=${initial}`)
  }
  return restore.join(' ')
}

function writeCache (script: vm.Script): void {
  const restore = compileTimeFlags()
  if (restore === null) {
    debug('code cache not written: V8 flags set at run time (%s) that it cannot be made without', flagsSet.join(' '))
    return
  }
  let data: Buffer
  if (restore === '') data = script.createCachedData()
  else {
    setFlagsFromString(restore)
    try {
      data = script.createCachedData()
    } finally {
      for (const flags of flagsSet) setFlagsFromString(flags)
    }
  }
  const cache = Buffer.concat([header, data])
  for (const file of [beside, ...perUser]) {
    try {
      if (file !== beside) makeOwnDir(path.dirname(file))
      writeAtomically(file, cache)
      debug('code cache written: %s (%d bytes)', file, cache.length)
      return
    } catch (error) {
      debug('code cache not written to %s: %s', file, (error as Error).message)
    }
  }
}

const cached = readCache()
const script = new vm.Script(Module.wrap(bytes.toString('utf8')), { filename: bundle, cachedData: cached?.data })
if (cached !== undefined && !script.cachedDataRejected) debug('code cache accepted: %s', cached.file)
else {
  debug(cached === undefined ? 'no code cache' : `code cache rejected: ${cached.file}`)
  recordFlags()
  const answered = (): void => {
    diagnostics.unsubscribe('http.server.response.finish', answered)
    setImmediate(() => {
      try {
        writeCache(script)
      } catch (error) {
        debug('code cache not written: %s', (error as Error).message)
      } finally {
        stopRecordingFlags() // flags set from now on (src/heap.ts's idle collections) need not be remembered
      }
    })
  }
  diagnostics.subscribe('http.server.response.finish', answered)
}

// The bundle as a CommonJS module of its own path: its require finds what is
// left outside it (better-sqlite3, @fastify/swagger-ui's static files) from there.
globalThis.__animeApiEntry = __filename
const bundleModule = new Module(bundle)
bundleModule.filename = bundle
const bundleRequire = createRequire(bundle)
bundleModule.paths = bundleRequire.resolve.paths('anime-api') ?? []
;(script.runInThisContext() as (...args: unknown[]) => void)(bundleModule.exports, bundleRequire, bundleModule, bundle, __dirname)
bundleModule.loaded = true
