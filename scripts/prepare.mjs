// npm install runs this (the `prepare` script): the build, once, where the
// development tools are installed. A production install (`npm ci --omit=dev`)
// of a tree built beforehand has none of them and keeps the build it has.
// Plain JavaScript: it must run before anything is installed to compile it.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const tools = ['esbuild', 'tsx'].every((name) => existsSync(path.join(root, 'node_modules', name)))
if (!tools) {
  if (existsSync(path.join(root, 'dist', 'anime-api.cjs'))) {
    console.log('anime-api: no development tools installed; keeping the build in dist/')
    process.exit(0)
  }
  console.error('anime-api: dist/ holds no build and the development tools are not installed: ' +
    'build first with `npm install && npm run build` (development dependencies included), then install for production')
  process.exit(1)
}
const build = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'build.ts')], { cwd: root, stdio: 'inherit' })
process.exit(build.status ?? 1)
