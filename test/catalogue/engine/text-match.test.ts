// Ranking by relevance keeps only the page's best (a heap, docs skipped by a
// cheap bound of their key): the pages are exactly those of ranking every
// match by its key. Typo alternatives and vocabulary scans are remembered per
// query word, with the same answers each time.
import t from 'tap'
import { prepareSearch, textSearcher } from '../../../src/catalogue/engine/query.js'
import { aodRecord } from '../../helpers/aod.js'
import { engineOf } from '../../helpers/engine.js'

const words = ['Season', 'Hero', 'Legend', 'Dragon', 'Star', 'Academy', 'Last', 'Little', 'Witch', 'Sky']
const records = Array.from({ length: 160 }, (_, i) => {
  const n = i + 1
  // Titles of one to six words, the query's words at the start, in a row elsewhere, apart or missing.
  const picked = [words[n % words.length]!, words[(n * 3) % words.length]!, words[(n * 7) % words.length]!, String(n % 4), words[(n * 5) % 3]!, 'Dragons'].slice(0, 1 + (n % 6))
  const synonyms = n % 4 === 0 ? [`${words[(n + 1) % words.length]} ${n % 3} 星の${words[n % 5]}`, '魔法少女 星'] : n % 5 === 0 ? ['星空'] : []
  return aodRecord(n, { title: picked.join(' '), synonyms })
})

t.test('relevance pages equal the full ranking by key, at every offset', async (t) => {
  const engine = await engineOf(t, records)
  const searcher = textSearcher(engine)
  for (const q of ['season 2', 'season', 'hero legend', 'dragon 1', 'dragons', 'star', 'star 2', 'last little', '星', '魔法', 'dragn', 'legnd hero', 'sky academy 3', 'witch 0']) {
    const match = searcher.match(q)
    const plan = prepareSearch(engine, { q })
    if (match === null) {
      t.equal(plan.count, 0, `${q}: no match, no entries`)
      continue
    }
    const docs: number[] = []
    for (let d = 0; d < engine.n; d++) if ((match.docs[d >>> 5]! & (1 << (d & 31))) !== 0) docs.push(d)
    const ranked = docs.map((d) => [match.key(d), d] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, d]) => engine.idOf(d))
    t.equal(plan.count, ranked.length, `${q}: count`)
    t.ok(ranked.length > 0, `${q}: matches`)
    for (const [offset, size] of [[0, 1], [0, 5], [3, 4], [5, 5], [10, 20], [0, 200]] as const) {
      t.same(plan.ids(offset, size), ranked.slice(offset, offset + size), `${q}: entries ${offset} … ${offset + size - 1}`)
    }
  }
})

t.test('typo alternatives and vocabulary scans: the same answers when asked again, after many other words, and whatever a caller does with them', async (t) => {
  const engine = await engineOf(t, records)
  const searcher = textSearcher(engine)
  const alternatives = searcher.alternatives('dragn')
  t.ok(alternatives.includes('dragon'), `dragn → ${alternatives.join(', ')}`)
  const scanned = searcher.containing('gend')
  const terms = scanned.map((term) => searcher.term(term))
  t.ok(terms.includes('legend') && terms.every((term) => term.includes('gend')), `terms containing "gend": ${terms.join(', ')}`)
  alternatives.push('changed by the caller')
  scanned.length = 0
  t.same(searcher.alternatives('dragn'), alternatives.slice(0, -1), 'asked again: what was found, not what the caller made of it')
  t.same(searcher.containing('gend').map((term) => searcher.term(term)), terms)
  // More words than are remembered: the first ones are found again, the same.
  for (let i = 0; i < 600; i++) { searcher.alternatives(`zzq${i}x`); searcher.containing(`q${i}z`) }
  t.same(searcher.alternatives('dragn'), alternatives.slice(0, -1))
  t.same(searcher.containing('gend').map((term) => searcher.term(term)), terms)
})
