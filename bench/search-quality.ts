// Known-item search quality: how well /anime/search finds an entry from the
// things people type about it. For a seeded sample of entries, one query of each
// kind is built from the entry itself:
//   exact    the title as written
//   synonym  one of its synonyms in Latin script
//   prefix   the first 4-6 letters of the title (typing)
//   typo     the title with one edit in a word of 5+ letters
//   pair     two adjacent words from the middle of a title of 3+ words
//   cjk      2-4 characters from inside a Japanese or Chinese synonym
// and the entry's rank in the first page of answers. Reported per kind: top-1
// (the entry ranks first) and MRR@10 (mean of 1/rank, 0 past rank 10), for the
// service and, as the outside reference, MiniSearch (prefix and fuzzy search,
// titles boosted) over the same titles and synonyms.
//
//   node --import tsx bench/search-quality.ts [--catalogue default|generated] [--sample 400] [--seed 7] [--save <file.json>]
//
// The service is built in-process on a temporary DATA_DIR whose first start
// imports the catalogue (the shipped default one, or the 40k generated one).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import MiniSearch from 'minisearch'
import app, { serverOptions } from '../src/app.js'
import { argValue, ensureCatalogue, prng } from './generate-catalogue.js'
import { median, outDir, root } from './lib.js'

export const queryKinds = ['exact', 'synonym', 'prefix', 'typo', 'pair', 'cjk'] as const
export type QueryKind = typeof queryKinds[number]

interface CatalogueEntry { id: number, title: string, synonyms: string[] }
export interface KnownItemQuery { kind: QueryKind, q: string, id: number }
export interface KindScore { kind: QueryKind, queries: number, top1: number, mrr10: number, found10: number }
export interface EngineScores { engine: string, kinds: KindScore[], medianQueryMs: number }

const cjk = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u
const latinWord = /^[\p{Script=Latin}\p{N}]+$/u

/** One random edit (substitution, deletion, insertion or transposition) away from `word`, never at its first letter. */
function typo (word: string, random: () => number): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz'
  const at = 1 + Math.floor(random() * (word.length - 1))
  const letter = letters[Math.floor(random() * letters.length)]!
  switch (Math.floor(random() * 4)) {
    case 0: return word.slice(0, at) + (letter === word[at]!.toLowerCase() ? 'x' : letter) + word.slice(at + 1)
    case 1: return word.slice(0, at) + word.slice(at + 1)
    case 2: return word.slice(0, at) + letter + word.slice(at)
    default: return at + 1 < word.length && word[at] !== word[at + 1]
      ? word.slice(0, at) + word[at + 1] + word[at] + word.slice(at + 2)
      : word.slice(0, at) + word.slice(at + 1)
  }
}

/** The queries of every kind that can be built from `entry`. */
export function queriesFor (entry: CatalogueEntry, random: () => number): KnownItemQuery[] {
  const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)]!
  const out: KnownItemQuery[] = [{ kind: 'exact', q: entry.title, id: entry.id }]
  const latinSynonyms = entry.synonyms.filter((s) => !cjk.test(s) && s.toLowerCase() !== entry.title.toLowerCase() && /\p{L}/u.test(s))
  if (latinSynonyms.length > 0) out.push({ kind: 'synonym', q: pick(latinSynonyms), id: entry.id })
  const prefix = entry.title.slice(0, 4 + Math.floor(random() * 3)).trim()
  if ([...prefix].length >= 4 && /^[\p{L}\p{N} ]+$/u.test(prefix)) out.push({ kind: 'prefix', q: prefix, id: entry.id })
  const words = entry.title.split(/\s+/)
  const long = words.map((w, i) => [w, i] as const).filter(([w]) => w.length >= 5 && latinWord.test(w))
  if (long.length > 0) {
    const [, index] = pick(long)
    out.push({ kind: 'typo', q: words.map((w, i) => (i === index ? typo(w, random) : w)).join(' '), id: entry.id })
  }
  if (words.length >= 3) {
    // Not the first word: a pair from inside the title.
    const start = 1 + Math.floor(random() * (words.length - 2))
    out.push({ kind: 'pair', q: `${words[start]!} ${words[start + 1]!}`, id: entry.id })
  }
  const cjkSynonyms = entry.synonyms.filter((s) => cjk.test(s) && [...s].length >= 4)
  if (cjkSynonyms.length > 0) {
    const chars = [...pick(cjkSynonyms)]
    const length = 2 + Math.floor(random() * 3)
    const start = 1 + Math.floor(random() * Math.max(1, chars.length - length - 1))
    out.push({ kind: 'cjk', q: chars.slice(start, start + length).join(''), id: entry.id })
  }
  return out
}

