import t, { type Test } from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { Readable } from 'node:stream'
import { spawnSync } from 'node:child_process'
import { Worker } from 'node:worker_threads'
import { importCatalogue, importCatalogueFile } from '../../src/catalogue/import.js'
import { parsingWorkerScript } from '../../src/catalogue/stage.js'
import { openCatalogueDb, CATALOGUE_SCHEMA_VERSION } from '../../src/catalogue/db.js'
import { createCatalogue } from '../../src/catalogue/repository.js'
import { NO_PICTURE, NO_THUMBNAIL } from '../../src/catalogue/normalize.js'
import { aodRecord, aodText, writeAod } from '../helpers/aod.js'
import { buildApp, tempDir } from '../helpers/app.js'

function catalogueOf (t: Test, dataDir: string) {
  const db = openCatalogueDb(dataDir)
  t.teardown(() => db.close())
  return Object.assign(createCatalogue(db), { db })
}

/** id of the served entry whose source list includes `url`. */
function idOf (dataDir: string, url: string): number | undefined {
  const db = openCatalogueDb(dataDir)
  try {
    return db.prepare('SELECT anime.id FROM anime, json_each(anime.sources) j WHERE j.value = ? AND active = 1').pluck().get(url) as number | undefined
  } finally {
    db.close()
  }
}

t.test('maps every field of a record to the seed shape and keeps the rest', async (t) => {
  const dir = tempDir(t)
  const record = aodRecord(10401, {
    sources: ['https://myanimelist.net/anime/22319', 'https://anidb.net/anime/10401', 'https://anilist.co/anime/20605'],
    title: 'Tokyo Ghoul',
    type: 'TV',
    episodes: 12,
    status: 'FINISHED',
    animeSeason: { season: 'SUMMER', year: 2014 },
    picture: 'https://cdn.myanimelist.net/images/anime/5/64449.jpg',
    thumbnail: 'https://cdn.myanimelist.net/images/anime/5/64449t.jpg',
    duration: { value: 1440, unit: 'SECONDS' },
    score: { arithmeticGeometricMean: 7.79, arithmeticMean: 7.8, median: 7.81 },
    synonyms: ['東京喰種トーキョーグール', 'TG'],
    studios: ['pierrot'],
    producers: ['marvelous'],
    relatedAnime: ['https://anidb.net/anime/10802'],
    tags: ['gore', 'dark fantasy', 'action', 'Action', 'male protagonist']
  })
  const report = await importCatalogueFile(dir, writeAod(dir, [record]))
  t.match(report, { format: 'json', added: 1, updated: 0, kept: 0, skipped: 0, removed: 0, total: 1, lastUpdate: '2026-11-20' })
  const catalogue = catalogueOf(t, dir)
  t.same(catalogue.entry(1), {
    id: 1,
    title: 'Tokyo Ghoul',
    source: 'https://anidb.net/anime/10401',
    anime_type: 'TV',
    num_episodes: 12,
    status: 'Finished',
    year: 2014,
    picture: 'https://cdn.myanimelist.net/images/anime/5/64449.jpg',
    tags: ['Action', 'Dark fantasy', 'Gore', 'Male protagonist']
  })
  t.same(Object.keys(catalogue.entry(1)!), ['id', 'title', 'source', 'anime_type', 'num_episodes', 'status', 'year', 'picture', 'tags'])
  const row = catalogue.db.prepare('SELECT * FROM anime WHERE id = 1').get() as Record<string, unknown>
  t.match(row, {
    season: 'SUMMER',
    thumbnail: 'https://cdn.myanimelist.net/images/anime/5/64449t.jpg',
    duration: 1440,
    score: 7.79,
    score_mean: 7.8,
    score_median: 7.81
  })
  t.same(JSON.parse(row.sources as string), ['https://anidb.net/anime/10401', 'https://anilist.co/anime/20605', 'https://myanimelist.net/anime/22319'])
  t.same(JSON.parse(row.synonyms as string), ['東京喰種トーキョーグール', 'TG'])
  t.same(JSON.parse(row.studios as string), ['pierrot'])
  t.same(JSON.parse(row.producers as string), ['marvelous'])
  t.same(JSON.parse(row.related as string), ['https://anidb.net/anime/10802'])
})

