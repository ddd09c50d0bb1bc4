// npm run build:binary → dist/anime-api: one file, Node's single executable
// application (SEA) with the bundled code, better-sqlite3's native binding and
// the default catalogue inside it.
//
// 1. esbuild bundles src/sea/main.ts (the CLI: serve, catalogue, users, backup)
//    into one CommonJS file (Node 20's SEA runs CommonJS only): scripts/bundle.ts,
//    target 'sea' (native binding and /docs adapted, see there).
// 2. node --experimental-sea-config makes the blob (code + assets).
// 3. A copy of this node binary gets the blob injected with postject.
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { bundle, root } from './bundle.js'

const out = path.join(root, 'dist')
const work = path.join(out, 'sea')
const binary = path.join(out, process.platform === 'win32' ? 'anime-api.exe' : 'anime-api')
const nativeBinding = path.join(root, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node')
const catalogue = path.join(root, 'data/anime-offline-database.json')

const started = Date.now()
fs.rmSync(work, { recursive: true, force: true })
const { main } = await bundle({ target: 'sea', outdir: work })

const seaConfig = path.join(work, 'sea-config.json')
const blob = path.join(work, 'sea-prep.blob')
fs.writeFileSync(seaConfig, JSON.stringify({
  main,
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
console.log(`built ${path.relative(root, binary)}: ${(size / 1e6).toFixed(1)} MB (bundle ${(fs.statSync(main).size / 1e6).toFixed(1)} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s`)
