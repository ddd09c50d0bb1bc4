// Recommendations over the index run one request at a time (each in slices):
// requests made together get the answers they would get alone, and one that
// fails does not stop the ones queued behind it.
import t from 'tap'
import { openCatalogueDb } from '../../../src/catalogue/db.js'
import { Engine } from '../../../src/catalogue/engine/engine.js'
import { buildIndexData } from '../../../src/catalogue/engine/index-data.js'
import { recommendIds } from '../../../src/catalogue/engine/recommend.js'
import type { Filters } from '../../../src/catalogue/search.js'
import { importCatalogueFile } from '../../../src/catalogue/import.js'
import { aodRecord, writeAod } from '../../helpers/aod.js'
import { tempDir } from '../../helpers/app.js'

const tags = ['action', 'comedy', 'drama', 'mecha', 'space', 'school', 'music', 'horror']
const records = Array.from({ length: 60 }, (_, i) => aodRecord(i + 1, {
  title: `Entry ${i + 1}`,
  tags: tags.filter((_, k) => (i + 1) % (k + 2) === 0 || k === i % tags.length)
}))

t.test('recommendations asked together answer as each alone, and a failing one does not hold up the rest', async (t) => {
  const dataDir = tempDir(t)
  await importCatalogueFile(dataDir, writeAod(dataDir, records))
  const db = openCatalogueDb(dataDir)
  t.teardown(() => db.close())
  const engine = new Engine(buildIndexData(db))
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