t.test('maps every type and status, and tolerates absent optional fields', async (t) => {
  const dir = tempDir(t)
  const types = { TV: 'TV', MOVIE: 'Movie', OVA: 'OVA', ONA: 'ONA', SPECIAL: 'Special', UNKNOWN: 'Unknown' }
  const statuses = { FINISHED: 'Finished', ONGOING: 'Ongoing', CURRENTLY: 'Ongoing', UPCOMING: 'Upcoming', UNKNOWN: 'Unknown' }
  const records = [
    ...Object.keys(types).map((type, i) => aodRecord(100 + i, { type })),
    ...Object.keys(statuses).map((status, i) => aodRecord(200 + i, { status })),
    // an older-format record: no score, duration, studios, producers, thumbnail, picture or year
    { sources: ['https://anidb.net/anime/300'], title: 'Bare', type: 'TV', episodes: 0, status: 'UPCOMING', animeSeason: { season: 'UNDEFINED' }, synonyms: [], relatedAnime: [], tags: [] }
  ]
  const report = await importCatalogueFile(dir, writeAod(dir, records, 'minified'))
  t.equal(report.total, records.length)
  const catalogue = catalogueOf(t, dir)
  for (const [raw, seed] of Object.entries(types)) {
    t.equal(catalogue.entry(idOf(dir, `https://anidb.net/anime/${100 + Object.keys(types).indexOf(raw)}`)!)?.anime_type, seed, raw)
  }
  for (const [raw, seed] of Object.entries(statuses)) {
    t.equal(catalogue.entry(idOf(dir, `https://anidb.net/anime/${200 + Object.keys(statuses).indexOf(raw)}`)!)?.status, seed, raw)
  }
  const bare = catalogue.entry(idOf(dir, 'https://anidb.net/anime/300')!)!
  t.equal(bare.year, null)
  t.equal(bare.picture, NO_PICTURE)
  t.same(bare.tags, [])
  const row = catalogue.db.prepare('SELECT thumbnail, duration, score, season FROM anime WHERE id = ?').get(bare.id)
  t.same(row, { thumbnail: NO_THUMBNAIL, duration: null, score: null, season: null })
})

t.test('reads pretty JSON, minified JSON and JSONL alike, in chunks of any size', async (t) => {
  const records = [aodRecord(1), aodRecord(2, { title: 'Ünïcödé "quoted" {braces} [brackets], commas', synonyms: ['進撃の巨人', 'a\\b'] }), aodRecord(3)]
  const expected = new Map<string, unknown>()
  for (const style of ['pretty', 'minified', 'jsonl'] as const) {
    for (const chunkSize of [1, 7, 64 * 1024]) {
      const dir = tempDir(t)
      const bytes = Buffer.from(aodText(records, style))
      const chunks = []
      for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize))
      const db = openCatalogueDb(dir)
      // Parsed in this thread: the next test shows the worker thread parses every form the same, in chunks that split records.
      const report = await importCatalogue(db, Readable.from(chunks), { parseInWorker: false })
      t.equal(report.format, style === 'jsonl' ? 'jsonl' : 'json', `${style} ${chunkSize}`)
      t.equal(report.lastUpdate, '2026-11-20')
      const all = [1, 2, 3].map((id) => createCatalogue(db).entry(id))
      db.close()
      t.equal(report.added, 3)
      const key = JSON.stringify(all)
      expected.set(`${style}/${chunkSize}`, key)
      t.equal(all[1]?.title, 'Ünïcödé "quoted" {braces} [brackets], commas')
    }
  }
  t.equal(new Set(expected.values()).size, 1, 'every form and chunking gives the same catalogue')
})

