// The discovery indexes: built for a catalogue file made before them (schema
// version 1), and kept in step with each import, which switches them atomically.
import t, { type Test } from 'tap'
import path from 'node:path'
import Database from 'better-sqlite3'
import { CATALOGUE_FILE, CATALOGUE_SCHEMA_VERSION, openCatalogueDb } from '../../src/catalogue/db.js'
import { importCatalogueFile } from '../../src/catalogue/import.js'
import { aodRecord, writeAod } from '../helpers/aod.js'
import { buildApp, tempDir } from '../helpers/app.js'
import { undoMigration4, undoMigration6 } from '../helpers/catalogue-schema.js'

const titlesOf = async (api: Awaited<ReturnType<typeof buildApp>>, q: string): Promise<string[]> =>
  ((await api.inject(`/anime/search?q=${encodeURIComponent(q)}&page_size=100`)).json().results as Array<{ title: string }>).map((e) => e.title)

const records = [
  aodRecord(1, { title: 'Kaze no Tani', synonyms: ['Valley of the Wind'], tags: ['adventure', 'ecology'], relatedAnime: ['https://anidb.net/anime/2'] }),
  aodRecord(2, { title: 'Kaze no Tani Returns', tags: ['adventure'] }),
  aodRecord(3, { title: 'Umi no Uta', synonyms: ['海の歌'], tags: ['music'] })
]

