// Full entries read in id ranges (src/catalogue/full-entries.ts), what the Jikan
// resources load in slices: the ids on a site of a range are read through the
// anime_id index, not by reading every row of the site for each slice.
import t from 'tap'
import { openCatalogueDb } from '../../src/catalogue/db.js'
import { siteIdsInRangeSql } from '../../src/catalogue/full-entries.js'
import { importCatalogueFile } from '../../src/catalogue/import.js'
import { openCatalogue } from '../../src/catalogue/open.js'
import { aodRecord, writeAod } from '../helpers/aod.js'
import { tempDir } from '../helpers/app.js'

t.test("a range's ids on a site: by the anime_id index, the same rows as reading the whole site", async (t) => {
  const dir = tempDir(t)
  await importCatalogueFile(dir, writeAod(dir, Array.from({ length: 60 }, (_, i) => aodRecord(i + 1))), { parseInWorker: false })
  const db = openCatalogueDb(dir)
  t.teardown(() => db.close())
  const plan = (db.prepare(`EXPLAIN QUERY PLAN ${siteIdsInRangeSql}`).all(10, 20, 'myanimelist') as Array<{ detail: string }>).map((row) => row.detail).join('; ')
  t.match(plan, /USING (COVERING )?INDEX anime_sites_anime \(anime_id>\? AND anime_id<\?\)/, `the plan: ${plan}`)
  const inRange = db.prepare(siteIdsInRangeSql).raw().all(10, 20, 'myanimelist') as Array<[string, number]>
  const wholeSite = (db.prepare("SELECT site_id, anime_id FROM anime_sites WHERE site = 'myanimelist'").raw().all() as Array<[string, number]>)
    .filter(([, id]) => id > 10 && id <= 20)
  t.same(inRange.sort(), wholeSite.sort(), 'the same rows')
  t.equal(inRange.length, 10)

  const opened = openCatalogue(dir)
  t.teardown(() => { opened.close() })
  const range = opened.discovery.fullEntryRange(10, 10, 'myanimelist')
  t.same(range.ids, [11, 12, 13, 14, 15, 16, 17, 18, 19, 20])
  t.same(range.onSite.sort(), wholeSite.sort(), "fullEntryRange's ids on the site")
})
