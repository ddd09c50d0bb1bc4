// The search index saved beside the catalogue (src/catalogue/engine/index-file.ts):
// a start loads it instead of building, only when it is of the catalogue the
// file holds; anything else is built again and saved again. At start the file
// is read at once and decoded once the service has answered (or when asked for).
import t, { type Test } from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { openCatalogueDb } from '../../../src/catalogue/db.js'
import { buildIndexData, indexIdentity, type IndexData } from '../../../src/catalogue/engine/index-data.js'
import { createIndexSource } from '../../../src/catalogue/engine/source.js'
import { deserializeIndex, INDEX_FILE, loadIndexFile, saveIndexFile, serializeIndex, textPart } from '../../../src/catalogue/engine/index-file.js'
import { Engine } from '../../../src/catalogue/engine/engine.js'
import { importCatalogueFile } from '../../../src/catalogue/import.js'
import { openCatalogue } from '../../../src/catalogue/open.js'
import { aodRecord, writeAod } from '../../helpers/aod.js'
import { tempDir } from '../../helpers/app.js'
import { eventually } from '../../helpers/server.js'
import { bundledScript } from '../../helpers/bundle.js'

const records = [
  aodRecord(1, { title: 'Kaze no Tani', synonyms: ['Valley of the Wind', '風の谷'], tags: ['adventure', 'ecology'], relatedAnime: ['https://anidb.net/anime/2'] }),
  aodRecord(2, { title: 'Kaze no Tani Returns', tags: ['adventure'] }),
  aodRecord(3, { title: 'Umi no Uta', synonyms: ['海の歌 \ud800 lone'], tags: ['music'] })
]

async function catalogue (t: Test): Promise<string> {
  const dataDir = tempDir(t)
  await importCatalogueFile(dataDir, writeAod(dataDir, records))
  return dataDir
}

// The builds in a child process run the built script where there is one (npm test): the same code, which
// starts without a TypeScript loader.
const indexBuildScript = bundledScript('index-worker')

/** The titles a search finds, through a fresh open of the catalogue (as a start does). */
async function search (dataDir: string, q: string, options: { inlineBuildMax?: number } = {}): Promise<string[]> {
  const opened = openCatalogue(dataDir, { indexBuildScript, ...options })
  try {
    await opened.discovery.ready()
    const page = await opened.discovery.search({ q }, { page: 1, pageSize: 10 })
    return 'results' in page ? page.results.map((r) => r.title) : []
  } finally {
    opened.close()
  }
}

t.test('an index comes back from its bytes as it was built, texts unit for unit', async (t) => {
  const dataDir = await catalogue(t)
  const db = openCatalogueDb(dataDir)
  t.teardown(() => db.close())
  const built = buildIndexData(db)
  const back = deserializeIndex(Buffer.concat(serializeIndex(built)))
  t.ok(back !== null)
  t.same(Object.keys(back!).sort(), Object.keys(built).sort())
  for (const [key, value] of Object.entries(built)) t.same((back as unknown as Record<string, unknown>)[key], value, key)
  t.ok(built.vocabText.length > 0 && back!.vocabText === built.vocabText)
})

t.test('titles read from the bytes before the titles are decoded are those of the decoded text', async (t) => {
  const dataDir = tempDir(t)
  // Titles outside the BMP: pieces are cut by UTF-16 unit, as the text is.
  await importCatalogueFile(dataDir, writeAod(dataDir, [...records, aodRecord(4, { title: 'Emoji 🎌 Flag' }), aodRecord(5, { title: 'Zeta Ω' })]))
  const db = openCatalogueDb(dataDir)
  t.teardown(() => db.close())
  const built = buildIndexData(db)
  const titles = (data: typeof built): string[] => Array.from({ length: data.n }, (_, d) => textPart(data, 'titleText', data.titleStart[d]!, data.titleStart[d + 1]!))
  const expected = titles(built)
  t.ok(expected.includes('Emoji 🎌 Flag'), 'what was built')
  const back = deserializeIndex(Buffer.concat(serializeIndex(built)))!
  t.same(titles(back), expected, 'from the bytes')
  t.equal(back.titleText, built.titleText, 'then decoded whole')
  t.same(titles(back), expected, 'from the decoded text')
  const engine = new Engine(deserializeIndex(Buffer.concat(serializeIndex(built)))!)
  t.same(expected.map((_, d) => engine.title(d)), expected, 'Engine.title reads them from the bytes')
})

