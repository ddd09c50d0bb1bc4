// Runs `anime-api catalogue import <file>` (the build, dist/anime-api.cjs, in this process) and
// prints one JSON line: how long the import took and the process's peak RSS.
// The benchmark runs each import in a child of its own so that peak RSS is the
// import's alone.
//
//   DATA_DIR=… node --import tsx bench/import-child.ts <file>
import { createRequire } from 'node:module'
import path from 'node:path'
import { root } from './lib.js'

const file = process.argv[2]
if (file === undefined) throw new Error('usage: import-child.ts <file>')
const cli = createRequire(import.meta.url)(path.join(root, 'dist/anime-api.cjs')) as { runCli: (argv: string[], io: unknown) => Promise<number> }
const lines: string[] = []
const io = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line), progress: () => {}, env: process.env }
const started = performance.now()
const cpuBefore = process.cpuUsage()
const code = await cli.runCli(['catalogue', 'import', file], io)
const seconds = (performance.now() - started) / 1000
const cpu = process.cpuUsage(cpuBefore)
const cpuSeconds = (cpu.user + cpu.system) / 1e6
process.stdout.write(JSON.stringify({ code, seconds, cpuSeconds, peakRssMb: process.resourceUsage().maxRSS / 1024, output: lines }) + '\n')