t.test('parsing in a worker thread gives the same rows, reports and errors as in the import\'s thread', async (t) => {
  const script = parsingWorkerScript()
  t.not(script, null, 'the worker script is there when run from source')
  const worker = new Worker(script!)
  t.same(await new Promise((resolve, reject) => { worker.once('message', resolve).once('error', reject) }), { items: [], chunks: 0 }, 'and it runs here: the imports below use it')
  await worker.terminate()
  const records = [
    ...Array.from({ length: 12 }, (_, i) => aodRecord(i + 1, { tags: ['drama', 'action', 'drama'], relatedAnime: [`https://anidb.net/anime/${i + 2}`] })),
    { ...aodRecord(40), title: undefined },
    aodRecord(44, { tags: 'action' }),
    aodRecord(41, { title: 'Ünïcödé "quoted" {braces} [brackets], commas', synonyms: ['進撃の巨人', 'a\\b', 'x'.repeat(3000)] }),
    aodRecord(42, { episodes: 'twelve' }),
    aodRecord(43, { sources: ['https://anidb.net/anime/1'] })
  ]
  const imported = async (text: string, chunkSize: number, parseInWorker: boolean) => {
    const dir = tempDir(t)
    const bytes = Buffer.from(text)
    const chunks = []
    for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize))
    const db = openCatalogueDb(dir)
    try {
      const progress: number[] = []
      const report = await importCatalogue(db, Readable.from(chunks), { parseInWorker, now: () => 0, onProgress: (p) => progress.push(p.bytes, p.records) })
      return {
        report,
        progress,
        anime: db.prepare('SELECT * FROM anime ORDER BY id').all(),
        sources: db.prepare('SELECT * FROM source_ids ORDER BY url').all(),
        answers: db.prepare('SELECT * FROM entry_answers ORDER BY id').all(),
        sites: db.prepare('SELECT * FROM anime_sites ORDER BY site, site_id, anime_id').all()
      }
    } finally {
      db.close()
    }
  }
  // JSON and JSONL in chunks that split records (JSONL in the smallest), and minified JSON whole (the
  // reader itself is tested in every style and chunk size above: the worker runs the same reader on
  // what it is sent, and each import here starts a worker).
  const variants = [['pretty', 7], ['jsonl', 1], ['minified', 64 * 1024]] as const
  for (const [style, chunkSize] of variants) {
    const text = aodText(records, style)
    const here = await imported(text, chunkSize, false)
    t.match(here.report, { added: 14, skipped: 3 })
    t.same(await imported(text, chunkSize, true), here, `${style} in chunks of ${chunkSize}`)
  }

  // The same error, and the first one in file order, whichever thread meets it.
  const good = JSON.stringify(aodRecord(1))
  const meta = JSON.stringify({ lastUpdate: '2026-11-20' })
  const lines = (...records: string[]) => [meta, ...records].join('\n') + '\n'
  const failures: Array<[string, () => AsyncGenerator<string>]> = [
    ['broken first record', async function * () { yield lines('{"title": "x",}', good) }],
    ['broken second record', async function * () { yield lines(good, '{"title": "x",}', good) }],
    ['two broken records', async function * () { yield lines(good, '{"title": "second",}', '{"title": "third",}') }],
    ['truncated', async function * () { yield lines(good, good).slice(0, -20) }],
    ['not AOD', async function * () { yield 'id,title\n1,Naruto\n' }],
    ['empty', async function * () {}],
    ['a broken record, then the input fails', async function * () { yield lines(good, '{"title": "x",}', good); throw new Error('connection reset') }],
    ['the input fails', async function * () { yield lines(good, good); throw new Error('connection reset') }]
  ]
  for (const [name, input] of failures) {
    const outcomes = []
    for (const parseInWorker of [false, true]) {
      const db = openCatalogueDb(tempDir(t))
      try {
        await importCatalogue(db, input(), { parseInWorker })
        outcomes.push('imported')
      } catch (error) {
        outcomes.push(`${(error as Error).name}: ${(error as Error).message}`)
      } finally {
        db.close()
      }
    }
    t.not(outcomes[0], 'imported', name)
    t.equal(outcomes[1], outcomes[0], name)
  }
})

