// The shipped default catalogue loads on first start and holds the seed's examples.
import t from 'tap'
import { buildApp } from '../helpers/app.js'
import { openCatalogueDb } from '../../src/catalogue/db.js'
import { seedExamples } from '../helpers/seed.js'

t.test('a fresh DATA_DIR gets the default catalogue, with the seed examples exactly', async (t) => {
  const app = await buildApp(t)
  const info = app.catalogue.info()
  t.ok(info.count >= 100, `at least 100 entries (${info.count})`)
  const db = openCatalogueDb(app.config.dataDir)
  t.teardown(() => db.close())
  const ids = db.prepare('SELECT id, title FROM anime WHERE active = 1').all() as Array<{ id: number, title: string }>
  for (const example of seedExamples) {
    const row = ids.find((r) => r.title === example.title)
    t.ok(row, `${example.title} is in the catalogue`)
    const res = await app.inject(`/anime/entry/${row!.id}`)
    t.equal(res.statusCode, 200)
    const body = res.json()
    t.same(Object.keys(body), ['id', ...Object.keys(example)], 'the seed keys in the seed order')
    t.same({ ...body, id: undefined }, { ...example, id: undefined }, `${example.title} as the seed shows it`)
  }
  const random = await app.inject('/anime/random')
  t.equal(random.statusCode, 200)
})

t.test('the default catalogue file passes its own checker (sorted unique sources, lower-case tags, …)', async (t) => {
  const { spawnSync } = await import('node:child_process')
  const result = spawnSync(process.execPath, ['scripts/check-default-catalogue.mjs'], { encoding: 'utf8' })
  t.equal(result.status, 0, result.stdout + result.stderr)
  t.match(result.stdout, /OK: default catalogue is valid/)
})