t.test('bytes that are not an index of this format are refused', async (t) => {
  const dataDir = await catalogue(t)
  const db = openCatalogueDb(dataDir)
  t.teardown(() => db.close())
  const bytes = Buffer.concat(serializeIndex(buildIndexData(db)))
  t.equal(deserializeIndex(bytes.subarray(0, bytes.length - 8)), null, 'torn')
  t.equal(deserializeIndex(Buffer.from('not an index at all')), null, 'foreign')
  t.equal(deserializeIndex(Buffer.alloc(0)), null, 'empty')
  const otherFormat = Buffer.from(bytes)
  const json = otherFormat.indexOf('"format":')
  otherFormat.write('"format":9', json)
  t.equal(deserializeIndex(otherFormat), null, 'another format')
  // A copy at an odd offset still reads (the arrays are copied to an aligned buffer).
  const shifted = Buffer.alloc(bytes.length + 1)
  bytes.copy(shifted, 1)
  t.ok(deserializeIndex(shifted.subarray(1)) !== null)
})

/** An index whose texts (titles, vocabulary) are long enough to be stored as texts rather than in the header. */
async function longTexts (t: Test): Promise<{ dataDir: string, built: IndexData }> {
  const dataDir = tempDir(t)
  await importCatalogueFile(dataDir, writeAod(dataDir, Array.from({ length: 40 }, (_, i) => aodRecord(i + 1, { title: `Long Title Number ${i + 1} ${'ü'.repeat(i % 3)}`, synonyms: [`Andere ${i + 1}`, `別の${i + 1}`] }))))
  const db = openCatalogueDb(dataDir)
  t.teardown(() => db.close())
  const built = buildIndexData(db)
  t.ok(built.titleText.length > 256 && built.vocabText.length > 256, 'texts long enough to be stored apart')
  return { dataDir, built }
}

t.test('a saved index loads with its arrays in one buffer and each text read apart, let go once decoded', async (t) => {
  const { dataDir, built } = await longTexts(t)
  saveIndexFile(dataDir, built)
  const size = fs.statSync(path.join(dataDir, INDEX_FILE)).size
  const loaded = await loadIndexFile(dataDir, { version: built.version, importedAt: built.importedAt })
  t.ok(loaded !== null)
  const title = (data: IndexData, d: number): string => textPart(data, 'titleText', data.titleStart[d]!, data.titleStart[d + 1]!)
  t.same(Array.from({ length: built.n }, (_, d) => title(loaded!, d)), Array.from({ length: built.n }, (_, d) => title(built, d)), 'titles read from the text\'s own bytes before it is decoded')
  for (const [key, value] of Object.entries(built)) t.same((loaded as unknown as Record<string, unknown>)[key], value, key)
  t.same(Array.from({ length: built.n }, (_, d) => title(loaded!, d)), Array.from({ length: built.n }, (_, d) => title(built, d)), 'titles read once the texts are decoded and their bytes given back')
  t.same([loaded!.titleText, loaded!.vocabText], [built.titleText, built.vocabText], 'the texts read again')
  const textBytes = 2 * (built.titleText.length + built.vocabText.length)
  t.ok(loaded!.ids.buffer.byteLength <= size - textBytes, 'the arrays\' buffer does not hold the texts')
  t.equal(loaded!.termDocs.buffer, loaded!.ids.buffer, 'the arrays share one buffer')
  t.equal(await loadIndexFile(dataDir, { version: built.version + 1, importedAt: built.importedAt }), null, 'of another version: not used')
})

