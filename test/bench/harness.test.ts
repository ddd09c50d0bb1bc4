// The benchmark's own machinery: ids drawn over the whole catalogue (uniform and
// Zipf), and the bare ceiling answering exactly what the service answers.
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { catalogueIds, startBaseline } from '../../bench/baseline.js'
import { writeCatalogue } from '../../bench/generate-catalogue.js'
import { parseStartCommand, startCommand } from '../../bench/lib.js'
import { indexDrawer } from '../../bench/load.js'
import { OLD_SERVICE_REPORTED, oldServiceEstimate, pairedRatio, rpsRatioOf, type Summary } from '../../bench/results.js'
import { concreteRequests, scenarios } from '../../bench/scenarios.js'
import { importCatalogueFile } from '../../src/catalogue/import.js'
import { buildApp, tempDir } from '../helpers/app.js'

const counts = (size: number, draws: number, zipf: number | undefined, seed = 1): number[] => {
  const draw = indexDrawer(size, zipf, seed)
  const seen = new Array<number>(size).fill(0)
  for (let i = 0; i < draws; i++) seen[draw()]!++
  return seen
}

t.test('uniform draws cover every index about evenly', async (t) => {
  const seen = counts(500, 100_000, undefined)
  t.ok(seen.every((n) => n > 0), 'every index drawn')
  const sorted = [...seen].sort((a, b) => a - b)
  // 200 expected per index; a fair draw stays well within 2x either way.
  t.ok(sorted[0]! > 100 && sorted.at(-1)! < 400, `least ${sorted[0]}, most ${sorted.at(-1)}`)
})

t.test('Zipf draws: a few popular indexes, a long tail, spread over the list', async (t) => {
  const size = 1000
  const seen = counts(size, 200_000, 1)
  const sorted = [...seen].sort((a, b) => b - a)
  const total = seen.reduce((a, b) => a + b, 0)
  const harmonic = Array.from({ length: size }, (_, k) => 1 / (k + 1)).reduce((a, b) => a + b, 0)
  // Rank 1 should get 1/H(1000) of the draws (about 13%).
  t.ok(Math.abs(sorted[0]! / total - 1 / harmonic) < 0.02, `the most drawn index gets ${(sorted[0]! / total * 100).toFixed(1)}%`)
  const top = sorted.slice(0, size / 10).reduce((a, b) => a + b, 0)
  t.ok(top / total > 0.6, `the top 10% get ${(top / total * 100).toFixed(0)}% of the draws`)
  t.ok(seen.filter((n) => n > 0).length > size / 2, 'the tail is drawn too')
  // The popular indexes are not the first ones of the list.
  const popular = seen.indexOf(sorted[0]!)
  t.not(popular, 0)
  t.ok(seen.slice(0, 10).reduce((a, b) => a + b, 0) < top / 2, 'the first ten indexes are not where the popular ones are')
})

t.test('the same seed draws the same sequence; another seed another', async (t) => {
  const sequence = (seed: number, zipf?: number): number[] => { const draw = indexDrawer(100, zipf, seed); return Array.from({ length: 50 }, draw) }
  t.same(sequence(3), sequence(3))
  t.same(sequence(3, 1), sequence(3, 1))
  t.notSame(sequence(3), sequence(4))
  t.notSame(sequence(3, 1), sequence(4, 1))
})

