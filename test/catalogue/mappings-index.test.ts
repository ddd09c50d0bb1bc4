// The id-mapping index of the catalogue (anime_sites, read through the catalogue's
// mapping functions): built by each import, kept in step with updates, built for
// files made before it; expectations computed from the catalogue files.
import fs from 'node:fs'
import path from 'node:path'
import t, { type Test } from 'tap'
import Database from 'better-sqlite3'
import { CATALOGUE_FILE, CATALOGUE_SCHEMA_VERSION, openCatalogueDb, type Db } from '../../src/catalogue/db.js'
import { importCatalogueFile } from '../../src/catalogue/import.js'
import { createCatalogue, type Catalogue } from '../../src/catalogue/repository.js'
import { createDiscovery } from '../../src/catalogue/discovery.js'
import { parseSourceUrl, siteIdKey, sitesOf, sourceUrl, type SiteName } from '../../src/catalogue/sites.js'
import { defaultConfig } from '../../src/config.js'
import { aodRecord, writeAod, type AodRecord } from '../helpers/aod.js'
import { tempDir } from '../helpers/app.js'
import { undoMigration4 } from '../helpers/catalogue-schema.js'

async function catalogueOf (t: Test, records: unknown[] | string): Promise<{ catalogue: Catalogue & { db: Db }, dataDir: string }> {
  const dataDir = tempDir(t)
  await importCatalogueFile(dataDir, typeof records === 'string' ? records : writeAod(dataDir, records), { parseInWorker: false })
  const db = openCatalogueDb(dataDir)
  t.teardown(() => db.close())
  return { catalogue: Object.assign(createCatalogue(db), { db }), dataDir }
}

/** Our id of each record, by the title (unique in these files) through the entry table. */
function idsByTitle (catalogue: Catalogue & { db: Db }): Map<string, number> {
  return new Map((catalogue.db.prepare('SELECT title, id FROM anime WHERE active = 1').all() as Array<{ title: string, id: number }>).map((r) => [r.title, r.id]))
}

t.test('default catalogue: every source of every entry maps back to that entry, with all its sites', async (t) => {
  const file = defaultConfig.defaultCatalogue
  const records = (JSON.parse(fs.readFileSync(file, 'utf8')) as { data: AodRecord[] }).data
  const { catalogue } = await catalogueOf(t, file)
  const ids = idsByTitle(catalogue)
  // Which records list each (site, key): the lowest of their ids answers.
  const holders = new Map<string, number[]>()
  for (const record of records) {
    for (const url of record.sources) {
      const parsed = parseSourceUrl(url)
      if (parsed === null) continue
      const key = `${parsed.site}/${siteIdKey(parsed.site, parsed.id)}`
      holders.set(key, [...holders.get(key) ?? [], ids.get(record.title)!])
    }
  }
  let checked = 0
  const sitesSeen = new Set<string>()
  const mappingOf = new Map(records.map((record) => [ids.get(record.title)!, { id: ids.get(record.title)!, title: record.title, sites: sitesOf(record.sources) }]))
  for (const record of records) {
    const id = ids.get(record.title)!
    const sites = sitesOf(record.sources)
    t.same(catalogue.sitesOfEntry(id), sites)
    for (const url of record.sources) {
      const parsed = parseSourceUrl(url)
      t.not(parsed, null, `${url} is a page of a known site`)
      if (parsed === null) continue
      sitesSeen.add(parsed.site)
      const expected = Math.min(...holders.get(`${parsed.site}/${siteIdKey(parsed.site, parsed.id)}`)!)
      t.equal(catalogue.animeIdOnSite(parsed.site, parsed.id), expected)
      t.equal(catalogue.animeIdOnSite(parsed.site, String(parsed.id)), expected, 'the id as text')
      const mapping = catalogue.mapping(parsed.site, parsed.id)
      // Its own entry, or where several share the page, the one with the lowest id.
      t.same(mapping, mappingOf.get(expected), expected === id ? url : `${url}: shared, the lowest id answers`)
      checked++
    }
  }
  t.ok(checked >= records.length, `${checked} sources checked`)
  t.ok(sitesSeen.size >= 4, `sites in the default catalogue: ${[...sitesSeen].join(', ')}`)
  t.equal(catalogue.mapping('myanimelist', 999999999), undefined, 'an id no entry has')
  t.equal(catalogue.animeIdOnSite('myanimelist', 'abc'), undefined, 'an id the site never writes')
  t.equal(catalogue.sitesOfEntry(999999999), undefined, 'no such entry')
})

/** A record with a page on every site, and a few odd sources. */
const everySite = (n: number, overrides: Partial<AodRecord> = {}): AodRecord => aodRecord(n, {
  title: `All sites ${n}`,
  sources: [
    `https://anidb.net/anime/${n}`, `https://anilist.co/anime/${n + 1000}`, `https://animecountdown.com/${n + 2000}`,
    `https://animenewsnetwork.com/encyclopedia/anime.php?id=${n + 3000}`, `https://anime-planet.com/anime/show-${n}`,
    `https://anisearch.com/anime/${n + 4000}`, `https://kitsu.app/anime/${n + 5000}`, `https://livechart.me/anime/${n + 6000}`,
    `https://myanimelist.net/anime/${n + 7000}`, `https://notify.moe/anime/Nt${n}x`, `https://simkl.com/anime/${n + 8000}`,
    'https://example.com/anime/1'
  ].sort(),
  ...overrides
})

