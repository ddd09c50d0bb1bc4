// The hooks of test/helpers/ts-loader.mjs (they run on Node's loader thread).
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { threadId } from 'node:worker_threads'
import { fileURLToPath } from 'node:url'

const typescript = /\.[cm]?ts$/

export async function resolve (specifier, context, nextResolve) {
  // ./x.js from one of our modules where only ./x.ts is there: straight to the .ts. Letting Node's
  // resolve fail first costs more than these two checks (its error looks for CommonJS hints).
  const relativeJs = /^\.{1,2}\//.test(specifier) && context.parentURL?.startsWith('file:') && !context.parentURL.includes('/node_modules/') &&
    specifier.match(/^(.*)\.([cm]?)js$/)
  if (relativeJs) {
    const ts = new URL(`${relativeJs[1]}.${relativeJs[2]}ts`, context.parentURL)
    if (existsSync(ts) && !existsSync(new URL(specifier, context.parentURL))) return nextResolve(ts.href, context)
  }
  try {
    return await nextResolve(specifier, context)
  } catch (error) {
    // ./x.js where only ./x.ts exists (and .mjs/.cjs likewise).
    const ts = /^\.{1,2}\/|^file:|^\//.test(specifier) && specifier.match(/^(.*)\.([cm]?)js$/)
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !ts) throw error
    return await nextResolve(`${ts[1]}.${ts[2]}ts`, context)
  }
}

// Transforms are kept by content (as tsx and babel-loader keep theirs): a test
// process loads a few hundred modules, mostly the same ones as the last.
const cacheDir = fileURLToPath(new URL('../../node_modules/.cache/ts-loader/', import.meta.url))
let esbuild
const esbuildVersion = createRequire(import.meta.url)('esbuild/package.json').version

export async function load (url, context, nextLoad) {
  if (!url.startsWith('file:') || !typescript.test(new URL(url).pathname)) return nextLoad(url, context)
  const file = fileURLToPath(url)
  const source = await readFile(file, 'utf8')
  const commonjs = file.endsWith('.cts')
  const format = commonjs ? 'commonjs' : 'module'
  const options = {
    loader: 'ts',
    format: commonjs ? 'cjs' : 'esm',
    target: `node${process.versions.node}`,
    sourcemap: 'inline',
    sourcefile: file,
    tsconfigRaw: { compilerOptions: { useDefineForClassFields: true } }
  }
  // Keyed by everything the output depends on: esbuild's version, its options (the file's path and
  // Node's version among them) and the source.
  const key = createHash('sha256').update(`${esbuildVersion}\0${JSON.stringify(options)}\0${source}`).digest('hex')
  const cached = path.join(cacheDir, `${key}.js`)
  try {
    return { format, source: readFileSync(cached, 'utf8'), shortCircuit: true }
  } catch { /* not cached yet */ }
  esbuild ??= await import('esbuild')
  const { code } = await esbuild.transform(source, options)
  try {
    mkdirSync(cacheDir, { recursive: true })
    const partial = `${cached}.${process.pid}.${threadId}`
    writeFileSync(partial, code)
    renameSync(partial, cached)
  } catch { /* a cache that cannot be written is only slower */ }
  return { format, source: code, shortCircuit: true }
}