/** Top-1, MRR@10 and found-in-10 per kind, from each query's rank (null: not in the first 10). */
export function score (ranked: Array<{ query: KnownItemQuery, rank: number | null }>): KindScore[] {
  return queryKinds.map((kind) => {
    const of = ranked.filter((r) => r.query.kind === kind)
    const n = of.length
    const top1 = of.filter((r) => r.rank === 1).length
    const mrr = of.reduce((sum, r) => sum + (r.rank !== null && r.rank <= 10 ? 1 / r.rank : 0), 0)
    const found = of.filter((r) => r.rank !== null && r.rank <= 10).length
    return { kind, queries: n, top1: n === 0 ? NaN : top1 / n, mrr10: n === 0 ? NaN : mrr / n, found10: n === 0 ? NaN : found / n }
  })
}

export function markdownTable (results: EngineScores[]): string {
  const lines = [
    `| query kind | queries | ${results.map((r) => `${r.engine} top-1 | ${r.engine} MRR@10`).join(' | ')} |`,
    `| --- | ---: | ${results.map(() => '---: | ---:').join(' | ')} |`
  ]
  const pct = (x: number): string => Number.isNaN(x) ? 'n/a' : `${(x * 100).toFixed(1)} %`
  for (const kind of queryKinds) {
    const cells = results.map((r) => {
      const k = r.kinds.find((s) => s.kind === kind)!
      return `${pct(k.top1)} | ${Number.isNaN(k.mrr10) ? 'n/a' : k.mrr10.toFixed(3)}`
    })
    lines.push(`| ${kind} | ${results[0]!.kinds.find((s) => s.kind === kind)!.queries} | ${cells.join(' | ')} |`)
  }
  lines.push(`| median time per query | | ${results.map((r) => `${r.medianQueryMs.toFixed(2)} ms | `).join(' | ')} |`)
  return lines.join('\n')
}

/** One known-item run: the catalogue, how many entries it serves, the sample and its queries, each engine's scores. */
export interface QualityRun { catalogue: 'default' | 'generated', entries: number, sample: number, seed: number, queries: number, results: EngineScores[] }

/** The catalogues of a run: the shipped one, every entry; the 40k generated one, 400 sampled (bench/quality/README.md). */
export const QUALITY_RUNS = [{ catalogue: 'default', sample: 148 }, { catalogue: 'generated', sample: 400 }] as const

/** The known-item queries of `sample` entries of a catalogue, ranked by the service (built in-process) and by MiniSearch. */
export async function measureSearchQuality (options: { catalogue: 'default' | 'generated', sample: number, seed?: number, count?: number }): Promise<QualityRun> {
  const { catalogue: which, sample } = options
  const seed = options.seed ?? 7
  const file = which === 'default'
    ? path.join(root, 'data', 'anime-offline-database.json')
    : ensureCatalogue(outDir, { count: options.count ?? 40_000, seed: 1 }).jsonl

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'anime-api-quality-'))
  // The first start imports the catalogue: 40k entries take longer than avvio's default plugin timeout.
  const service = Fastify({ ...serverOptions, logger: false, pluginTimeout: 0 })
  try {
    await service.register(fp(app), { dataDir, defaultCatalogue: file, rateLimitMax: 0 })
    await service.ready()

    // Every served entry (id, title) through the API; synonyms from the file, by the entry's first source URL.
    const bySource = new Map<string, string[]>()
    const text = fs.readFileSync(file, 'utf8')
    const records = file.endsWith('.jsonl')
      ? text.split('\n').slice(1).filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as { sources: string[], synonyms: string[] })
      : (JSON.parse(text) as { data: Array<{ sources: string[], synonyms: string[] }> }).data
    for (const record of records) bySource.set([...record.sources].sort()[0]!, record.synonyms)
    const entries: CatalogueEntry[] = []
    for (let page = 1; ; page++) {
      const answer = await service.inject(`/anime/search?page_size=100&page=${page}`)
      if (answer.statusCode !== 200) break
      for (const e of answer.json().results as Array<{ id: number, title: string, source: string }>) {
        entries.push({ id: e.id, title: e.title, synonyms: bySource.get(e.source) ?? [] })
      }
    }

    const random = prng(seed)
    const chosen = new Set<number>()
    while (chosen.size < Math.min(sample, entries.length)) chosen.add(Math.floor(random() * entries.length))
    const queries = [...chosen].flatMap((i) => queriesFor(entries[i]!, random))

    const serviceRanks: Array<{ query: KnownItemQuery, rank: number | null }> = []
    const serviceTimes: number[] = []
    for (const query of queries) {
      const started = performance.now()
      const answer = await service.inject(`/anime/search?page_size=10&q=${encodeURIComponent(query.q)}`)
      serviceTimes.push(performance.now() - started)
      const ids = answer.statusCode === 200 ? (answer.json().results as Array<{ id: number }>).map((e) => e.id) : []
      const index = ids.indexOf(query.id)
      serviceRanks.push({ query, rank: index === -1 ? null : index + 1 })
    }

    const mini = new MiniSearch<CatalogueEntry & { synonymText: string }>({ fields: ['title', 'synonymText'], idField: 'id' })
    mini.addAll(entries.map((e) => ({ ...e, synonymText: e.synonyms.join(' \n ') })))
    const miniRanks: Array<{ query: KnownItemQuery, rank: number | null }> = []
    const miniTimes: number[] = []
    for (const query of queries) {
      const started = performance.now()
      const ids = mini.search(query.q, { prefix: true, fuzzy: 0.2, boost: { title: 2 } }).slice(0, 10).map((r) => r.id as number)
      miniTimes.push(performance.now() - started)
      const index = ids.indexOf(query.id)
      miniRanks.push({ query, rank: index === -1 ? null : index + 1 })
    }

    return {
      catalogue: which,
      entries: entries.length,
      sample: chosen.size,
      seed,
      queries: queries.length,
      results: [
        { engine: 'service', kinds: score(serviceRanks), medianQueryMs: median(serviceTimes) },
        { engine: 'MiniSearch', kinds: score(miniRanks), medianQueryMs: median(miniTimes) }
      ]
    }
  } finally {
    await service.close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

/** The kinds where `now` ranks worse than `before` on the same queries: a lower top-1 or MRR@10. */
export function kindsBelow (now: EngineScores, before: EngineScores): QueryKind[] {
  return queryKinds.filter((kind) => {
    const a = now.kinds.find((k) => k.kind === kind)
    const b = before.kinds.find((k) => k.kind === kind)
    if (a === undefined || b === undefined || b.queries === 0) return false
    return a.top1 < b.top1 || a.mrr10 < b.mrr10
  })
}

/** The engine before the in-memory one, on the same queries (bench/quality/before-<catalogue>.json), if kept. */
export function engineBefore (catalogue: string, dir = path.join(root, 'bench', 'quality')): EngineScores | undefined {
  const file = path.join(dir, `before-${catalogue}.json`)
  if (!fs.existsSync(file)) return undefined
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { results: EngineScores[] }).results.find((r) => r.engine === 'service')
}