t.test('an index file with its texts among the arrays (an earlier layout) loads whole', async (t) => {
  const { dataDir, built } = await longTexts(t)
  // Rewrite the file with the texts first: the header says where each part is, so only the offsets change.
  const bytes = Buffer.concat(serializeIndex(built))
  const length = bytes.readUInt32LE(8)
  const header = JSON.parse(bytes.toString('utf8', 12, 12 + length)) as { texts: Record<string, [number, number]>, arrays: Record<string, [string, number, number]>, size: number }
  const base = (12 + length + 7) & ~7
  const data = bytes.subarray(base)
  const textParts = Object.values(header.texts).map(([offset, chars]) => data.subarray(offset, offset + chars * 2))
  const textsFrom = Math.min(...Object.values(header.texts).map(([offset]) => offset))
  const moved: Buffer[] = []
  let at = 0
  for (const [key, [offset, chars]] of Object.entries(header.texts)) {
    const part = textParts.shift()!
    moved.push(part, Buffer.alloc(((part.length + 7) & ~7) - part.length))
    header.texts[key] = [at, chars]
    at += (part.length + 7) & ~7
    t.ok(offset >= textsFrom)
  }
  for (const entry of Object.values(header.arrays)) entry[1] += at
  moved.push(data.subarray(0, textsFrom))
  header.size = at + textsFrom
  const json = Buffer.from(JSON.stringify(header))
  const head = Buffer.alloc((12 + json.length + 7) & ~7)
  bytes.copy(head, 0, 0, 8)
  head.writeUInt32LE(json.length, 8)
  json.copy(head, 12)
  fs.writeFileSync(path.join(dataDir, INDEX_FILE), Buffer.concat([head, ...moved]))
  const loaded = await loadIndexFile(dataDir)
  t.ok(loaded !== null)
  for (const [key, value] of Object.entries(built)) t.same((loaded as unknown as Record<string, unknown>)[key], value, key)
})

t.test('the first start saves the index, private to the user; the next one loads it instead of building', async (t) => {
  const dataDir = await catalogue(t)
  const file = path.join(dataDir, INDEX_FILE)
  t.same(await search(dataDir, 'kaze'), ['Kaze no Tani', 'Kaze no Tani Returns'])
  const saved = fs.statSync(file)
  t.equal(saved.mode & 0o777, 0o600)
  t.same(await search(dataDir, '風'), ['Kaze no Tani'])
  t.equal(fs.statSync(file).ino, saved.ino, 'not written again: loaded')
  t.equal(fs.statSync(file).mtimeMs, saved.mtimeMs)
  t.same(fs.readdirSync(dataDir).filter((name) => name.endsWith('.tmp')), [], 'no temporary file left')
})

t.test('an index of another catalogue version, or a damaged one, is built again and saved again', async (t) => {
  const dataDir = await catalogue(t)
  const file = path.join(dataDir, INDEX_FILE)
  t.same(await search(dataDir, 'umi'), ['Umi no Uta'])
  const first = fs.readFileSync(file)
  await importCatalogueFile(dataDir, writeAod(dataDir, [...records, aodRecord(4, { title: 'Hoshi no Koe', tags: ['space'] })]))
  t.same(await search(dataDir, 'hoshi'), ['Hoshi no Koe'], 'the new version is searched, not the saved one')
  t.notSame(fs.readFileSync(file), first, 'and its index saved')

  fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 100))
  t.same(await search(dataDir, 'hoshi'), ['Hoshi no Koe'], 'a torn file is ignored')
  t.ok(deserializeIndex(fs.readFileSync(file)) !== null, 'and replaced')

  // The same version number from another import (a catalogue put back from a backup, say) is another catalogue.
  const stale = fs.readFileSync(file)
  await importCatalogueFile(dataDir, writeAod(dataDir, records))
  const db = openCatalogueDb(dataDir)
  const version = db.prepare("SELECT value FROM meta WHERE key = 'version'").pluck().get() as string
  db.prepare("UPDATE meta SET value = ? WHERE key = 'version'").run(String(Number(version) - 1))
  db.close()
  fs.writeFileSync(file, stale)
  t.same(await search(dataDir, 'hoshi'), [], 'an index of the same version number but another import is not used')
})

