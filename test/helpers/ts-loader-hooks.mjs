// The hooks of test/helpers/ts-loader.mjs (they run on Node's loader thread).
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { transform } from 'esbuild'

const typescript = /\.[cm]?ts$/

export async function resolve (specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context)
  } catch (error) {
    // ./x.js where only ./x.ts exists (and .mjs/.cjs likewise).
    const ts = /^\.{1,2}\/|^file:|^\//.test(specifier) && specifier.match(/^(.*)\.([cm]?)js$/)
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !ts) throw error
    return await nextResolve(`${ts[1]}.${ts[2]}ts`, context)
  }
}

export async function load (url, context, nextLoad) {
  if (!url.startsWith('file:') || !typescript.test(new URL(url).pathname)) return nextLoad(url, context)
  const file = fileURLToPath(url)
  const source = await readFile(file, 'utf8')
  const commonjs = file.endsWith('.cts')
  const { code } = await transform(source, {
    loader: 'ts',
    format: commonjs ? 'cjs' : 'esm',
    target: `node${process.versions.node}`,
    sourcemap: 'inline',
    sourcefile: file,
    tsconfigRaw: { compilerOptions: { useDefineForClassFields: true } }
  })
  return { format: commonjs ? 'commonjs' : 'module', source: code, shortCircuit: true }
}