/**
 * RESULTS.md's section on search quality, and how many kinds (over every run)
 * rank worse than the engine before: the service, the engine before it on the
 * same queries, and MiniSearch as the outside reference.
 */
export function qualityReport (runs: Array<{ run: QualityRun, before: EngineScores | undefined }>): { section: string, kindsBelow: number, compared: number } {
  const lines = ['## Search quality', '',
    'Known items (`bench/search-quality.ts`): for a seeded sample of entries, one query of each kind built from the entry (its exact title, a synonym, its first 4-6 letters, the title with one typo, two words from its middle, a piece of a CJK synonym), and the entry\'s rank in the first page of `/anime/search`. Top-1: the entry ranks first; MRR@10: the mean of 1/rank, 0 past rank 10. "before" is the SQLite FTS5 engine the in-memory one replaced, measured on the same queries (`bench/quality/`); MiniSearch (prefix and fuzzy search, titles boosted) is the outside reference. Query times are in-process and include the request\'s handling.', '']
  let below = 0
  let compared = 0
  for (const { run, before } of runs) {
    lines.push(`${run.catalogue === 'default' ? 'The shipped default catalogue' : 'The generated catalogue'}: ${run.entries} entries, ${run.sample} sampled (seed ${run.seed}), ${run.queries} queries.`, '')
    lines.push(markdownTable(before === undefined ? run.results : [run.results[0]!, { ...before, engine: 'before' }, ...run.results.slice(1)]), '')
    if (before !== undefined) {
      const worse = kindsBelow(run.results[0]!, before)
      below += worse.length
      compared += queryKinds.length
      lines.push(worse.length === 0 ? 'No kind ranks worse than before.' : `Worse than before: ${worse.join(', ')}.`, '')
    } else {
      lines.push('No results of the engine before for this catalogue.', '')
    }
  }
  return { section: lines.join('\n'), kindsBelow: below, compared }
}

async function main (): Promise<void> {
  const argv = process.argv.slice(2)
  const which = argValue(argv, 'catalogue') === 'default' ? 'default' : 'generated'
  const sample = Number(argValue(argv, 'sample') ?? 400)
  const seed = Number(argValue(argv, 'seed') ?? 7)
  const count = Number(argValue(argv, 'count') ?? 40_000)
  const save = argValue(argv, 'save')
  const run = await measureSearchQuality({ catalogue: which, sample, seed, count })
  console.log(`${which} catalogue: ${run.entries} entries, ${run.sample} sampled (seed ${seed}), ${run.queries} queries\n`)
  console.log(markdownTable(run.results))
  if (save !== undefined) {
    fs.writeFileSync(save, JSON.stringify({ catalogue: which, entries: run.entries, sample: run.sample, seed, measuredAt: new Date().toISOString(), results: run.results }, null, 2) + '\n')
    console.log(`\nsaved to ${save}`)
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  main().catch((error: unknown) => {
    console.error(error)
    process.exit(1)
  })
}