t.test('the ceiling answers the service\'s entry answers byte for byte, from every served id', async (t) => {
  const dir = tempDir(t)
  const files = writeCatalogue(`${dir}/files`, { count: 120, seed: 5 })
  const dataDir = `${dir}/data`
  await importCatalogueFile(dataDir, files.jsonl)
  const catalogue = catalogueIds(dataDir)
  t.equal(catalogue.ids.length, 120, 'every entry is drawn from')
  t.equal(catalogue.malPairs.ids.length, 120, 'every generated entry has a MyAnimeList page')
  t.same(new Set(catalogue.malPairs.malIds).size, 120, 'one MyAnimeList id each')

  const app = await buildApp(t, { dataDir })
  const ceiling = await startBaseline(dataDir, 0)
  t.teardown(() => new Promise((resolve) => ceiling.close(resolve)))
  const url = `http://127.0.0.1:${(ceiling.address() as AddressInfo).port}`

  const served = new Set<string>()
  for (const id of catalogue.ids.slice(0, 40)) {
    const service = await app.inject(`/anime/entry/${id}`)
    const bare = await fetch(`${url}/anime/entry/${id}`)
    t.equal(service.statusCode, 200)
    t.equal(bare.status, 200)
    const text = await bare.text()
    t.equal(text, service.body, `entry ${id}`)
    served.add(text)
  }
  const jikan = await app.inject(`/v4/anime/${catalogue.malPairs.malIds[0]}`)
  t.equal(jikan.statusCode, 200, 'the MyAnimeList ids are the ones Jikan\'s routes take')
  t.equal((jikan.json() as { data: { title: string } }).data.title, (JSON.parse([...served][0]!) as { title: string }).title)

  const random = await fetch(`${url}/anime/random`)
  t.equal(random.status, 200)
  t.ok(catalogue.ids.includes((JSON.parse(await random.text()) as { id: number }).id))
  for (const path of ['/anime/entry/0', '/anime/entry/99999', '/anime/entry/abc', '/nothing']) {
    const missing = await fetch(url + path)
    t.equal(missing.status, 404, path)
    t.same(await missing.json(), { detail: 'Not found.' })
  }
})

t.test('scenarios draw ids over the whole catalogue, uniform and Zipf', async (t) => {
  const ids = Array.from({ length: 5000 }, (_, i) => i + 1)
  const all = scenarios({ ids, malPairs: { ids, malIds: ids.map((id) => 900_000_000 + id) } })
  const entry = all.find((s) => s.name === 'entry by id, uniform')!
  t.equal(entry.ids?.values.length, 5000)
  t.equal(entry.versus?.kind, 'ceiling')
  const zipf = all.find((s) => s.name === 'entry by id, Zipf')!
  t.ok(zipf.ids?.zipf !== undefined)
  // Far more distinct ids than any answer cache holds: uniform draws are mostly misses.
  const distinct = new Set(concreteRequests(entry, 20_000, 1).map((r) => r.path))
  t.ok(distinct.size > 4000, `${distinct.size} distinct paths in 20,000 uniform draws`)
  const skewed = new Set(concreteRequests(zipf, 20_000, 1).map((r) => r.path))
  t.ok(skewed.size < distinct.size, `fewer distinct paths under Zipf (${skewed.size})`)
  t.ok([...distinct].every((path) => /^\/anime\/entry\/[1-9]\d*$/.test(path)))
})

t.test('a ratio pairs each round with the round measured beside it', async (t) => {
  const rounds = (figures: Array<[number, number]>): Summary => ({
    rps: NaN,
    p50: NaN,
    p99: NaN,
    cpuUs: NaN,
    statuses: {},
    rounds: figures.map(([rps, cpu]) => ({ requests: 1, rps, latency: { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 }, statuses: {}, errors: 0, timeouts: 0, seconds: 1, serverCpuUsPerRequest: cpu }))
  })
  // The machine slows down by half after the first round, for both sides alike: the service stays at 0.8 of the ceiling.
  const service = rounds([[800, 50], [400, 100], [400, 100]])
  const ceiling = rounds([[1000, 40], [500, 80], [500, 80]])
  t.equal(pairedRatio(service, ceiling, 'rps'), 0.8)
  t.equal(pairedRatio(service, ceiling, 'cpu'), 1.25)
  // One round off: the median of the pairs ignores it.
  const odd = rounds([[800, 50], [100, 400], [400, 100]])
  t.equal(pairedRatio(odd, ceiling, 'rps'), 0.8)
  // A scenario's ratio by name: none when it did not run, or ran with nothing beside it.
  const scenarios = [
    { name: 'paired', available: true, service, versus: ceiling },
    { name: 'alone', available: true, service },
    { name: 'failed', available: false, service, versus: ceiling }
  ]
  t.equal(rpsRatioOf(scenarios, 'paired'), 0.8)
  t.ok(Number.isNaN(rpsRatioOf(scenarios, 'alone')))
  t.ok(Number.isNaN(rpsRatioOf(scenarios, 'failed')))
  t.ok(Number.isNaN(rpsRatioOf(scenarios, 'absent')))
})

