// Recommendations over the index run one request at a time (each in slices):
// requests made together get the answers they would get alone, and one that
// fails does not stop the ones queued behind it. The start-up loads (held
// answers, in slices) step aside while a recommendation runs.
import t from 'tap'
import { createAnswerStore } from '../../../src/catalogue/answers.js'
import { recommendIds, TopK } from '../../../src/catalogue/engine/recommend.js'
import { importCatalogueFile } from '../../../src/catalogue/import.js'
import { openCatalogue } from '../../../src/catalogue/open.js'
import type { Filters } from '../../../src/catalogue/search.js'
import { aodRecord, writeAod } from '../../helpers/aod.js'
import { tempDir } from '../../helpers/app.js'
import { engineOf } from '../../helpers/engine.js'

const tags = ['action', 'comedy', 'drama', 'mecha', 'space', 'school', 'music', 'horror']
const records = Array.from({ length: 60 }, (_, i) => aodRecord(i + 1, {
  title: `Entry ${i + 1}`,
  tags: tags.filter((_, k) => (i + 1) % (k + 2) === 0 || k === i % tags.length)
}))

t.test('recommendations asked together answer as each alone, and a failing one does not hold up the rest', async (t) => {
  const engine = await engineOf(t, records)
  const lists = [
    new Map([[1, 1], [2, 0.5]]),
    new Map([[10, 1], [11, -0.75], [12, 0.25]]),
    new Map([[30, 0.5], [31, 0.5], [32, 0.5], [33, -0.5]]),
    new Map([[5, 1]])
  ]
  const ask = (weights: Map<number, number>, filters: Filters = {}): ReturnType<typeof recommendIds> =>
    recommendIds(engine, weights, new Set(weights.keys()), filters, 10)
  const alone = []
  for (const weights of lists) alone.push(await ask(weights))
  t.ok(alone.every((answer) => answer.length > 0), 'each list gets recommendations')

  // A malformed filter makes the scoring throw part way through, between the others.
  const broken = { types: null } as unknown as Filters
  const together = await Promise.allSettled([ask(lists[0]!), ask(lists[1]!, broken), ask(lists[2]!), ask(lists[3]!)])
  t.equal(together[1]!.status, 'rejected', 'the failing one fails')
  t.same(together.filter((_, i) => i !== 1).map((r) => r.status === 'fulfilled' ? r.value : null), [alone[0], alone[2], alone[3]])
  t.same(await ask(lists[1]!), alone[1], 'and later ones still run')
})

t.test('TopK keeps the k best by score, ties by doc, whatever the order they come in', async (t) => {
  let seed = 12345
  const random = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31 }
  for (const [count, k] of [[0, 3], [5, 0], [5, 10], [200, 20], [1000, 1]] as const) {
    // Few distinct scores, so that many tie.
    const scored = Array.from({ length: count }, (_, doc) => ({ doc, score: Math.floor(random() * 8) / 4 }))
    const expected = [...scored].sort((a, b) => b.score - a.score || a.doc - b.doc).slice(0, k)
    for (const order of [scored, [...scored].reverse(), [...scored].sort(() => random() - 0.5)]) {
      const top = new TopK(k)
      for (const { doc, score } of order) top.offer(doc, score)
      t.same(top.best(), expected, `${count} docs, k = ${k}`)
    }
  }
})

t.test('while the held answers load in slices, recommendations answer at once and as they do once the load is done', async (t) => {
  const dir = tempDir(t)
  await importCatalogueFile(dir, writeAod(dir, records))
  const opened = openCatalogue(dir)
  t.teardown(() => { opened.close() })
  const { catalogue, discovery } = opened
  // One entry a slice, scheduled as the service schedules them: as background work.
  const store = createAnswerStore(catalogue, { slice: 1 })
  t.teardown(() => { store.close() })
  const weights = new Map([[1, 1], [2, 0.5], [12, 0.75], [7, -0.5]])
  const ask = () => discovery.recommend(weights, new Set(weights.keys()), {}, 10)
  store.prepare(catalogue.version())
  const during = await ask()
  t.equal(store.held(), null, 'answered while the load had not finished')
  t.equal(during.basis, 'ratings')
  t.ok(during.results.length > 0)
  const page = await discovery.search({ q: 'entry' }, { page: 1, pageSize: 5 })
  t.equal('count' in page ? page.count : -1, records.length, 'a search is answered while the load runs too')
  t.equal(store.held(), null, 'and the load still runs')
  for (let turns = 0; store.held() === null && turns < 10_000; turns++) await new Promise<void>((resolve) => setImmediate(resolve))
  t.equal(store.held(), catalogue.version(), 'once nobody waits, the load runs to its end')
  t.same(await ask(), during, 'the same recommendations once the answers are held')
})
