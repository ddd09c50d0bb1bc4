// Second half of npm run build (after tsc): the production bundle in dist/bundle/,
// which `npm start` runs (start.cjs: the bundle compiled with V8's code cache,
// see src/bundle/start.ts; scripts/bundle.ts for what is in it).
import fs from 'node:fs'
import path from 'node:path'
import { bundle, root } from './bundle.js'

const started = Date.now()
const outdir = path.join(root, 'dist/bundle')
fs.rmSync(outdir, { recursive: true, force: true })
const { main, files } = await bundle({ target: 'node', outdir })
console.log(`bundled ${path.relative(root, main)} (${(fs.statSync(main).size / 1e6).toFixed(1)} MB; ${files.map((file) => path.basename(file)).join(', ')}) in ${((Date.now() - started) / 1000).toFixed(1)} s`)
