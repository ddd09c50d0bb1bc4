// npm run build:binary → dist/anime-api: one file, Node's single executable
// application (SEA) with the bundled code, better-sqlite3's native binding and
// the default catalogue inside it.
//
// 1. esbuild bundles src/sea/main.ts (the CLI: serve, catalogue, users, backup)
//    into one CommonJS file (Node 20's SEA runs CommonJS only). `import.meta.url`
//    becomes a file URL beside the executable, so paths computed from it keep
//    their shape. Three modules are adapted at bundle time, each patch checked:
//    - @fastify/autoload still does the loading (src/app.ts is unchanged), but it
//      reads a folder listing taken now instead of the disk, and gets the plugin
//      modules from the bundle instead of import(): same plugins, same order.
//    - better-sqlite3 takes its native binding from the one src/sea/setup.ts loads.
//    - @fastify/swagger-ui, whose static files cannot travel, is replaced by a
//      small /docs page (src/sea/docs-fallback.ts).
// 2. node --experimental-sea-config makes the blob (code + assets).
// 3. A copy of this node binary gets the blob injected with postject.
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const src = path.join(root, 'src')
const out = path.join(root, 'dist')
const work = path.join(out, 'sea')
const binary = path.join(out, process.platform === 'win32' ? 'anime-api.exe' : 'anime-api')
const nativeBinding = path.join(root, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node')
const catalogue = path.join(root, 'data/anime-offline-database.json')
const autoloadDirs = ['plugins', 'routes']

// The folders @fastify/autoload scans, listed the way it sees them after a build
// (.ts → .js), and the modules they hold.
interface Entry { name: string, dir: boolean }
const listing: Record<string, Entry[]> = {}
const modules: string[] = []
function list (relative: string): void {
  const entries = fs.readdirSync(path.join(src, relative), { withFileTypes: true })
  listing[relative] = []
  for (const entry of entries) {
    const rel = path.posix.join(relative, entry.name)
    if (entry.isDirectory()) {
      listing[relative].push({ name: entry.name, dir: true })
      list(rel)
    } else if (/\.ts$/.test(entry.name) && !/\.d\.ts$/.test(entry.name)) {
      listing[relative].push({ name: entry.name.replace(/\.ts$/, '.js'), dir: false })
      modules.push(rel)
    }
  }
}
for (const dir of autoloadDirs) list(dir)

const staticModules = [
  "'use strict'",
  "const path = require('node:path')",
  "const { fileURLToPath } = require('node:url')",
  ...modules.map((file, i) => `const m${i} = require(${JSON.stringify(path.join(src, file))})`),
  `const modules = { ${modules.map((file, i) => `${JSON.stringify(file.replace(/\.ts$/, '.js'))}: m${i}`).join(', ')} }`,
  `const listing = ${JSON.stringify(listing)}`,
  // src/ as the bundle sees it: the directory of its import.meta.url
  'const base = path.dirname(fileURLToPath(__animeApiMetaUrl))',
  "const key = (p) => path.relative(base, p).split(path.sep).join('/')",
  'exports.load = (file) => { const m = modules[key(file)]; if (m === undefined) throw new Error(`not in the bundle: ${file}`); return m }',
  'exports.readdir = async (dir) => {',
  '  const entries = listing[key(dir)]',
  "  if (entries === undefined) { const error = new Error(`ENOENT: no such directory in the bundle, scandir '${dir}'`); error.code = 'ENOENT'; throw error }",
  '  return entries.map((e) => ({ name: e.name, isDirectory: () => e.dir, isFile: () => !e.dir, isSymbolicLink: () => false }))',
  '}'
].join('\n')

function patch (text: string, file: string, replacements: Array<[string | RegExp, string]>): string {
  for (const [from, to] of replacements) {
    const count = typeof from === 'string' ? text.split(from).length - 1 : (text.match(new RegExp(from.source, 'g')) ?? []).length
    if (count === 0) throw new Error(`build-binary: ${file} changed: "${String(from)}" not found; update scripts/build-binary.ts`)
    text = typeof from === 'string' ? text.split(from).join(to) : text.replace(new RegExp(from.source, 'g'), to)
  }
  return text
}

const seaPlugin: esbuild.Plugin = {
  name: 'anime-api-sea',
  setup (build) {
    build.onResolve({ filter: /^anime-api:static-modules$/ }, () => ({ path: 'static-modules', namespace: 'anime-api' }))
    build.onLoad({ filter: /.*/, namespace: 'anime-api' }, () => ({ contents: staticModules, loader: 'js', resolveDir: root }))
    build.onResolve({ filter: /^@fastify\/swagger-ui$/ }, () => ({ path: path.join(src, 'sea/docs-fallback.ts') }))
    build.onLoad({ filter: /[\\/]@fastify[\\/]autoload[\\/]index\.js$/ }, async (args) => ({
      loader: 'js',
      contents: patch(await fs.promises.readFile(args.path, 'utf8'), args.path, [
        ['await import(pathToFileURL(file).href)', "require('anime-api:static-modules').load(file)"],
        ['require(file)', "require('anime-api:static-modules').load(file)"],
        ['await import(pathToFileURL(hook.file).href)', "require('anime-api:static-modules').load(hook.file)"],
        ['require(hook.file)', "require('anime-api:static-modules').load(hook.file)"]
      ])
    }))
    build.onLoad({ filter: /[\\/]@fastify[\\/]autoload[\\/]lib[\\/]find-plugins\.js$/ }, async (args) => ({
      loader: 'js',
      contents: patch(await fs.promises.readFile(args.path, 'utf8'), args.path, [
        ["const { readdir } = require('node:fs/promises')", "const { readdir } = require('anime-api:static-modules')"]
      ])
    }))
    build.onLoad({ filter: /[\\/]better-sqlite3[\\/]lib[\\/]database\.js$/ }, async (args) => ({
      loader: 'js',
      contents: patch(await fs.promises.readFile(args.path, 'utf8'), args.path, [
        ["const nativeBinding = 'nativeBinding' in options ? options.nativeBinding : null;",
          "const nativeBinding = 'nativeBinding' in options ? options.nativeBinding : globalThis.__animeApiSqliteBinding;"]
      ])
    }))
  }
}

const started = Date.now()
fs.rmSync(work, { recursive: true, force: true })
fs.mkdirSync(work, { recursive: true })
const bundle = path.join(work, 'anime-api.cjs')
await esbuild.build({
  entryPoints: [path.join(src, 'sea/main.ts')],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  define: { 'import.meta.url': '__animeApiMetaUrl', 'import.meta.dirname': '__animeApiMetaDirname' },
  banner: {
    js: [
      '"use strict";',
      // A file URL beside the executable, under a folder that does not exist: paths
      // derived from it keep their layout, and isMain() never mistakes a module for the entry.
      "var __animeApiMetaUrl = require('node:url').pathToFileURL(require('node:path').join(require('node:path').dirname(process.execPath), '.anime-api', 'src', 'main.js')).href;",
      "var __animeApiMetaDirname = require('node:path').dirname(require('node:url').fileURLToPath(__animeApiMetaUrl));"
    ].join('\n')
  },
  plugins: [seaPlugin]
})

const seaConfig = path.join(work, 'sea-config.json')
const blob = path.join(work, 'sea-prep.blob')
fs.writeFileSync(seaConfig, JSON.stringify({
  main: bundle,
  output: blob,
  disableExperimentalSEAWarning: true,
  useCodeCache: true,
  assets: { 'better_sqlite3.node': nativeBinding, 'anime-offline-database.json': catalogue }
}, null, 2))
execFileSync(process.execPath, ['--experimental-sea-config', seaConfig], { stdio: ['ignore', 'ignore', 'inherit'] })

fs.rmSync(binary, { force: true })
fs.copyFileSync(process.execPath, binary)
fs.chmodSync(binary, 0o755)
// The fuse postject flips, read from the node binary itself (Node's docs give
// NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2; a wrong one fails the injection).
const fuse = /NODE_SEA_FUSE_[0-9a-f]{32}/.exec(fs.readFileSync(process.execPath).toString('latin1'))?.[0]
if (fuse === undefined) throw new Error(`build-binary: ${process.execPath} has no SEA fuse; it cannot make single executables`)
const postject = path.join(root, 'node_modules/postject/dist/cli.js')
const injected = spawnSync(process.execPath, [postject, binary, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', fuse], { encoding: 'utf8' })
// LIEF warns about ELF note sections it does not parse; harmless, so not shown.
const problems = injected.stderr.split('\n').filter((line) => line.trim() !== '' && !/^warning: Can't find string offset for section name/.test(line))
if (injected.status !== 0) throw new Error(`build-binary: postject failed: ${problems.join('\n')}`)
for (const line of problems) console.error(line)

const size = fs.statSync(binary).size
console.log(`built ${path.relative(root, binary)}: ${(size / 1e6).toFixed(1)} MB (bundle ${(fs.statSync(bundle).size / 1e6).toFixed(1)} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s`)