t.test('a large catalogue is indexed by a child process, which saves the file the service then loads', async (t) => {
  const dataDir = await catalogue(t)
  t.same(await search(dataDir, 'valley', { inlineBuildMax: 0 }), ['Kaze no Tani'])
  t.ok(deserializeIndex(fs.readFileSync(path.join(dataDir, INDEX_FILE))) !== null, 'saved')
})

t.test('where the index cannot be saved, it is built all the same', async (t) => {
  const dataDir = await catalogue(t)
  // A directory in the file's place: nothing can be renamed over it (not even by root, as a read-only directory could be).
  fs.mkdirSync(path.join(dataDir, INDEX_FILE))
  t.same(await search(dataDir, 'valley', { inlineBuildMax: 0 }), ['Kaze no Tani'], 'built in a thread after the process failed to save')
  t.same(await search(dataDir, 'valley'), ['Kaze no Tani'], 'built inline')
  t.ok(fs.statSync(path.join(dataDir, INDEX_FILE)).isDirectory())
  t.same(fs.readdirSync(dataDir).filter((name) => name.endsWith('.tmp')), [], 'no temporary file left')
})

/** Processes whose command line names `file` (Linux: /proc). */
function processesWith (file: string): number[] {
  return fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name)).filter((pid) => {
    try { return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(file) } catch { return false }
  }).map(Number)
}

t.test('closing the catalogue ends a build still running in its child process', { skip: fs.existsSync('/proc/self/cmdline') ? false : 'needs /proc' }, async (t) => {
  const dataDir = await catalogue(t)
  const file = path.join(dataDir, 'catalogue.sqlite')
  // From the sources (a child that starts through the TypeScript loader): still building when the catalogue closes.
  const opened = openCatalogue(dataDir, { inlineBuildMax: 0 })
  opened.discovery.refreshIndex()
  t.ok(await eventually(() => processesWith(file).length > 0, 20_000), 'the build runs in a process of its own')
  opened.close()
  t.ok(await eventually(() => processesWith(file).length === 0, 2000), 'which ends with the catalogue')
  t.same(fs.readdirSync(dataDir).filter((name) => name.startsWith(INDEX_FILE)), [], 'having written nothing')
  t.same(await search(dataDir, 'valley', { inlineBuildMax: 0 }), ['Kaze no Tani'], 'the next open builds it')
})

t.test('at start the file is read at once but decoded only once allowed, or when a client asks for the index', async (t) => {
  const dataDir = await catalogue(t)
  t.same(await search(dataDir, 'kaze'), ['Kaze no Tani', 'Kaze no Tani Returns'], 'the first open builds and saves the index')
  t.ok(fs.existsSync(path.join(dataDir, INDEX_FILE)))
  const db = openCatalogueDb(dataDir)
  t.teardown(() => { db.close() })
  const turns = async (n: number): Promise<void> => { for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve)) }
  const open = () => createIndexSource(db, { version: () => String(indexIdentity(db).version), served: () => records.length })

  const allowed = open()
  allowed.holdDecode()
  allowed.refresh()
  await turns(50)
  t.equal(allowed.peek(), null, 'held: not decoded, however many turns go by')
  allowed.decode()
  for (let i = 0; i < 1000 && allowed.peek() === null; i++) await turns(1)
  t.equal(allowed.peek()?.n, records.length, 'allowed: the index is there without anyone asking')

  const asked = open()
  asked.holdDecode()
  asked.refresh()
  await turns(10)
  t.equal(asked.peek(), null)
  const engine = await asked.current()
  t.equal(engine.n, records.length, 'a client asking for the index ends the wait')
})

