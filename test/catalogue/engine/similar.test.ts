// Similar entries (similarIds) against the rule written out plainly: the
// candidates from the rarest tags, the best 100 of them by shared idf (ties by
// id) plus every related entry, scored exactly. The catalogue has few tags, so
// that many candidates tie at the pool's last place and the pool is picked
// among them by id.
import t from 'tap'
import type { Engine } from '../../../src/catalogue/engine/engine.js'
import { similarIds, type SimilarIds } from '../../../src/catalogue/engine/query.js'
import { aodRecord } from '../../helpers/aod.js'
import { engineOf } from '../../helpers/engine.js'

const tagSet = ['action', 'comedy', 'drama', 'mecha', 'space', 'school', 'music']
let seed = 7
const random = (): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x80000000 }
const records = Array.from({ length: 400 }, (_, i) => aodRecord(i + 1, {
  title: `Entry ${i + 1}`,
  tags: tagSet.filter(() => random() < 0.3),
  relatedAnime: random() < 0.2 ? [`https://anidb.net/anime/${1 + Math.floor(random() * 400)}`] : []
}))

/** The rule, plainly: maps and sorts where similarIds keeps arrays and selects. */
function plainly (engine: Engine, id: number, limit: number): { answer: SimilarIds[], tiedAtPoolEdge: boolean } | undefined {
  const a = engine.docOf(id)
  if (a < 0) return undefined
  const { docTagStart, docTags, tagDocStart, tagDocs, tagCount, idf, tagNames, relStart, rel } = engine.data
  const weights = engine.tagWeights()
  const tagsOf = (d: number): number[] => [...docTags.subarray(docTagStart[d], docTagStart[d + 1])]
  const generators: number[] = []
  let postings = 0
  for (const tag of tagsOf(a).sort((x, y) => tagCount[x]! - tagCount[y]! || x - y)) {
    if (idf[tag]! <= 0 || (generators.length > 0 && postings + tagCount[tag]! > 3000)) break
    generators.push(tag)
    postings += tagCount[tag]!
  }
  const sums = new Map<number, number>()
  for (const tag of generators) {
    for (const b of tagDocs.subarray(tagDocStart[tag], tagDocStart[tag + 1])) if (b !== a) sums.set(b, (sums.get(b) ?? 0) + idf[tag]!)
  }
  const ranked = [...sums].sort((x, y) => y[1] - x[1] || x[0] - y[0])
  const pool = new Map<number, boolean>(ranked.slice(0, 100).map(([b]) => [b, false]))
  for (const b of rel.subarray(relStart[a], relStart[a + 1])) pool.set(b, true)
  const byIdf = tagsOf(a).sort((x, y) => idf[y]! - idf[x]! || x - y)
  const scored = [...pool].map(([b, related]) => {
    const shared = byIdf.filter((tag) => tagsOf(b).includes(tag))
    let sharedWeight = 0
    for (const tag of shared) sharedWeight += idf[tag]!
    const union = weights[a]! + weights[b]! - sharedWeight
    const sim = union > 0 ? sharedWeight / union : 0
    return { b, related, shared, score: related ? 0.5 + 0.5 * sim : sim }
  }).filter((s) => s.related || s.score > 0).sort((x, y) => y.score - x.score || x.b - y.b)
  return {
    answer: scored.slice(0, limit).map((s) => ({ id: engine.idOf(s.b), score: Math.round(s.score * 1e4) / 1e4, sharedTags: s.shared.map((tag) => tagNames[tag]!), related: s.related })),
    tiedAtPoolEdge: ranked.length > 100 && ranked[99]![1] === ranked[100]![1]
  }
}

t.test('similar entries are those of the rule, for every entry, whatever the limit, where candidates tie at the pool\'s edge', async (t) => {
  const engine = await engineOf(t, records)
  let tied = 0
  const asked: string[] = []
  const found: Array<SimilarIds[] | undefined> = []
  const expected: SimilarIds[][] = []
  for (const limit of [1, 10, 50]) {
    for (let d = 0; d < engine.n; d++) {
      const ruled = plainly(engine, engine.idOf(d), limit)!
      if (ruled.tiedAtPoolEdge) tied++
      asked.push(`entry ${engine.idOf(d)}, limit ${limit}`)
      expected.push(ruled.answer)
      found.push(similarIds(engine, engine.idOf(d), limit))
    }
  }
  const wrong = asked.filter((_, i) => JSON.stringify(found[i]) !== JSON.stringify(expected[i]))
  t.same(wrong, [], 'every entry, limits 1, 10 and 50')
  const first = Math.max(0, asked.indexOf(wrong[0]!))
  t.same(found[first], expected[first], `the first asked that differs, or the first asked: ${asked[first]}`)
  t.ok(tied > engine.n, 'many entries have candidates tied at the pool\'s edge')
  t.equal(similarIds(engine, 10_000, 10), undefined, 'an entry not served has none')
})
