// The benchmark catalogue generator: deterministic, AOD-shaped, realistic spreads.
import fs from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { GENERATED_ID_BASE, generateRecords, revisionPlan, tagVocabulary, writeCatalogue } from '../../bench/generate-catalogue.js'
import { normalizeRecord } from '../../src/catalogue/normalize.js'
import { importCatalogueFile } from '../../src/catalogue/import.js'
import { tempDir } from '../helpers/app.js'

type Rec = { sources: string[], title: string, synonyms: string[], tags: string[], relatedAnime: string[], type: string, animeSeason: { year?: number } }
const records = (count: number, seed = 1, revision = 1): Rec[] => [...generateRecords({ count, seed, revision })] as unknown as Rec[]

t.test('the same seed gives the same catalogue; another seed another', async (t) => {
  t.same(records(300), records(300))
  // Their titles differ, so the catalogues do: tap's notSame over whole records would pass only after
  // diffing them (more than a second of CPU for these 50), as it formats the difference either way.
  t.notSame(records(50, 2).map((r) => r.title), records(50, 1).map((r) => r.title))
  // An entry looks the same whatever the catalogue's size.
  t.same(records(100).slice(0, 40).map((r) => r.sources), records(200).slice(0, 40).map((r) => r.sources))
})

t.test('records are valid AOD with realistic spreads', async (t) => {
  const all = records(3000)
  t.equal(all.length, 3000)
  for (const record of all) normalizeRecord(record) // throws on a record the importer would skip
  const urls = new Set<string>()
  let shared = 0
  for (const r of all) for (const url of r.sources) { if (urls.has(url)) shared++; urls.add(url) }
  t.equal(shared, 0, 'a URL belongs to one entry')
  t.same(all.filter((r) => r.sources.length < 2 || r.sources.length > 6), [], 'two to six sources')
  t.same(all.filter((r) => r.sources.join('\n') !== [...r.sources].sort().join('\n')), [], 'sources sorted')
  t.same(all.filter((r) => r.tags.length < 5 || r.tags.length > 25 || new Set(r.tags).size !== r.tags.length), [], 'five to 25 distinct tags')
  t.ok(tagVocabulary.length >= 300, `a few hundred tags (${tagVocabulary.length})`)
  const counts = new Map<string, number>()
  for (const r of all) for (const tag of r.tags) counts.set(tag, (counts.get(tag) ?? 0) + 1)
  const sorted = [...counts.values()].sort((a, b) => b - a)
  t.ok(sorted[0]! > 20 * sorted[Math.floor(sorted.length / 2)]!, 'a long tail: the commonest tag far above the median one')
  t.ok(all.some((r) => r.synonyms.some((s) => /[\u3040-\u30ff\u4e00-\u9fff]/.test(s))), 'some synonyms in Japanese script')
  const lengths = all.map((r) => r.title.length).sort((a, b) => a - b)
  t.ok(lengths[Math.floor(lengths.length / 2)]! >= 8 && lengths.at(-1)! >= 80, 'short titles mostly, a few very long')
  t.ok(all.filter((r) => r.relatedAnime.length > 0).length > all.length / 3, 'many entries have related anime')
  t.ok(all.every((r) => r.relatedAnime.every((url) => urls.has(url))), 'related links point at entries of the catalogue')
  t.ok(new Set(all.map((r) => r.type)).size >= 5, 'several types')
})

t.test('a later revision drops and adds entries; JSON and JSONL import alike', async (t) => {
  const plan = revisionPlan(500, 2)
  const second = records(500, 1, 2)
  t.equal(second.length, plan.total - Math.floor(plan.total / 97))
  const dir = tempDir(t)
  const files = writeCatalogue(dir, { count: 500, seed: 1 })
  t.equal(files.records, 500)
  const json = await importCatalogueFile(`${dir}/json`, files.json)
  const jsonl = await importCatalogueFile(`${dir}/jsonl`, files.jsonl)
  t.equal(json.total, 500)
  t.equal(jsonl.total, 500)
  t.equal(json.skipped + jsonl.skipped, 0)
})

t.test('generated sources cannot collide with real ones: reserved ids and slugs', async (t) => {
  const all = records(2000)
  const numeric: string[] = []
  const other: string[] = []
  for (const r of all) {
    for (const url of [...r.sources, ...r.relatedAnime]) {
      const id = url.slice(url.lastIndexOf('/') + 1)
      if (/^\d+$/.test(id)) numeric.push(id)
      else other.push(id)
    }
  }
  t.ok(numeric.length > 4000, 'numeric site ids')
  t.same(numeric.filter((id) => Number(id) <= GENERATED_ID_BASE), [], `every numeric id above ${GENERATED_ID_BASE}`)
  t.ok(other.length > 100, 'slug ids')
  t.same(other.filter((id) => !id.startsWith('generated-')), [], 'every slug starts generated-')
})

t.test('the generator refuses to write into a service\'s DATA_DIR', async (t) => {
  for (const marker of ['catalogue.sqlite', 'accounts.sqlite']) {
    const dir = tempDir(t)
    fs.writeFileSync(path.join(dir, marker), '')
    t.throws(() => writeCatalogue(dir, { count: 5, seed: 1 }), { name: 'DataDirError', message: /DATA_DIR/ }, marker)
    t.same(fs.readdirSync(dir), [marker], 'nothing written')
  }
})