t.test('recent(): the index of the version as labelled, with no read of the file while it is the one held; else current()\'s', async (t) => {
  const dataDir = await catalogue(t)
  const db = openCatalogueDb(dataDir)
  t.teardown(() => { db.close() })
  let reads = 0
  const fileVersion = (): string => { reads++; return String(indexIdentity(db).version) }
  let labelled = fileVersion()
  const source = createIndexSource(db, { version: fileVersion, recentVersion: () => labelled, served: () => records.length })
  const engine = await source.current()
  reads = 0
  t.equal(await source.recent(), engine, 'the version as labelled is the one held')
  t.equal(await source.recent(), engine)
  t.equal(reads, 0, 'without a read of the file')
  // The label not (yet) of the held version: the file decides, as current() does.
  labelled = 'a version not held'
  t.equal(await source.recent(), engine, 'current()\'s index: the file is still at the held version')
  t.ok(reads > 0, 'the file was read')
})

/** `data` with its doc and tag lists 4 bytes an item: as a catalogue of more than 65,536 entries, or an index saved before lists were narrowed, has them. */
function widened (data: IndexData): IndexData {
  const wide = { ...data } as unknown as Record<string, unknown>
  for (const [key, value] of Object.entries(data)) if (value instanceof Uint16Array) wide[key] = Int32Array.from(value)
  return wide as unknown as IndexData
}

t.test('index files with 2-byte and with 4-byte doc lists load and answer alike', async (t) => {
  const dataDir = tempDir(t)
  await importCatalogueFile(dataDir, writeAod(dataDir, [
    ...records,
    ...Array.from({ length: 30 }, (_, i) => aodRecord(i + 4, { title: `Kaze Sequel ${i + 4}`, synonyms: [`風の続き${i}`], tags: i % 2 === 0 ? ['adventure', 'music'] : ['ecology'], relatedAnime: [`https://anidb.net/anime/${i + 3}`] }))
  ]))
  const db = openCatalogueDb(dataDir)
  const built = buildIndexData(db)
  db.close()
  const lists = ['tagDocs', 'docTags', 'companyDocs', 'siteDocs', 'rel', 'termDocs', 'termTitleDocs'] as const
  for (const key of lists) t.ok(built[key] instanceof Uint16Array, `${key}: 2 bytes an item`)
  /** What the catalogue answers, opened as a start does, from the index file saved there. */
  const answers = async (): Promise<unknown[]> => {
    const opened = openCatalogue(dataDir)
    try {
      await opened.discovery.ready()
      const found: unknown[] = []
      for (const q of ['kaze', 'kaze sequel 1', 'kze', '風', '続き', 'umi no']) found.push(await opened.discovery.search({ q }, { page: 1, pageSize: 50 }))
      found.push(await opened.discovery.search({ tags: ['adventure'] }, { page: 1, pageSize: 50 }))
      for (const id of [1, 2, 5, 6]) found.push(await opened.discovery.similar(id, 10))
      return found
    } finally {
      opened.close()
    }
  }
  saveIndexFile(dataDir, widened(built))
  const wideFile = fs.readFileSync(path.join(dataDir, INDEX_FILE))
  const loadedWide = deserializeIndex(wideFile)!
  for (const key of lists) t.ok(loadedWide[key] instanceof Int32Array, `${key}: loaded 4 bytes an item`)
  const fromWide = await answers()
  t.same(fs.readFileSync(path.join(dataDir, INDEX_FILE)), wideFile, 'the 4-byte file was used, not built again')
  saveIndexFile(dataDir, built)
  const narrowFile = fs.readFileSync(path.join(dataDir, INDEX_FILE))
  t.ok(narrowFile.length < wideFile.length, 'the 2-byte file is smaller')
  const fromNarrow = await answers()
  t.same(fs.readFileSync(path.join(dataDir, INDEX_FILE)), narrowFile, 'the 2-byte file was used, not built again')
  t.ok(JSON.stringify(fromNarrow).includes('Kaze Sequel 10'), 'the searches find entries')
  t.same(fromNarrow, fromWide)
})
