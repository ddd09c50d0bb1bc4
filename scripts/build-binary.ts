// npm run build:binary → dist/anime-api: one file, Node's single executable
// application (SEA), holding the bundle of the command line (scripts/build.ts,
// target 'sea') and, as assets, better-sqlite3's native addon and the default
// catalogue (src/sea/assets.ts writes them out when first used).
// 1. esbuild bundles src/cli.ts into one CommonJS file (Node 20's SEA runs CommonJS only).
// 2. node --experimental-sea-config makes the blob (code, V8's code cache of it, assets).
// 3. A copy of this node binary gets the blob injected with postject.
import crypto from 'node:crypto'
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { bundle, root } from './build.js'

const out = path.join(root, 'dist')
const work = path.join(out, 'sea')
const binary = path.join(out, process.platform === 'win32' ? 'anime-api.exe' : 'anime-api')
const assets = {
  'better_sqlite3.node': path.join(root, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'),
  'anime-offline-database.json': path.join(root, 'data/anime-offline-database.json')
}

const started = Date.now()
fs.rmSync(work, { recursive: true, force: true })
const [main] = await bundle('sea', work)
// The assets' content hashes: where they are written out, so a start finds them without hashing them.
const manifest = path.join(work, 'manifest.json')
fs.writeFileSync(manifest, JSON.stringify(Object.fromEntries(Object.entries(assets).map(([name, file]) =>
  [name, crypto.hash('sha256', fs.readFileSync(file)).slice(0, 16)]))))

const seaConfig = path.join(work, 'sea-config.json')
const blob = path.join(work, 'sea-prep.blob')
fs.writeFileSync(seaConfig, JSON.stringify({
  main,
  output: blob,
  disableExperimentalSEAWarning: true,
  useCodeCache: true,
  assets: { ...assets, 'manifest.json': manifest }
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
console.log(`built ${path.relative(root, binary)}: ${(size / 1e6).toFixed(1)} MB (bundle ${(fs.statSync(main!).size / 1e6).toFixed(1)} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s`)
