// The service as one CommonJS file, bundled by esbuild, for the two builds that
// run it that way:
// - 'sea': the single executable (scripts/build-binary.ts). Entry src/sea/main.ts;
//   everything inside, since nothing beside the executable can be read.
// - 'node': the production build (npm run build → dist/bundle/, see
//   scripts/build-bundle.ts). Entry src/bundle/main.ts (anime-api.cjs), plus the
//   import's parsing worker (staging-worker.mjs: a worker needs a file of its
//   own, and this one awaits at top level, so ESM) and the loader that
//   `npm start` runs (start.cjs, src/bundle/start.ts: the bundle compiled with
//   V8's code cache). Only better-sqlite3 (a native binding) stays outside,
//   required from node_modules; @fastify/swagger-ui's static files are read
//   from its installed package.
//
// `import.meta.url` becomes a file URL that does not exist, in a folder whose
// layout paths derived from it expect, so that isMain() never mistakes a module
// for the entry: for 'sea' beside the executable (.anime-api/src/main.js); for
// 'node' dist/bundle/bundled.mjs, one level below dist/ like dist/src/ (so
// src/config.ts finds the project root), with the worker's extension (so
// src/catalogue/import.ts finds the worker beside it).
//
// Modules adapted at bundle time, each patch checked (a package update that
// moves the patched text fails the build):
// - pg skips its Cloudflare Workers probe, and @fastify/multipart its check that
//   FormData exists: each reads a global that loads Node's undici (see below).
// - 'node': @fastify/swagger-ui finds its static files in its installed package
//   instead of beside the bundle.
// - 'sea': better-sqlite3 takes its native binding from the one src/sea/setup.ts
//   loads; @fastify/swagger-ui, whose static files cannot travel, is replaced by
//   a small /docs page (src/sea/docs-fallback.ts).
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'

export type BundleTarget = 'sea' | 'node'

export interface BundleOptions {
  target: BundleTarget
  /** Folder of the output files (created; files of the same names replaced). */
  outdir: string
}

export interface Bundle {
  /** The bundle of the whole command line. */
  main: string
  /** Every file written. */
  files: string[]
}

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const src = path.join(root, 'src')
/** The catalogue import's parsing worker (src/catalogue/import.ts looks for it beside the bundle). */
const parsingWorker = path.join(src, 'catalogue/staging-worker.ts')

function patch (text: string, file: string, replacements: Array<[string, string]>): string {
  for (const [from, to] of replacements) {
    if (!text.includes(from)) throw new Error(`bundle: ${file} changed: "${from}" not found; update scripts/bundle.ts`)
    text = text.split(from).join(to)
  }
  return text
}

function plugin (target: BundleTarget): esbuild.Plugin {
  return {
    name: `anime-api-${target}`,
    setup (build) {
      // The service runs on Node, never in a Cloudflare Worker: pg's probe for one, run when pg is
      // loaded (at every start, as the user store imports it), builds a fetch Response, which loads
      // Node's undici: some 30 ms of each start.
      build.onLoad({ filter: /[\\/]pg[\\/]lib[\\/]stream\.js$/ }, async (args) => ({
        loader: 'js',
        contents: patch(await fs.promises.readFile(args.path, 'utf8'), args.path, [
          ['const { getStream, getSecureStream } = getStreamFuncs()', 'const { getStream, getSecureStream } = getNodejsStreamFuncs()']
        ])
      }))
      // Likewise @fastify/multipart's check that FormData exists (it always does on Node 20), made when
      // it is registered: reading the global loads undici.
      build.onLoad({ filter: /[\\/]@fastify[\\/]multipart[\\/]index\.js$/ }, async (args) => ({
        loader: 'js',
        contents: patch(await fs.promises.readFile(args.path, 'utf8'), args.path, [
          ["if (globalThis.FormData && !fastify.hasRequestDecorator('formData')) {", "if (!fastify.hasRequestDecorator('formData')) {"]
        ])
      }))
      if (target === 'node') {
        // @fastify/swagger-ui's code is in the bundle, but its static files are read where the package is installed.
        build.onLoad({ filter: /[\\/]@fastify[\\/]swagger-ui[\\/](index|lib[\\/]routes)\.js$/ }, async (args) => {
          const dir = path.basename(path.dirname(args.path)) === 'lib' ? 'lib' : '.'
          const text = patch(await fs.promises.readFile(args.path, 'utf8'), args.path, [['__dirname', '__installedDir()']])
          // The package name through a variable: esbuild would otherwise bundle what require.resolve names.
          const installedDir = `const __installedDir = (name = '@fastify/swagger-ui') => require('node:path').join(require('node:path').dirname(require.resolve(name)), '${dir}');`
          return { loader: 'js', contents: `${installedDir}\n${text}` }
        })
        return
      }
      build.onResolve({ filter: /^@fastify\/swagger-ui$/ }, () => ({ path: path.join(src, 'sea/docs-fallback.ts') }))
      build.onLoad({ filter: /[\\/]better-sqlite3[\\/]lib[\\/]database\.js$/ }, async (args) => ({
        loader: 'js',
        contents: patch(await fs.promises.readFile(args.path, 'utf8'), args.path, [
          ["const nativeBinding = 'nativeBinding' in options ? options.nativeBinding : null;",
            "const nativeBinding = 'nativeBinding' in options ? options.nativeBinding : globalThis.__animeApiSqliteBinding;"]
        ])
      }))
    }
  }
}