t.test('every site, slugs, shared ids and an entry with two pages on one site', async (t) => {
  const records = [
    everySite(1),
    everySite(2),
    // Lists MAL 7001 as entry 1 does (an AOD merge gone wrong), and two AniDB pages.
    aodRecord(3, { title: 'Shares one', sources: ['https://anidb.net/anime/30', 'https://anidb.net/anime/4', 'https://myanimelist.net/anime/7001'] })
  ]
  const { catalogue } = await catalogueOf(t, records)
  const ids = idsByTitle(catalogue)
  const [one, two, three] = [ids.get('All sites 1')!, ids.get('All sites 2')!, ids.get('Shares one')!]
  t.same(catalogue.mapping('animeplanet', 'show-2'), { id: two, title: 'All sites 2', sites: sitesOf(records[1]!.sources) }, 'a slug')
  t.equal(catalogue.animeIdOnSite('animeplanet', 'SHOW-2'), two, 'anime-planet slugs in any case')
  t.equal(catalogue.animeIdOnSite('notify', 'Nt2x'), two)
  t.equal(catalogue.animeIdOnSite('notify', 'nt2x'), undefined, 'notify ids are case-sensitive')
  t.equal(catalogue.animeIdOnSite('anidb', 4), three)
  t.equal(catalogue.animeIdOnSite('anidb', 30), three, 'each of two pages on one site maps to the entry')
  t.equal(catalogue.mapping('anidb', 30)?.sites.anidb, 4, 'which shows the lowest')
  t.equal(catalogue.animeIdOnSite('myanimelist', 7001), Math.min(one, three), 'a shared id: the lowest id answers')
  t.equal(catalogue.animeIdOnSite('myanimelist', 7003), undefined, 'nobody has 7003')
  t.same(Object.keys(catalogue.sitesOfEntry(one)!).length, 11, 'all eleven sites')
  t.same(catalogue.mappings([
    { site: 'anilist', id: 1002 }, { site: 'anilist', id: 1 }, { site: 'kitsu', id: '5001' }, { site: 'animeplanet', id: 'nope' }
  ]).map((m) => m?.id ?? null), [two, null, one, null], 'a batch, misses in place')
})

t.test('an update keeps the index in step: lost sources, new entries, removed entries', async (t) => {
  const { catalogue, dataDir } = await catalogueOf(t, [everySite(1), everySite(2), everySite(3)])
  const before = idsByTitle(catalogue)
  await importCatalogueFile(dataDir, writeAod(dataDir, [
    everySite(1, { sources: ['https://anidb.net/anime/1', 'https://myanimelist.net/anime/7001'] }), // lost most of its sources
    everySite(3), // unchanged; 2 is gone
    everySite(4) // new
  ]), { parseInWorker: false })
  const after = idsByTitle(catalogue)
  t.equal(catalogue.animeIdOnSite('anidb', 1), before.get('All sites 1'))
  t.equal(catalogue.animeIdOnSite('anilist', 1001), undefined, 'a source the entry no longer lists')
  t.same(catalogue.sitesOfEntry(before.get('All sites 1')!), { anidb: 1, myanimelist: 7001 })
  t.equal(catalogue.animeIdOnSite('anidb', 2), undefined, 'a removed entry')
  t.equal(catalogue.animeIdOnSite('simkl', 8003), before.get('All sites 3'))
  t.equal(catalogue.animeIdOnSite('simkl', 8004), after.get('All sites 4'), 'a new entry')
  const rows = catalogue.db.prepare('SELECT count(*) FROM anime_sites').pluck().get()
  t.equal(rows, 2 + 11 + 11, 'one row per known source of the served entries')
})

t.test('a catalogue file of schema version 3 gets its index and seasons built by the upgrade', async (t) => {
  const records = [
    everySite(1, { animeSeason: { season: 'WINTER', year: 2001 } }),
    everySite(2, { animeSeason: { season: 'FALL', year: 2001 } }),
    everySite(3, { animeSeason: { season: 'SPRING', year: 2002 } })
  ]
  const { dataDir } = await catalogueOf(t, records)
  const raw = new Database(path.join(dataDir, CATALOGUE_FILE))
  undoMigration4(raw)
  raw.close()
  const db = openCatalogueDb(dataDir)
  t.teardown(() => db.close())
  t.equal(db.pragma('user_version', { simple: true }), CATALOGUE_SCHEMA_VERSION)
  const catalogue = createCatalogue(db)
  for (const [i, record] of records.entries()) {
    const id = catalogue.animeIdOnSite('animeplanet', `show-${i + 1}`)
    t.ok(id !== undefined, `entry ${i + 1} found`)
    t.same(catalogue.sitesOfEntry(id!), sitesOf(record.sources))
  }
  // Seasons filter from the search index, built from the rows themselves.
  const discovery = createDiscovery(db, { version: catalogue.version })
  t.same(await discovery.seasonCounts('animeplanet'), [
    { year: 2002, season: 'Spring', count: 1 },
    { year: 2001, season: 'Fall', count: 1 },
    { year: 2001, season: 'Winter', count: 1 }
  ], 'seasons in the index, newest first')
})

t.test('URL helpers agree with the index: sourceUrl of a mapped id finds the entry', async (t) => {
  const { catalogue } = await catalogueOf(t, [everySite(5)])
  const sites = catalogue.sitesOfEntry(1)!
  for (const [site, id] of Object.entries(sites) as Array<[SiteName, number | string]>) {
    const parsed = parseSourceUrl(sourceUrl(site, id))!
    t.equal(catalogue.animeIdOnSite(parsed.site, parsed.id), 1, site)
  }
})