t.test('the old service\'s indicative figure scales the reported share of the ceiling, and says when there is none', async (t) => {
  // At exactly the reported share of the ceiling, the service would be 1x the old one.
  const [low, high] = [OLD_SERVICE_REPORTED.rps[0] / OLD_SERVICE_REPORTED.ceilingRps[1], OLD_SERVICE_REPORTED.rps[1] / OLD_SERVICE_REPORTED.ceilingRps[0]]
  t.match(oldServiceEstimate(high), /this run's entry \(uniform, 0\.02× the ceiling\) at 1–1× the old service/)
  const estimate = oldServiceEstimate(0.8)
  t.match(estimate, /indicative only, not same-run/)
  t.match(estimate, new RegExp(`at ${Math.round(0.8 / high)}–${Math.round(0.8 / low)}× the old service`))
  t.match(estimate, new RegExp(`40× would take ${(40 * low).toFixed(2)}–${(40 * high).toFixed(2)}× the ceiling`))
  t.match(oldServiceEstimate(NaN), /^no estimate either/)
})

t.test('the bench starts the service as npm start does: its environment settings, then node\'s arguments', async (t) => {
  t.same(parseStartCommand('MALLOC_ARENA_MAX=2 OPTS=a=b node --max-semi-space-size=8 dist/anime-api.cjs serve'),
    { env: { MALLOC_ARENA_MAX: '2', OPTS: 'a=b' }, args: ['--max-semi-space-size=8', 'dist/anime-api.cjs', 'serve'] })
  t.same(parseStartCommand('node dist/anime-api.cjs serve'), { env: {}, args: ['dist/anime-api.cjs', 'serve'] })
  t.throws(() => parseStartCommand('MALLOC_ARENA_MAX=2 tsx src/cli.ts serve'), /not a node command/)
  t.same(startCommand().args.slice(-2), ['dist/anime-api.cjs', 'serve'], 'package.json\'s start script parses')
})

t.test('search quality: a kind ranks worse than before when its top-1 or its MRR@10 is lower; the report counts them over every catalogue', async (t) => {
  const { kindsBelow, qualityReport, queryKinds } = await import('../../bench/search-quality.js')
  const engine = (name: string, scores: Partial<Record<string, [number, number]>>) => ({
    engine: name,
    medianQueryMs: 1,
    kinds: queryKinds.map((kind) => {
      const [top1, mrr10] = scores[kind] ?? [0.5, 0.6]
      return { kind, queries: kind === 'cjk' ? 0 : 10, top1, mrr10, found10: 1 }
    })
  })
  const before = engine('service', {})
  t.same(kindsBelow(engine('service', {}), before), [], 'the same scores: none')
  t.same(kindsBelow(engine('service', { exact: [0.9, 0.95], prefix: [0.5, 0.7] }), before), [], 'better or equal: none')
  t.same(kindsBelow(engine('service', { exact: [0.4, 0.9], typo: [0.6, 0.5] }), before), ['exact', 'typo'], 'a lower top-1, a lower MRR@10')
  t.same(kindsBelow(engine('service', { cjk: [0, 0] }), before), [], 'a kind the engine before had no queries of is not compared')
  const run = (catalogue: 'default' | 'generated', now: ReturnType<typeof engine>) => ({ catalogue, entries: 100, sample: 10, seed: 7, queries: 50, results: [now, engine('MiniSearch', {})] })
  const report = qualityReport([
    { run: run('default', engine('service', { pair: [0.1, 0.2] })), before },
    { run: run('generated', engine('service', {})), before },
    { run: run('generated', engine('service', { pair: [0.1, 0.2] })), before: undefined }
  ])
  t.equal(report.kindsBelow, 1, 'counted over the runs that have an engine before')
  t.equal(report.compared, 2 * queryKinds.length)
  t.match(report.section, /\| query kind \| queries \| service top-1 \| service MRR@10 \| before top-1 \| before MRR@10 \| MiniSearch top-1 \| MiniSearch MRR@10 \|/, 'the engine before beside the service and MiniSearch')
  t.match(report.section, /Worse than before: pair\./)
  t.match(report.section, /No kind ranks worse than before\./)
  t.match(report.section, /No results of the engine before for this catalogue\./)
})