t.test('a version-1 catalogue file upgrades in place and gets its indexes built', async (t) => {
  const dataDir = tempDir(t)
  await importCatalogueFile(dataDir, writeAod(dataDir, records))
  // Make it a file of schema version 1: without what later migrations added
  // (virtual tables first: their shadow tables go with them).
  const v1 = new Set(['anime', 'anime_pos', 'source_ids', 'source_ids_anime', 'anime_tags', 'anime_tags_anime', 'tags', 'meta'])
  const raw = new Database(path.join(dataDir, CATALOGUE_FILE))
  undoMigration6(raw) // a column of a version-1 table
  const objects = () => (raw.prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").all() as Array<{ type: string, name: string, sql: string | null }>)
    .filter((o) => !v1.has(o.name))
  for (const o of objects().filter((o) => o.sql?.startsWith('CREATE VIRTUAL') === true)) raw.exec(`DROP TABLE IF EXISTS "${o.name}"`)
  for (const o of objects()) raw.exec(`DROP ${o.type === 'index' ? 'INDEX' : o.type === 'trigger' ? 'TRIGGER' : o.type === 'view' ? 'VIEW' : 'TABLE'} IF EXISTS "${o.name}"`)
  // What version 1 had and later versions dropped.
  raw.exec(`
    CREATE TABLE IF NOT EXISTS anime_tags (tag TEXT NOT NULL, anime_id INTEGER NOT NULL, PRIMARY KEY (tag, anime_id)) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS anime_tags_anime ON anime_tags(anime_id);
    CREATE TABLE IF NOT EXISTS tags (name TEXT PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID;
  `)
  t.same(objects(), [], 'only the objects of schema version 1 are left')
  raw.pragma('user_version = 1')
  raw.close()

  const api = await buildApp(t, { dataDir, defaultCatalogue: path.join(dataDir, 'missing.json') })
  t.same(await titlesOf(api, 'kaze'), ['Kaze no Tani', 'Kaze no Tani Returns'], 'searchable after the upgrade')
  t.same(await titlesOf(api, '海の歌'), ['Umi no Uta'])
  const similar = (await api.inject('/anime/entry/1/similar')).json()
  t.same(similar.results.map((r: { anime: { id: number }, related: boolean }) => [r.anime.id, r.related]), [[2, true]], 'relations resolved')
  t.equal(openCatalogueDb(dataDir).pragma('user_version', { simple: true }), CATALOGUE_SCHEMA_VERSION)
  await servesEveryEntry(t, api, [1, 2, 3])
})

/** Each id's entry answers 200 with its title, and random only ever picks among them. */
async function servesEveryEntry (t: Test, api: Awaited<ReturnType<typeof buildApp>>, ids: number[]): Promise<void> {
  for (const id of ids) {
    const res = await api.inject(`/anime/entry/${id}`)
    t.equal(res.statusCode, 200, `entry ${id}`)
    t.equal(res.json().id, id)
  }
  const seen = new Set<number>()
  for (let i = 0; i < 60; i++) seen.add((await api.inject('/anime/random')).json().id)
  t.same([...seen].sort((a, b) => a - b), ids, 'random picks each served entry')
}

t.test('a version-2 catalogue file gets its entry answers built by the upgrade', async (t) => {
  const dataDir = tempDir(t)
  await importCatalogueFile(dataDir, writeAod(dataDir, records))
  const raw = new Database(path.join(dataDir, CATALOGUE_FILE))
  undoMigration4(raw)
  raw.exec('DROP TABLE entry_answers')
  raw.pragma('user_version = 2')
  raw.close()
  const api = await buildApp(t, { dataDir, defaultCatalogue: path.join(dataDir, 'missing.json') })
  await servesEveryEntry(t, api, [1, 2, 3])
  t.equal((await api.inject('/anime/entry/1')).json().title, 'Kaze no Tani')
  // Migrations 4 and 5 filled the seasons and the company registry from the rows already there.
  t.ok((await api.inject('/v4/producers')).json().data.length > 0, 'companies registered')
  const season = records[0]!.animeSeason as { season: string, year: number }
  t.ok((await api.inject(`/v4/seasons/${season.year}/${season.season.toLowerCase()}`)).json().data.length > 0, 'seasons among the facets')
})

t.test('each import updates the indexes: renamed, removed and new entries', async (t) => {
  const dataDir = tempDir(t)
  const api = await buildApp(t, { dataDir, defaultCatalogue: writeAod(dataDir, records) })
  t.same(await titlesOf(api, 'valley'), ['Kaze no Tani'])

  await importCatalogueFile(dataDir, writeAod(dataDir, [
    aodRecord(1, { title: 'Kaze no Tani', synonyms: ['Nausicaa'], tags: ['adventure'] }), // synonym changed
    aodRecord(3, { title: 'Umi no Uta', synonyms: ['海の歌'], tags: ['music'] }), // unchanged
    aodRecord(4, { title: 'Hoshi no Koe', tags: ['music', 'space'] }) // new; 2 is gone
  ]))
  t.same(await titlesOf(api, 'valley'), [], 'the old synonym is gone')
  t.same(await titlesOf(api, 'nausicaa'), ['Kaze no Tani'], 'the new one is found')
  t.same(await titlesOf(api, 'returns'), [], 'a removed entry is not found')
  t.same(await titlesOf(api, 'hoshi'), ['Hoshi no Koe'], 'a new entry is')
  t.same(await titlesOf(api, 'umi'), ['Umi no Uta'], 'an unchanged entry still is')
  t.equal((await api.inject('/anime/entry/2')).statusCode, 404, 'a removed entry has no answer')
  await servesEveryEntry(t, api, [1, 3, 4])
  t.same(await titlesOf(api, 'hosih no koe'), ['Hoshi no Koe'], 'typo correction knows the new words')
  const tags = (await api.inject('/anime/tags')).json().results
  t.same(tags, [{ name: 'Music', count: 2 }, { name: 'Adventure', count: 1 }, { name: 'Space', count: 1 }], 'tag counts follow')
  t.same((await api.inject('/anime/entry/1/similar')).json().results, [], 'the relation to the removed entry is gone')

  const db = openCatalogueDb(dataDir)
  t.teardown(() => db.close())
  t.equal(db.prepare('SELECT count(*) FROM search_indexed').pluck().get(), 3, 'one indexed version per served entry')
  t.equal((await api.inject('/anime/search?q=kaze')).json().count + (await api.inject('/anime/search?q=umi')).json().count +
    (await api.inject('/anime/search?q=hoshi')).json().count + (await api.inject('/anime/search?q=returns')).json().count, 3)
})

t.test('ranking: title matches, then the shortest matching synonym, then words spread over both', async (t) => {
  const dataDir = tempDir(t)
  const many = Array.from({ length: 30 }, (_, i) => `Other name ${i}`)
  const api = await buildApp(t, {
    dataDir,
    defaultCatalogue: writeAod(dataDir, [
      aodRecord(1, { title: 'Shingeki! Kyojin Chuugakkou', synonyms: ['Attack on Titan: Junior High'] }),
      aodRecord(2, { title: 'Shingeki no Kyojin', synonyms: [...many, 'Attack on Titan', '進撃の巨人'] }),
      aodRecord(3, { title: 'Titan Attack', synonyms: [] }),
      aodRecord(4, { title: 'Attack Something', synonyms: ['On the Titan moon'] })
    ])
  })
  t.same(await titlesOf(api, 'attack on titan'), ['Shingeki no Kyojin', 'Shingeki! Kyojin Chuugakkou', 'Attack Something'],
    'the exact synonym first though its entry has 32 synonyms; words spread over title and synonym last')
  t.same((await titlesOf(api, 'titan attack'))[0], 'Titan Attack', 'a title match first')
})

t.test('ranking within a tier: whole words before word starts, then the words in a row, then the shortest; long queries count every word', async (t) => {
  const dataDir = tempDir(t)
  const long = 'Aka Bara no Hana wa Kaze ni Yureru Yoru no Machi de Kimi ga Futari Sora wo Miageta Natsu no Owari ni Saku'
  const api = await buildApp(t, {
    dataDir,
    defaultCatalogue: writeAod(dataDir, [
      aodRecord(1, { title: 'Tokyo Hoshizora', synonyms: [] }),
      aodRecord(2, { title: 'Yoru to Hoshi no Uta', synonyms: [] }),
      aodRecord(3, { title: 'Hoshi no Yoru to Umi', synonyms: [] }),
      aodRecord(4, { title: 'Umi to Hoshi', synonyms: [] }),
      aodRecord(5, { title: `${long} Hajimari`, synonyms: [] }),
      aodRecord(6, { title: `${long} Owari`, synonyms: [] }),
      aodRecord(7, { title: long.split(' ').slice(0, 18).join(' '), synonyms: [] })
    ])
  })
  // "to hoshi": 4 and 2 hold both as whole words in a row (4 is shorter); 3 holds
  // both apart; 1 only holds words starting with them.
  t.same(await titlesOf(api, 'to hoshi'), ['Umi to Hoshi', 'Yoru to Hoshi no Uta', 'Hoshi no Yoru to Umi', 'Tokyo Hoshizora'])
  t.same((await titlesOf(api, `${long} Owari`))[0], `${long} Owari`, 'a query of 24 words: its last words decide')
  t.same((await titlesOf(api, `${long} Owarj`))[0], `${long} Owari`, 'and a typo in its last word is corrected')
})