/** Where import.meta.url points, as an expression of the bundle (see the top). */
const metaUrl: Record<BundleTarget, string> = {
  sea: "require('node:url').pathToFileURL(require('node:path').join(require('node:path').dirname(process.execPath), '.anime-api', 'src', 'main.js')).href",
  node: "require('node:url').pathToFileURL(require('node:path').join(__dirname, 'bundled.mjs')).href"
}

const common: esbuild.BuildOptions = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  outExtension: { '.js': '.cjs' }
}

export async function bundle ({ target, outdir }: BundleOptions): Promise<Bundle> {
  fs.mkdirSync(outdir, { recursive: true })
  const external = target === 'sea' ? [] : ['better-sqlite3']
  const result = await esbuild.build({
    ...common,
    entryPoints: { 'anime-api': path.join(src, target === 'sea' ? 'sea/main.ts' : 'bundle/main.ts') },
    outdir,
    external,
    define: { 'import.meta.url': '__animeApiMetaUrl', 'import.meta.dirname': '__animeApiMetaDirname' },
    banner: {
      js: [
        '"use strict";',
        `var __animeApiMetaUrl = ${metaUrl[target]};`,
        "var __animeApiMetaDirname = require('node:path').dirname(require('node:url').fileURLToPath(__animeApiMetaUrl));"
      ].join('\n')
    },
    // No import() left in the bundle, not even of a computed name: esbuild makes each a require(). A
    // script compiled from a code cache (src/bundle/start.ts, the executable's) loses what import()
    // needs on Node 20 (nodejs/node#43663); require() of an ES module works on Node 20.19+.
    supported: { 'dynamic-import': false },
    plugins: [plugin(target)],
    metafile: true
  })
  const files = Object.keys(result.metafile.outputs).map((file) => path.resolve(root, file))
  const main = path.join(outdir, 'anime-api.cjs')
  if (target === 'node' && fs.existsSync(parsingWorker)) {
    const worker = path.join(outdir, 'staging-worker.mjs')
    await esbuild.build({
      ...common,
      format: 'esm',
      entryPoints: [parsingWorker],
      outfile: worker,
      external,
      // For the CommonJS modules inside (require of Node's own modules).
      banner: { js: "import { createRequire as __animeApiCreateRequire } from 'node:module';\nconst require = __animeApiCreateRequire(import.meta.url);" }
    })
    files.push(worker)
  }
  if (target === 'node') {
    const loader = path.join(outdir, 'start.cjs')
    await esbuild.build({ ...common, entryPoints: [path.join(src, 'bundle/start.ts')], outfile: loader, banner: { js: '#!/usr/bin/env node' } })
    fs.chmodSync(loader, 0o755)
    files.push(loader)
  }
  return { main, files }
}
