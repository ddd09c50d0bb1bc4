// `catalogue import` reads every form the anime-offline-database releases
// publish, told by the content and never by the file name: JSON (pretty or
// minified), JSONL, each plain or compressed with zstd or gzip, with or without
// a UTF-8 byte order mark. Every form of the same catalogue gives the same
// catalogue, ids included. The zstd files under test/fixtures/continuation were
// made with the zstd tool (1.5.4, -19) from that directory's
// anime-offline-database.json; zstdStored() writes frames without compressing.
import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { runCli } from '../../src/cli.js'
import { openCatalogueDb } from '../../src/catalogue/db.js'
import { zstdStored } from '../helpers/aod.js'
import { tempDir } from '../helpers/app.js'
import { capture } from '../helpers/cli.js'

const fixtures = path.join(import.meta.dirname, '..', 'fixtures', 'continuation')
const pretty = fs.readFileSync(path.join(fixtures, 'anime-offline-database.json'))
const document = JSON.parse(pretty.toString()) as { data: unknown[] } & Record<string, unknown>
const { data, ...meta } = document
const minified = Buffer.from(JSON.stringify(document))
const jsonl = Buffer.from([meta, ...data].map((line) => JSON.stringify(line)).join('\n') + '\n')
const bom = Buffer.from([0xef, 0xbb, 0xbf])
const withBom = (bytes: Buffer) => Buffer.concat([bom, bytes])

/** Everything the catalogue file holds about its entries and their ids. */
function snapshot (dataDir: string): string {
  const db = openCatalogueDb(dataDir)
  try {
    return JSON.stringify({
      anime: db.prepare('SELECT * FROM anime ORDER BY id').all(),
      sources: db.prepare('SELECT * FROM source_ids ORDER BY url').all(),
      sites: db.prepare('SELECT * FROM anime_sites ORDER BY site, site_id, anime_id').all(),
      answers: db.prepare('SELECT * FROM entry_answers ORDER BY id').all(),
      lastUpdate: db.prepare("SELECT value FROM meta WHERE key = 'last_update'").pluck().get()
    })
  } finally {
    db.close()
  }
}

t.test('pretty JSON, minified JSON, JSONL, zstd, gzip, with or without BOM: the same catalogue, whatever the file is called', async (t) => {
  // [name the file is given (misleading on purpose where it can be), bytes, the form the import reports]
  const forms: Array<[string, Buffer, RegExp]> = [
    ['catalogue.json', pretty, /^imported JSON: 6 added/],
    ['catalogue.jsonl', minified, /^imported JSON: 6 added/],
    ['catalogue.json', jsonl, /^imported JSONL: 6 added/],
    ['catalogue.json', fs.readFileSync(path.join(fixtures, 'anime-offline-database-minified.json.zst')), /^imported JSON \(zstd\): 6 added/],
    ['catalogue.gz', fs.readFileSync(path.join(fixtures, 'anime-offline-database.jsonl.zst')), /^imported JSONL \(zstd\): 6 added/],
    ['catalogue.zst', zstdStored(pretty), /^imported JSON \(zstd\): 6 added/],
    ['catalogue.zst', zlib.gzipSync(minified), /^imported JSON \(gzip\): 6 added/],
    ['catalogue', zlib.gzipSync(jsonl), /^imported JSONL \(gzip\): 6 added/],
    ['catalogue.json', withBom(pretty), /^imported JSON: 6 added/],
    ['catalogue.json', withBom(minified), /^imported JSON: 6 added/],
    ['catalogue.jsonl', withBom(jsonl), /^imported JSONL: 6 added/],
    ['catalogue.json.zst', zstdStored(withBom(minified)), /^imported JSON \(zstd\): 6 added/],
    ['catalogue.jsonl.gz', zlib.gzipSync(withBom(jsonl)), /^imported JSONL \(gzip\): 6 added/]
  ]
  const seen = new Map<string, string>()
  for (const [i, [name, bytes, summary]] of forms.entries()) {
    const dir = tempDir(t)
    const file = path.join(dir, name)
    fs.writeFileSync(file, bytes)
    const run = capture({ DATA_DIR: path.join(dir, 'data') })
    t.equal(await runCli(['catalogue', 'import', file], run.io), 0, `form ${i}: ${run.err.join(' ')}`)
    t.match(run.out[0], summary, `form ${i}`)
    t.match(run.out[0], /0 skipped, 0 removed; 6 entries served/, `form ${i}`)
    seen.set(`form ${i}`, snapshot(path.join(dir, 'data')))
  }
  const distinct = new Set(seen.values())
  t.equal(distinct.size, 1, 'every form gives the same rows, ids, sources, tags and answers')
  const sample = JSON.parse([...distinct][0]!) as { anime: Array<{ id: number, title: string }>, lastUpdate: string }
  t.same(sample.anime.map((a) => [a.id, a.title]), (data as Array<{ title: string }>).map((r, i) => [i + 1, r.title]))
  t.equal(sample.lastUpdate, '2026-09-05')
})

t.test('broken compressed files and archives are refused in one line, the catalogue untouched', async (t) => {
  const dir = tempDir(t)
  const dataDir = path.join(dir, 'data')
  const good = path.join(dir, 'good.json')
  fs.writeFileSync(good, pretty)
  t.equal(await runCli(['catalogue', 'import', good], capture({ DATA_DIR: dataDir }).io), 0)
  const before = snapshot(dataDir)
  const zst = fs.readFileSync(path.join(fixtures, 'anime-offline-database-minified.json.zst'))
  const gz = zlib.gzipSync(minified)
  const cases: Array<[string, Buffer, RegExp]> = [
    ['truncated zstd', zst.subarray(0, zst.length - 40), /not valid zstd data/],
    ['zstd magic, then garbage', Buffer.concat([zst.subarray(0, 4), Buffer.alloc(300, 7)]), /not valid zstd data/],
    ['truncated gzip', gz.subarray(0, gz.length - 30), /not valid gzip data: unexpected end of file/],
    ['gzip with a damaged body', Buffer.concat([gz.subarray(0, 20), Buffer.alloc(200, 0xff), gz.subarray(220)]), /not valid gzip data/],
    ['a zip archive', Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100)]), /a zip archive: unpack it/],
    ['zstd of something else', zstdStored(Buffer.from('id,title\n1,Naruto\n')), /not an anime-offline-database file: expected a JSON object/],
    ['only a byte order mark', bom, /not an anime-offline-database file: the file is empty/],
    ['half a byte order mark, then JSON', Buffer.concat([bom.subarray(0, 2), pretty]), /not an anime-offline-database file: expected a JSON object/]
  ]
  for (const [name, bytes, message] of cases) {
    const file = path.join(dir, 'bad.json')
    fs.writeFileSync(file, bytes)
    const run = capture({ DATA_DIR: dataDir })
    t.equal(await runCli(['catalogue', 'import', file], run.io), 1, name)
    t.equal(run.err.length, 1, `${name}: one line`)
    t.match(run.err[0], message, name)
    t.notMatch(run.err[0] ?? '', /\n\s+at /, `${name}: no stack`)
  }
  t.equal(snapshot(dataDir), before, 'the catalogue is as it was')
})
