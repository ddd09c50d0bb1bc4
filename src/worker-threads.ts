// Worker threads for work that must not hold up the event loop (the catalogue
// import's parsing, reading MAL uploads): where a worker's script is, and how to
// start it wherever the service runs. The same scripts can also run as a child
// process (the search index's build: its transient memory goes back to the
// system when the process exits, where a thread's stays in ours).
//
// A worker's script sits beside the module that uses it, with that module's
// extension: .ts from the sources, .cjs in the build (where every module is
// dist/anime-api.cjs and the workers are built beside it, scripts/build.ts).
// The single executable has no files beside it: no script, and the caller does
// the work itself.
//
// From the sources the script is TypeScript, and `node --import tsx` (npm run
// dev, the server the tests start) gives worker threads no TypeScript loader:
// such a worker registers tsx's when its script fails to load without it. Under
// tap, whose loader workers do inherit, the script loads at once.
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { spawn, type ChildProcess } from 'node:child_process'
import { Worker, type WorkerOptions } from 'node:worker_threads'

/** The worker script `name` beside the module at `moduleUrl`, with its extension; null where it is not on disk. */
export function workerScript (moduleUrl: string, name: string): URL | null {
  const here = fileURLToPath(moduleUrl)
  const script = path.join(path.dirname(here), `${name}${path.extname(here)}`)
  return fs.existsSync(script) ? pathToFileURL(script) : null
}

/**
 * A worker thread running `script` (from workerScript). A TypeScript script
 * that the inherited loaders cannot load gets tsx's loader first; where they
 * can (tap's), registering tsx would only cost the start of a second loader.
 */
export function startWorker (script: URL, options: WorkerOptions = {}): Worker {
  if (!script.pathname.endsWith('.ts')) return new Worker(script, options)
  const bootstrap = [
    `try { await import(${JSON.stringify(script.href)}) } catch (error) {`,
    "  if (error?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error",
    `  const { register } = await import(${JSON.stringify(tsxEsmApi().href)})`,
    '  register()',
    // Another URL for the same file: the failed load of the first one is not tried again.
    `  await import(${JSON.stringify(script.href + '?tsx')})`,
    '}'
  ].join('\n')
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), options)
}

/** A child process running `script` (from workerScript) with `args`; a TypeScript one under tsx's loader. Its output is not read. */
export function startProcess (script: URL, args: string[]): ChildProcess {
  const loader = script.pathname.endsWith('.ts') ? ['--import', tsxLoader().href] : []
  return spawn(process.execPath, [...loader, fileURLToPath(script), ...args], { stdio: 'ignore' })
}

/**
 * tsx's ESM API (tsx is a development dependency: installed wherever .ts files
 * run). Found through its package's export map: require.resolve would give the
 * CommonJS build, and import.meta.resolve has no place in the CommonJS bundle.
 */
function tsxEsmApi (): URL {
  return tsxExport((exports) => (exports['./esm/api'] as { import: { default: string } }).import.default)
}

/** tsx's loader, as `node --import tsx` takes it. */
function tsxLoader (): URL {
  return tsxExport((exports) => exports['.'] as string)
}

function tsxExport (pick: (exports: Record<string, unknown>) => string): URL {
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json')
  const { exports } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { exports: Record<string, unknown> }
  return pathToFileURL(path.join(path.dirname(manifest), pick(exports)))
}