t.test('under node --import tsx the parsing worker starts all the same, with the same rows', async (t) => {
  // node --import tsx gives worker threads no TypeScript loader: a plain Worker on the .ts script fails
  // to load; startWorker (src/worker-threads.ts) registers tsx in the worker first.
  const dir = tempDir(t)
  const file = writeAod(dir, Array.from({ length: 3000 }, (_, i) => aodRecord(i + 1)), 'jsonl')
  const runner = path.join(dir, 'run.mts')
  fs.writeFileSync(runner, [
    `import { Worker } from 'node:worker_threads'`,
    `import { importCatalogueFile } from ${JSON.stringify(path.resolve(import.meta.dirname, '../../src/catalogue/import.ts'))}`,
    `import { parsingWorkerScript } from ${JSON.stringify(path.resolve(import.meta.dirname, '../../src/catalogue/stage.ts'))}`,
    `import { startWorker } from ${JSON.stringify(path.resolve(import.meta.dirname, '../../src/worker-threads.ts'))}`,
    `const started = async (worker: Worker) => {`,
    `  const ran = await new Promise((resolve) => { worker.once('message', () => resolve(true)).once('error', () => resolve(false)) })`,
    `  await worker.terminate()`,
    `  return ran`,
    `}`,
    `const plain = await started(new Worker(parsingWorkerScript()!))`,
    `const shared = await started(startWorker(parsingWorkerScript()!))`,
    `const report = await importCatalogueFile(process.argv[2]!, process.argv[3]!, { parseInWorker: true })`,
    `console.log(JSON.stringify({ plain, shared, added: report.added }))`
  ].join('\n'))
  const child = spawnSync(process.execPath, ['--import', 'tsx', runner, path.join(dir, 'data'), file], { encoding: 'utf8' })
  t.equal(child.status, 0, child.stderr)
  const result = JSON.parse(child.stdout) as { plain: boolean, shared: boolean, added: number }
  t.comment(`a plain Worker on the script ${result.plain ? 'started' : 'did not start'} under node --import tsx`)
  t.equal(result.shared, true, 'startWorker\'s does')
  t.equal(result.added, 3000)
  const here = openCatalogueDb(path.join(dir, 'here'))
  t.teardown(() => here.close())
  await importCatalogue(here, fs.createReadStream(file), { parseInWorker: false })
  const data = openCatalogueDb(path.join(dir, 'data'))
  t.teardown(() => data.close())
  const rows = (db: typeof here) => db.prepare('SELECT id, pos, hash, title, sources FROM anime ORDER BY id').all()
  t.same(rows(data), rows(here), 'the same rows')
})

t.test('skips and counts bad records, reporting why', async (t) => {
  const dir = tempDir(t)
  const records = [
    aodRecord(1),
    { ...aodRecord(2), title: undefined },
    aodRecord(3, { title: '   ' }),
    aodRecord(4, { episodes: 'twelve' }),
    aodRecord(5, { tags: 'action' }),
    aodRecord(6, { sources: [] }),
    aodRecord(7, { animeSeason: { year: 'soon' } }),
    'not an object',
    42,
    null,
    aodRecord(8, { type: 5 }),
    aodRecord(9, { score: { arithmeticGeometricMean: 'high' } }),
    aodRecord(10)
  ]
  const report = await importCatalogueFile(dir, writeAod(dir, records))
  t.equal(report.added, 2)
  t.equal(report.skipped, 11)
  t.equal(report.skippedRecords.length, 11)
  t.match(report.skippedRecords[0], { index: 2, reason: /title/ })
  t.match(report.skippedRecords[3], { index: 5, reason: /tags/ })
  t.equal(report.total, 2)
})

