// npm run build → dist/anime-api.cjs: the `anime-api` command line (src/cli.ts)
// bundled by esbuild into one CommonJS file, which `npm start` and the
// `anime-api` bin run, and beside it the worker threads' scripts: the catalogue
// import's parsing worker (dist/staging-worker.cjs), the MAL import's
// (dist/mal-import-worker.cjs) and the search index's build
// (dist/index-worker.cjs): a worker thread needs a file of its own, and
// each is looked for beside the module that starts it (src/worker-threads.ts). One file starts faster than the hundreds of
// modules it holds; the packages only some paths use are chunks beside it (`chunks`
// below). Only better-sqlite3 (a native addon) stays in node_modules; /docs serves
// swagger-ui's static files from the installed package (src/plugins/external/docs-instance.ts).
//
// The single executable (scripts/build-binary.ts) is the same bundle with
// nothing left outside, since it reads nothing beside itself: better-sqlite3's
// `bindings` loader and @fastify/swagger-ui are swapped for the stand-ins in
// src/sea/ (esbuild's alias).
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'

export type Target = 'node' | 'sea'

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

const targets: Record<Target, Pick<esbuild.BuildOptions, 'external' | 'alias'>> = {
  node: { external: ['better-sqlite3'] },
  sea: {
    alias: {
      bindings: path.join(root, 'src/sea/bindings.cjs'),
      '@fastify/swagger-ui': path.join(root, 'src/sea/docs-fallback.ts')
    }
  }
}

/**
 * Packages only some paths use, by the chunk that holds them: in the node build each chunk is a
 * file of its own beside the bundle (dist/chunk-<name>.cjs), read when our code first imports one
 * of its packages instead of at every start. Our modules that import them are themselves loaded
 * on those paths only (through import()): the API documents (src/plugins/external/docs-instance.ts),
 * multipart bodies (src/plugins/external/multipart.ts), PostgreSQL (src/storage/postgres/),
 * MyAnimeList's XML (src/watchlists/mal.ts). A package here is
 * never in the bundle itself, so it has one instance. The single executable keeps them inside:
 * it carries V8's code cache of the whole bundle.
 */
export const chunks: Record<string, string[]> = {
  docs: ['@fastify/swagger', '@fastify/swagger-ui'],
  multipart: ['@fastify/busboy'],
  postgres: ['pg'],
  xml: ['fast-xml-parser']
}

const chunkFile = (name: string): string => `chunk-${name}.cjs`

/** Every import of a chunk's package becomes a require of its chunk, resolved beside the bundle at run time. */
const chunkImports: esbuild.Plugin = {
  name: 'chunks',
  setup (build) {
    const chunkOf = new Map(Object.entries(chunks).flatMap(([name, packages]) => packages.map((pkg) => [pkg, name] as const)))
    const escaped = [...chunkOf.keys()].map((name) => name.replace(/[/.-]/g, '\\$&'))
    build.onResolve({ filter: new RegExp(`^(${escaped.join('|')})$`) }, (args) => ({ path: args.path, namespace: 'chunk' }))
    build.onLoad({ filter: /.*/, namespace: 'chunk' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(`./${chunkFile(chunkOf.get(args.path)!)}`)})[${JSON.stringify(args.path)}]`,
      loader: 'js'
    }))
    build.onResolve({ filter: /^\.\/chunk-[\w-]+\.cjs$/, namespace: 'chunk' }, (args) => ({ path: args.path, external: true }))
  }
}

/**
 * A large JSON file a package requires (mime-db's table, about 150 kB, which @fastify/compress and
 * @fastify/sensible's type-is load at every start) goes in as `JSON.parse` of one string rather than
 * as the object literal esbuild's JSON loader writes: V8 reads JSON text in a single fast pass, where
 * a literal is parsed as code first and then run. The value is the same; smaller files keep the
 * default loader (and their named exports).
 */
export const LARGE_JSON_BYTES = 10_000

const largeJsonParsed: esbuild.Plugin = {
  name: 'large-json-parsed',
  setup (build) {
    build.onLoad({ filter: /\.json$/ }, async (args) => {
      const text = await fs.promises.readFile(args.path, 'utf8')
      if (Buffer.byteLength(text) < LARGE_JSON_BYTES) return undefined
      // Re-serialised: no insignificant whitespace, and a parse error here fails the build, not a start.
      return { contents: `module.exports = JSON.parse(${JSON.stringify(JSON.stringify(JSON.parse(text)))})`, loader: 'js' }
    })
  }
}

function options (target: Target): esbuild.BuildOptions {
  return {
    ...targets[target],
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minifySyntax: true,
    // Without comments and indentation the file is a third smaller and plain ASCII (comments carry
    // "…" and "×"; one such character makes V8 hold the whole source as two bytes a character),
    // so a start reads and compiles less, and the process holds less. Names stay as written, so
    // stack traces still name functions (NODE_DEBUG=anime-api prints them).
    minifyWhitespace: true,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [largeJsonParsed],
    // An ES module's own URL, in a CommonJS file: the file's (esbuild's documented recipe).
    define: { 'import.meta.url': '__importMetaUrl' },
    banner: { js: "var __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" }
  }
}

/** Bundles the command line into `<outdir>/anime-api.cjs` (and, for node, the workers' scripts); returns the files written. */
export async function bundle (target: Target, outdir: string): Promise<string[]> {
  fs.mkdirSync(outdir, { recursive: true })
  const main = path.join(outdir, 'anime-api.cjs')
  const base = options(target)
  await esbuild.build({
    ...base,
    entryPoints: [path.join(root, 'src/cli.ts')],
    outfile: main,
    banner: { js: `#!/usr/bin/env node\n${base.banner!.js}` },
    plugins: target === 'node' ? [chunkImports, ...base.plugins!] : base.plugins
  })
  fs.chmodSync(main, 0o755)
  if (target === 'sea') return [main]
  const chunkFiles = Object.keys(chunks).map((name) => path.join(outdir, chunkFile(name)))
  for (const [i, packages] of Object.values(chunks).entries()) {
    const contents = `module.exports = {\n${packages.map((name) => `  ${JSON.stringify(name)}: require(${JSON.stringify(name)})`).join(',\n')}\n}\n`
    await esbuild.build({ ...base, stdin: { contents, resolveDir: root, sourcefile: `${path.basename(chunkFiles[i]!)}.js`, loader: 'js' }, outfile: chunkFiles[i] })
  }
  const workers = ['src/catalogue/staging-worker.ts', 'src/watchlists/mal-import-worker.ts', 'src/catalogue/engine/index-worker.ts']
  const files = workers.map((source) => path.join(outdir, `${path.basename(source, '.ts')}.cjs`))
  for (const [i, source] of workers.entries()) await esbuild.build({ ...base, entryPoints: [path.join(root, source)], outfile: files[i] })
  return [main, ...chunkFiles, ...files]
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now()
  const outdir = path.join(root, 'dist')
  // What earlier builds made there (dist/src/, dist/bundle/): nothing may start stale code.
  for (const stale of ['src', 'schemas', 'bundle']) fs.rmSync(path.join(outdir, stale), { recursive: true, force: true })
  const files = await bundle('node', outdir)
  const sizes = files.map((file) => `${path.relative(root, file)} ${(fs.statSync(file).size / 1e6).toFixed(1)} MB`)
  console.log(`built ${sizes.join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
}
