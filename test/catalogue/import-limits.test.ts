// What an import accepts: numbers within what the data can mean (the rest left
// out, and reported), texts of sane length, and records of bounded size, read
// in bounded memory however large one record is.
import t from 'tap'
import { Readable } from 'node:stream'
import { runCli } from '../../src/cli.js'
import { importCatalogue } from '../../src/catalogue/import.js'
import { openCatalogueDb } from '../../src/catalogue/db.js'
import { MAX_RECORD_BYTES } from '../../src/catalogue/aod-reader.js'
import { importLimits, NO_PICTURE } from '../../src/catalogue/normalize.js'
import { aodMeta, aodRecord, writeAod } from '../helpers/aod.js'
import { buildApp, tempDir } from '../helpers/app.js'
import { capture } from '../helpers/cli.js'

// Four imports streaming 100 MB each: minutes on a loaded machine.
t.setTimeout(10 * 60 * 1000)

t.test('numbers beyond what the data can mean are left out and reported, never served', async (t) => {
  const dir = tempDir(t)
  const records = [
    aodRecord(1, { episodes: 1e300 }),
    aodRecord(2, { score: { arithmeticGeometricMean: 1e300, arithmeticMean: -5, median: 7 } }),
    aodRecord(3, { duration: { value: 1e300, unit: 'SECONDS' } }),
    aodRecord(4, { duration: { value: 0, unit: 'SECONDS' } }),
    aodRecord(5, { animeSeason: { season: 'SPRING', year: 1e300 } }),
    aodRecord(6, { episodes: importLimits.maxEpisodes, duration: { value: 3, unit: 'HOURS' } }),
    aodRecord(7)
  ]
  const file = writeAod(dir, records)
  const run = capture({ DATA_DIR: dir })
  t.equal(await runCli(['catalogue', 'import', file], run.io), 0, run.err.join(' '))
  const out = run.out.join('\n')
  t.match(out, /6 added, 0 updated, 0 kept, 1 skipped/, 'a year out of range is no year: that record is skipped')
  t.match(out, /skipped record #5: "animeSeason\.year" is not a year/)
  t.match(out, /5 values left out of imported records, being out of range:/)
  t.match(out, /record #1: "episodes" is 1e\+300, outside 0 to 100000: set to 0 \(unknown\)/)
  t.match(out, /record #2: "score\.arithmeticGeometricMean" is 1e\+300, outside 1 to 10: set to null/)
  t.match(out, /record #2: "score\.arithmeticMean" is -5, outside 1 to 10: set to null/)
  t.match(out, /record #3: "duration" is 1e\+300, outside 1 to 86400: set to null/)
  t.match(out, /record #4: "duration" is 0, outside 1 to 86400: set to null/)

  const api = await buildApp(t, { dataDir: dir })
  const entry = await api.inject('/anime/entry/1')
  t.equal(entry.statusCode, 200)
  t.equal(entry.json().num_episodes, 0)
  t.notMatch(entry.body, /e\+300/, 'never served as 1.0e+300')
  const details = (await api.inject('/anime/entry/2/details')).json()
  t.equal(details.score, null)
  t.equal(details.score_mean, null)
  t.equal(details.score_median, 7, 'the value in range is kept')
  t.equal((await api.inject('/anime/entry/3/details')).json().episode_duration, null)
  const longest = (await api.inject('/anime/entry/5/details')).json() // record 5 was skipped: record 6 has id 5
  t.equal(longest.num_episodes, importLimits.maxEpisodes, 'the limit itself is allowed')
  t.equal(longest.episode_duration, 3 * 3600)
  const search = await api.inject('/anime/search?q=anime&page_size=100')
  t.notMatch(search.body, /e\+300/)
})

t.test('over-long texts: a title skips its record, a list item or picture is left out', async (t) => {
  const dir = tempDir(t)
  const long = 'x'.repeat(importLimits.maxTextLength + 1)
  const fits = 'y'.repeat(importLimits.maxTextLength)
  const records = [
    aodRecord(1, { title: long }),
    aodRecord(2, { synonyms: ['Short', long, fits], tags: ['action', long], picture: `https://cdn.example/${long}.jpg` }),
    aodRecord(3)
  ]
  const db = openCatalogueDb(dir)
  t.teardown(() => db.close())
  const report = await importCatalogue(db, Readable.from([Buffer.from(JSON.stringify({ ...aodMeta, data: records }))]))
  t.match(report, { added: 2, skipped: 1, adjusted: 3 })
  t.match(report.skippedRecords, [{ index: 1, reason: /"title" is longer than 1000 characters/ }])
  t.match(report.adjustedRecords, [
    { index: 2, reason: /"picture" is \d+ characters long .*: the no-picture image instead/ },
    { index: 2, reason: /"tags" holds a text of 1001 characters/ },
    { index: 2, reason: /"synonyms" holds a text of 1001 characters \(more than 1000\): left out/ }
  ])
  const row = db.prepare("SELECT synonyms, tags, picture FROM anime WHERE title = 'Anime 2'").get() as Record<string, string>
  t.same(JSON.parse(row.synonyms!), ['Short', fits])
  t.same(JSON.parse(row.tags!), ['Action'])
  t.equal(row.picture, NO_PICTURE)
})

/** A JSON (or JSONL) file whose second record has a title of `titleBytes`, streamed in 1 MiB chunks. */
async function * hugeTitleFile (titleBytes: number, style: 'json' | 'jsonl'): AsyncGenerator<Buffer> {
  const first = JSON.stringify(aodRecord(1))
  const head = JSON.stringify(aodRecord(2, { title: '@@' })).split('"@@"')
  const third = JSON.stringify(aodRecord(3))
  if (style === 'json') yield Buffer.from(`${JSON.stringify(aodMeta).slice(0, -1)},"data":[${first},${head[0]}"`)
  else yield Buffer.from(`${JSON.stringify(aodMeta)}\n${first}\n${head[0]}"`)
  const piece = Buffer.alloc(1 << 20, 'x')
  for (let sent = 0; sent < titleBytes; sent += piece.length) yield piece.subarray(0, Math.min(piece.length, titleBytes - sent))
  yield Buffer.from(style === 'json' ? `"${head[1]},${third}]}` : `"${head[1]}\n${third}\n`)
}

t.test('a 100 MB title: that record is skipped, unread, in bounded memory; the rest imports', async (t) => {
  for (const style of ['json', 'jsonl'] as const) {
    for (const parseInWorker of [false, true]) {
      const db = openCatalogueDb(tempDir(t))
      t.teardown(() => db.close())
      global.gc?.()
      const baseline = process.memoryUsage()
      let peak = 0
      const sample = () => {
        const now = process.memoryUsage()
        peak = Math.max(peak, now.heapUsed + now.arrayBuffers - baseline.heapUsed - baseline.arrayBuffers)
      }
      const timer = setInterval(sample, 5)
      const input = async function * () {
        for await (const chunk of hugeTitleFile(100 * 1024 * 1024, style)) {
          sample()
          yield chunk
        }
      }
      let report
      try {
        report = await importCatalogue(db, input(), { parseInWorker })
      } finally {
        clearInterval(timer)
      }
      const name = `${style}, ${parseInWorker ? 'worker' : 'this thread'}`
      t.match(report, { added: 2, skipped: 1, total: 2 }, name)
      t.match(report.skippedRecords[0]?.reason, /the record ending on line \d+ is larger than 1 MiB \(100\.\d MiB\)/, name)
      t.same(db.prepare('SELECT title FROM anime ORDER BY id').pluck().all(), ['Anime 1', 'Anime 3'], name)
      // Holding the record would take 100 MB as bytes and 200 MB as a string; chunks come and go 1 MiB at a time.
      t.ok(peak < 60 * 1024 * 1024, `${name}: memory grew by ${(peak / 1024 / 1024).toFixed(0)} MiB at most, far below the record's 100 MiB`)
    }
  }
  t.equal(MAX_RECORD_BYTES, 1024 * 1024)
})

t.test('a record just under the limit is read; one just over it is skipped', async (t) => {
  const db = openCatalogueDb(tempDir(t))
  t.teardown(() => db.close())
  const padding = (id: number, size: number) => {
    // Synonyms making a record of exactly `size` bytes of JSON (each item adds its quotes, and a comma after the first).
    const synonyms: string[] = []
    let length = JSON.stringify(aodRecord(id, { synonyms: [] })).length
    while (length + 2000 < size) {
      length += 900 + 2 + (synonyms.length > 0 ? 1 : 0)
      synonyms.push('s'.repeat(900))
    }
    synonyms.push('t'.repeat(size - length - 2 - (synonyms.length > 0 ? 1 : 0)))
    return synonyms
  }
  const under = aodRecord(9, { synonyms: padding(9, MAX_RECORD_BYTES) })
  const over = aodRecord(10, { synonyms: padding(10, MAX_RECORD_BYTES + 2) })
  t.equal(JSON.stringify(under).length, MAX_RECORD_BYTES)
  t.equal(JSON.stringify(over).length, MAX_RECORD_BYTES + 2)
  const text = [JSON.stringify(aodMeta), JSON.stringify(under), JSON.stringify(over)].join('\n') + '\n'
  const report = await importCatalogue(db, Readable.from([Buffer.from(text)]), { parseInWorker: false })
  t.match(report, { added: 1, skipped: 1 })
  t.match(report.skippedRecords[0], { index: 2, reason: /larger than 1 MiB/ })
})