t.test('refuses files that are not AOD and leaves the catalogue untouched', async (t) => {
  const dir = tempDir(t)
  await importCatalogueFile(dir, writeAod(dir, [aodRecord(1), aodRecord(2)]))
  const bad: Array<[string, string, RegExp]> = [
    ['csv', 'id,title\n1,Naruto\n', /not an anime-offline-database file: expected a JSON object/],
    ['array', '[{"title":"x"}]', /not an anime-offline-database file/],
    ['no data', '{"hello":"world"}', /no "data" array/],
    ['data not array', '{"data":{"title":"x"}}', /no "data" array/],
    ['empty', '', /the file is empty/],
    ['empty data', '{"data":[]}', /holds no anime/],
    ['all bad', '{"data":[{"title":1},{"sources":"x"}]}', /none of its 2 records is a valid anime/],
    ['truncated', aodText([aodRecord(3), aodRecord(4)]).slice(0, 300), /truncated/],
    ['broken record', '{"data":[{"title":"x",}]}', /broken anime-offline-database file/],
    ['broken jsonl line', aodText([aodRecord(3)], 'jsonl') + '{"title": "y", "sources": [\n', /truncated|broken/],
    ['binary', '\x00\x01\x02garbage', /not an anime-offline-database file/]
  ]
  for (const [name, text, message] of bad) {
    const file = path.join(dir, `${name}.json`)
    fs.writeFileSync(file, text)
    await t.rejects(importCatalogueFile(dir, file), { message }, name)
  }
  const catalogue = catalogueOf(t, dir)
  t.equal(catalogue.info().count, 2)
  t.equal(catalogue.info().version, 1)
  t.equal(catalogue.entry(1)?.title, 'Anime 1')
  t.equal(catalogue.entry(2)?.title, 'Anime 2')
})

t.test('a second import: ids are stable, vanished entries stop being served, ids are never reused', async (t) => {
  const dir = tempDir(t)
  // A, B, C, D, E, F; then: A updated, B kept, C removed, D+E merged, F split into F1 and F2, G new
  const a = aodRecord(1, { sources: ['https://anidb.net/anime/1', 'https://kitsu.app/anime/1'] })
  const b = aodRecord(2)
  const c = aodRecord(3)
  const d = aodRecord(4, { sources: ['https://anidb.net/anime/4'] })
  const e = aodRecord(5, { sources: ['https://myanimelist.net/anime/5'] })
  const f = aodRecord(6, { sources: ['https://anidb.net/anime/6', 'https://myanimelist.net/anime/6', 'https://kitsu.app/anime/6'] })
  const first = await importCatalogueFile(dir, writeAod(dir, [a, b, c, d, e, f]))
  t.match(first, { added: 6, total: 6, version: 1 })
  const before = Object.fromEntries(['1', '2', '3', '4', '5', '6'].map((n) => [n, idOf(dir, n === '5' ? 'https://myanimelist.net/anime/5' : `https://anidb.net/anime/${n}`)!]))
  t.same(Object.values(before), [1, 2, 3, 4, 5, 6], 'ids in file order on a first import')

  const a2 = { ...a, sources: ['https://kitsu.app/anime/1'], title: 'Anime 1 (renamed)' } // keeps id through a surviving URL
  const de = aodRecord(45, { sources: ['https://anidb.net/anime/4', 'https://myanimelist.net/anime/5'], title: 'D and E' })
  const f1 = aodRecord(61, { sources: ['https://myanimelist.net/anime/6'], title: 'F part 1' })
  const f2 = aodRecord(62, { sources: ['https://anidb.net/anime/6', 'https://kitsu.app/anime/6'], title: 'F part 2' })
  const g = aodRecord(7)
  const second = await importCatalogueFile(dir, writeAod(dir, [g, f1, de, f2, b, a2], 'jsonl'))
  t.match(second, { format: 'jsonl', added: 2, updated: 3, kept: 1, removed: 2, total: 6, version: 2 })

  const catalogue = catalogueOf(t, dir)
  t.equal(catalogue.entry(1)?.title, 'Anime 1 (renamed)', 'an entry keeps its id while any of its URLs survives')
  t.equal(catalogue.entry(2)?.title, 'Anime 2', 'unchanged entry kept')
  t.equal(catalogue.entry(3), undefined, 'a vanished entry is no longer served')
  t.equal(catalogue.entry(4)?.title, 'D and E', 'a merge keeps the older id')
  t.equal(catalogue.entry(5), undefined, 'the merged-away id is retired')
  t.equal(catalogue.entry(6)?.title, 'F part 2', 'a split: the part with the old primary source keeps the id')
  const newIds = [idOf(dir, 'https://anidb.net/anime/7'), idOf(dir, 'https://myanimelist.net/anime/6')]
  t.same(newIds.sort(), [7, 8], 'new entries get ids never used before')
  t.equal(catalogue.info().count, 6)

  // C comes back: it gets its old id again. A brand-new entry never receives a retired id.
  const third = await importCatalogueFile(dir, writeAod(dir, [a2, b, c, de, f1, f2, g, aodRecord(99)]))
  t.match(third, { added: 2, removed: 0, total: 8 })
  t.equal(catalogue.entry(3)?.title, 'Anime 3', 'a returning entry gets its old id back')
  t.equal(idOf(dir, 'https://anidb.net/anime/99'), 9, 'never 5, the retired id')
})

