// In-process CPU cost of discovery: the search mix of `npm run bench`
// (scenarios.ts), similar for ids drawn uniformly over the catalogue, and
// recommendations for a 200-entry watchlist (first call after the index is
// ready, then later calls). CPU time of this process per request (process.cpuUsage,
// so other load on the machine counts little), through app.inject (routing,
// validation and serialisation included, no socket).
//
//   node --import tsx bench/discovery.ts [--data-dir <dir with catalogue.sqlite>] [--rounds 20]
//
// Without --data-dir the 40k generated catalogue is imported into a temporary
// directory first.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import app, { serverOptions } from '../src/app.js'
import { argValue, ensureCatalogue, prng } from './generate-catalogue.js'
import { median, outDir } from './lib.js'
import { searchQueries } from './scenarios.js'

const argv = process.argv.slice(2)
const rounds = Number(argValue(argv, 'rounds') ?? 20)
let dataDir = argValue(argv, 'data-dir')
const temporary = dataDir === undefined
if (dataDir === undefined) dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'anime-api-discovery-'))
const file = ensureCatalogue(outDir, { count: 40_000, seed: 1 }).jsonl

const cpuUs = (): number => { const c = process.cpuUsage(); return c.user + c.system }
const rssMb = (): number => process.memoryUsage().rss / 1e6

const started = performance.now()
const service = Fastify({ ...serverOptions, logger: false, pluginTimeout: 0 })
await service.register(fp(app), { dataDir, defaultCatalogue: file, rateLimitMax: 0 })
await service.ready()
const readyMs = performance.now() - started
const first = await service.inject('/anime/search?q=dragon')
const firstSearchMs = performance.now() - started
if (first.statusCode !== 200) throw new Error(`search answered ${first.statusCode}`)
const served = service.catalogue.info().count
// What the service loads once after a start (the entry answers, Jikan's resources: slices on the event
// loop) is left to finish first, as `npm run bench` does: its CPU would count against the requests measured.
for (let idle = 0; idle < 3;) {
  const cpu0 = cpuUs()
  await new Promise((resolve) => setTimeout(resolve, 200))
  idle = cpuUs() - cpu0 < 20_000 ? idle + 1 : 0
}

async function measure (paths: string[], repeat: number): Promise<{ cpuUs: number, wallUs: number, p50Us: number }> {
  for (const p of paths) await service.inject(p) // warm
  const times: number[] = []
  const cpu0 = cpuUs()
  const wall0 = performance.now()
  for (let r = 0; r < repeat; r++) {
    for (const p of paths) {
      const t0 = performance.now()
      const answer = await service.inject(p)
      times.push((performance.now() - t0) * 1000)
      if (answer.statusCode !== 200) throw new Error(`${p}: ${answer.statusCode}`)
    }
  }
  const n = paths.length * repeat
  return { cpuUs: (cpuUs() - cpu0) / n, wallUs: (performance.now() - wall0) * 1000 / n, p50Us: median(times) }
}

const search = await measure(searchQueries.map((q) => `/anime/search?${q}`), rounds)
const perQuery: Array<[string, number]> = []
for (const q of searchQueries) perQuery.push([q, (await measure([`/anime/search?${q}`], Math.max(5, rounds))).cpuUs])
const random = prng(1)
const ids = Array.from({ length: 2000 }, () => 1 + Math.floor(random() * served))
const similar = await measure(ids.map((id) => `/anime/entry/${id}/similar`), 1)

// Recommendations: 200 listed entries, rated or completed, drawn uniformly.
const statuses = ['completed', 'watching', 'dropped', 'completed', 'planned'] as const
const entries = Array.from({ length: 200 }, (_, i) => ({
  animeId: 1 + Math.floor(random() * served),
  status: statuses[i % statuses.length]!,
  rating: i % 3 === 0 ? null : 1 + Math.floor(random() * 10)
}))
const recommender = (service as unknown as { recommender: { recommend: (e: unknown[], f: object, l: number) => unknown } }).recommender
const timed = async (): Promise<number> => { const t0 = performance.now(); await recommender.recommend(entries, {}, 20); return performance.now() - t0 }
const recommendFirst = await timed()
const later: number[] = []
for (let i = 0; i < 20; i++) later.push(await timed())

console.log(JSON.stringify({
  served,
  readyMs: Math.round(readyMs),
  firstSearchMs: Math.round(firstSearchMs),
  rssMb: Math.round(rssMb()),
  search,
  similar,
  recommendations: { firstMs: recommendFirst, laterMedianMs: median(later) },
  perQueryCpuUs: Object.fromEntries(perQuery.map(([q, us]) => [q, Math.round(us)]))
}, null, 2))
await service.close()
if (temporary) fs.rmSync(dataDir, { recursive: true, force: true })