t.test('a failure halfway leaves the old catalogue serving', async (t) => {
  const dir = tempDir(t)
  const app = await buildApp(t, { dataDir: dir, defaultCatalogue: writeAod(dir, [aodRecord(1), aodRecord(2)]) })
  const records = Array.from({ length: 500 }, (_, i) => aodRecord(1000 + i))
  const full = aodText(records)
  fs.writeFileSync(path.join(dir, 'broken.json'), full.slice(0, Math.floor(full.length * 0.8)))
  await t.rejects(importCatalogueFile(dir, path.join(dir, 'broken.json')), /truncated/)

  // A stream that dies mid-way (a crashed download or disk error)
  async function * dying () {
    yield full.slice(0, 20_000)
    throw new Error('connection reset')
  }
  const db = openCatalogueDb(dir)
  await t.rejects(importCatalogue(db, dying()), /connection reset/)
  db.close()

  const res = await app.inject('/anime/entry/2')
  t.equal(res.statusCode, 200)
  t.equal(res.json().title, 'Anime 2')
  t.equal((await app.inject('/anime/entry/3')).statusCode, 404)
  t.equal(app.catalogue.info().count, 2)
  t.equal(app.catalogue.info().version, 1)
})

t.test('readers see the old catalogue until the new one is committed, then the new one at once', async (t) => {
  const dir = tempDir(t)
  const app = await buildApp(t, { dataDir: dir, defaultCatalogue: writeAod(dir, [aodRecord(1)]) })
  const next = Array.from({ length: 3000 }, (_, i) => aodRecord(i + 1, { title: `New ${i + 1}` }))
  const file = writeAod(dir, next)
  const seen = new Set<string>()
  let done = false
  const importing = importCatalogueFile(dir, file).finally(() => { done = true })
  while (!done) {
    const res = await app.inject('/anime/entry/1')
    t.equal(res.statusCode, 200)
    seen.add(res.json().title)
    await new Promise((resolve) => setImmediate(resolve))
  }
  await importing
  t.ok([...seen].every((title) => title === 'Anime 1' || title === 'New 1'))
  t.equal((await app.inject('/anime/entry/1')).json().title, 'New 1')
  t.equal(app.catalogue.info().count, 3000)
})

t.test('an older catalogue file upgrades in place', async (t) => {
  const dir = tempDir(t)
  await importCatalogueFile(dir, writeAod(dir, [aodRecord(1)]))
  const db = openCatalogueDb(dir)
  t.equal(db.pragma('user_version', { simple: true }), CATALOGUE_SCHEMA_VERSION)
  db.pragma(`user_version = ${CATALOGUE_SCHEMA_VERSION + 1}`)
  db.close()
  t.throws(() => openCatalogueDb(dir), /newer than this program knows/)
})

t.test('reports progress while reading a file', async (t) => {
  const dir = tempDir(t)
  const records = Array.from({ length: 2000 }, (_, i) => aodRecord(i + 1, { synonyms: ['x'.repeat(500)] }))
  const file = writeAod(dir, records)
  for (const parseInWorker of [false, true]) {
    const seen: Array<{ bytes: number, records: number }> = []
    const report = await importCatalogueFile(dir, file, { parseInWorker, onProgress: (p) => seen.push(p) })
    t.equal(report.added + report.kept, 2000)
    t.ok(seen.length >= 2, 'several progress reports')
    t.ok(seen.every((p, i) => i === 0 || (p.bytes > seen[i - 1]!.bytes && p.records >= seen[i - 1]!.records)), 'bytes and records only grow')
    t.same(seen.at(-1), { bytes: fs.statSync(file).size, totalBytes: fs.statSync(file).size, records: 2000 }, 'the last one is the whole file')
  }
})
