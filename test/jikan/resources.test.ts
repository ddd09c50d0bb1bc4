// Jikan's anime resources held per catalogue version (src/jikan/resources.ts):
// byte for byte the resource built from the entry, for any origin; MyAnimeList
// ids mapped as id mapping maps them; a new catalogue version answers with its
// own data once loaded, never a mix; not held: undefined (the route builds).
import t, { type Test } from 'tap'
import { createResourceStore, animeResourceJson, ORIGIN, PAGE_BYTES } from '../../src/jikan/resources.js'
import { malIdOf } from '../../src/jikan/sites.js'
import { importCatalogueFile } from '../../src/catalogue/import.js'
import { openCatalogue } from '../../src/catalogue/open.js'
import { aodRecord, writeAod } from '../helpers/aod.js'
import { tempDir } from '../helpers/app.js'
import { jikanFixtures } from '../helpers/jikan.js'

const built = (json: string, origin: string): string => json.replaceAll(ORIGIN, origin)

/** Entries whose resources are awkward: escapes, non-Latin text, many companies, no data, an entry with two MyAnimeList pages. */
const awkward = [
  aodRecord(9001, { title: 'Café "Noir" \\ ✓ \u2028', synonyms: ['進撃の巨人', 'Ätsch', ''], studios: ['a', 'b "c"', 'd'], producers: ['e', 'f', 'g', 'h'], tags: ['hentai', 'shounen', 'gore', 'action', 'no such genre'] }),
  aodRecord(9002, { type: 'UNKNOWN', episodes: 0, status: 'UNKNOWN', animeSeason: { season: 'UNDEFINED' }, duration: undefined, score: undefined, synonyms: [], studios: [], producers: [], tags: [] }),
  aodRecord(9003, { status: 'ONGOING', sources: ['https://myanimelist.net/anime/777001', 'https://myanimelist.net/anime/777002'] }),
  aodRecord(9004, { sources: ['https://myanimelist.net/anime/777002', 'https://kitsu.app/anime/5'] }),
  aodRecord(9005, { sources: ['https://anidb.net/anime/9005'] }),
  // MyAnimeList ids alike in their low 32 bits: told apart by the lookup's hash.
  aodRecord(9007, { sources: ['https://myanimelist.net/anime/4294967297'] }),
  aodRecord(9008, { sources: ['https://myanimelist.net/anime/8589934593'] }),
  // The text that stands for the origin, in a title: taken for it if held, so built when asked.
  aodRecord(9006, { title: `Not ${ORIGIN} an origin`, synonyms: [ORIGIN] })
]

// A small trial: keys whose values nearly all differ are written into the entries' records after it
// (the layout of a large catalogue); the default's trial is longer than the fixtures: tables only.
for (const dedupeTrial of [undefined, 4]) {
  t.test(`every entry with a MyAnimeList page is held, byte for byte its resource, for any origin (trial ${dedupeTrial ?? 'default'})`, async (t) => {
    await everyEntryHeld(t, dedupeTrial)
  })
}

async function everyEntryHeld (t: Test, dedupeTrial: number | undefined): Promise<void> {
  const dir = tempDir(t)
  await importCatalogueFile(dir, writeAod(dir, [...jikanFixtures(), ...awkward]))
  const opened = openCatalogue(dir)
  t.teardown(() => { opened.close() })
  const { catalogue, discovery } = opened
  const store = createResourceStore(discovery, { slice: 7, schedule: (next) => { next() }, ...(dedupeTrial === undefined ? {} : { dedupeTrial }) })
  const version = catalogue.version()
  t.equal(store.entryOf(version, 1), undefined, 'before it is asked for, nothing is held')
  t.equal(store.held(), version, 'asking loaded it (slices run at once here)')
  const ids = catalogue.answerRange(0, 1000).ids
  let held = 0
  let notHeldLookups = 0
  const heldIds: number[] = []
  for (const entry of discovery.fullEntries(ids)) {
    const malId = malIdOf(entry.sources)
    if (malId === null || entry.title.includes(ORIGIN)) {
      t.equal(store.resource(version, entry.id, 'http://a.example'), undefined, `entry ${entry.id} has no MyAnimeList page, or a title with the origin's stand-in: not held`)
      if (malId !== null) {
        notHeldLookups++
        t.equal(store.lookup(version, malId, 'http://a.example'), undefined, `entry ${entry.id} looked up by its MyAnimeList id: not held (built)`)
      }
      continue
    }
    held++
    heldIds.push(entry.id)
    const json = animeResourceJson(entry, malId)
    for (const origin of ['http://a.example', 'https://b.example:8443', 'http://a.example']) {
      t.equal(store.resource(version, entry.id, origin)!.toString(), built(json, origin), `entry ${entry.id} for ${origin}`)
      t.equal(store.resource(version, entry.id, origin, true)!.toString(), `{"data":${built(json, origin)}}`, `entry ${entry.id} for ${origin}, wrapped`)
      // The entry the id maps to (tested below to be id mapping's; itself, but where two entries list the page).
      const owner: number = store.entryOf(version, malId)!
      t.equal(store.lookup(version, malId, origin)!.toString(), owner === entry.id ? `{"data":${built(json, origin)}}` : store.resource(version, owner, origin, true)!.toString(), `MyAnimeList ${malId} looked up for ${origin}`)
    }
    const malIds = entry.sources.flatMap((url) => /^https:\/\/myanimelist\.net\/anime\/(\d+)$/.exec(url)?.[1] ?? [])
    t.ok(malIds.includes(String(malId)), `entry ${entry.id}'s MyAnimeList page is among its sources`)
    for (const id of malIds) t.equal(store.entryOf(version, Number(id)), catalogue.animeIdOnSite('myanimelist', id), `MyAnimeList ${id} maps as id mapping maps it`)
  }
  t.ok(held > 20, `the fixtures hold many entries (${held})`)
  t.ok(notHeldLookups > 0, 'an entry with a MyAnimeList page that is not held was looked up')
  t.equal(store.entryOf(version, 777002), catalogue.animeIdOnSite('myanimelist', 777002), 'a page two entries list: the one id mapping answers')
  t.equal(store.entryOf(version, 777002), store.entryOf(version, 777001), 'the entry with both pages, the oldest')
  t.equal(store.entryOf(version, 424242), null, 'an unknown MyAnimeList id: none')
  t.equal(store.entryOf(version, 0), null)
  t.equal(store.lookup(version, 424242, 'http://a.example'), null, 'an unknown MyAnimeList id looked up: none')
  t.equal(store.lookup(version, 1 + 2 ** 32 * 3, 'http://a.example'), null, 'an unknown id alike in its low bits to known ones: none')
  t.equal(JSON.parse(store.lookup(version, 777002, 'http://a.example')!.toString()).data.mal_id, 777001, 'a page two entries list: the oldest entry, whose own MyAnimeList id is its first')
  t.equal(store.lookup(String(Number(version) - 1), 1, 'http://a.example'), undefined, 'an older version looked up: not held')
  t.equal(store.resource(version, 999_999, 'http://a.example'), undefined, 'an unknown entry: not held')
  t.equal(store.entryOf(String(Number(version) - 1), 1), undefined, 'an older version: not held')
  // A page: the resources in the order asked, between its head and tail.
  const page = [...heldIds].reverse().slice(0, 25)
  const origin = 'https://c.example'
  const resources = discovery.fullEntries(page).map((entry) => [entry.id, built(animeResourceJson(entry, malIdOf(entry.sources)!), origin)] as const)
  const byId = new Map(resources)
  t.equal(store.join(version, page, origin, '{"data":[', '],"x":"é"}')!.toString(), `{"data":[${page.map((id) => byId.get(id)).join(',')}],"x":"é"}`, 'a page, written in one buffer')
  t.equal(store.join(version, [], origin, '[', ']')!.toString(), '[]', 'an empty page')
  t.equal(store.join(version, [page[0]!, 999_999], origin, '[', ']'), undefined, 'a page with an entry not held: undefined (built)')
}

t.test('many lists of few items (genre sets, companies, synonyms) are held as their items, byte for byte', async (t) => {
  const dir = tempDir(t)
  const genreTags = ['action', 'comedy', 'drama', 'romance', 'school', 'mecha', 'horror', 'sports', 'hentai', 'shounen', 'seinen']
  const companies = ['a', 'b "c"', 'd', 'e', 'f']
  // Every set of the tags (and of the companies) by the bits of n: many distinct sets of few distinct items.
  const pick = <T>(items: T[], n: number): T[] => items.filter((_, i) => ((n >> i) & 1) === 1)
  // Synonyms too: the titles written from them, item by item.
  const synonyms = ['x', 'y "q"', 'z\\w', '進撃', '']
  const records = Array.from({ length: 80 }, (_, i) => aodRecord(i + 1, { tags: pick(genreTags, i * 37 + 5), producers: pick(companies, i * 7 + 3), studios: pick(companies, i), synonyms: pick(synonyms, i * 3 + 1) }))
  // A record after the trial whose list is empty, and one with a list of one.
  records.push(aodRecord(81, { tags: [], producers: [] }), aodRecord(82, { tags: ['action'], producers: ['z'] }))
  await importCatalogueFile(dir, writeAod(dir, records))
  const opened = openCatalogue(dir)
  t.teardown(() => { opened.close() })
  const { catalogue, discovery } = opened
  const store = createResourceStore(discovery, { slice: 5, schedule: (next) => { next() }, dedupeTrial: 20 })
  const version = catalogue.version()
  store.prepare(version)
  const entries = discovery.fullEntries(catalogue.answerRange(0, 1000).ids)
  t.equal(entries.length, 82)
  for (const entry of entries) {
    for (const origin of ['http://a.example', 'https://bb.example:8443']) {
      t.equal(store.resource(version, entry.id, origin)!.toString(), built(animeResourceJson(entry, malIdOf(entry.sources)!), origin), `entry ${entry.id} for ${origin}`)
    }
  }
  const page = entries.slice(10, 35).map((entry) => entry.id)
  const expected = discovery.fullEntries(page).map((entry) => built(animeResourceJson(entry, malIdOf(entry.sources)!), 'http://x'))
  t.equal(store.join(version, page, 'http://x', '[', ']')!.toString(), `[${expected.join(',')}]`, 'a page across the trial')
})

t.test('pages asked again are copied from the resources kept as written: byte for byte, per origin where they link here, whatever was overwritten', async (t) => {
  const dir = tempDir(t)
  // Some entries link to this service (studios, producers: the origin is written in), some do not; titles of many lengths.
  const records = Array.from({ length: 30 }, (_, i) => aodRecord(i + 1, {
    title: `Anime ${'x'.repeat((i * 37) % 300)}${i}`,
    studios: i % 3 === 0 ? [] : [`studio ${i % 4}`],
    producers: i % 3 === 0 ? [] : [`producer ${i % 5}`]
  }))
  await importCatalogueFile(dir, writeAod(dir, records))
  const opened = openCatalogue(dir)
  t.teardown(() => { opened.close() })
  const { catalogue, discovery } = opened
  const version = catalogue.version()
  const entries = discovery.fullEntries(catalogue.answerRange(0, 1000).ids)
  const json = new Map(entries.map((entry) => [entry.id, animeResourceJson(entry, malIdOf(entry.sources)!)]))
  const ids = [...json.keys()]
  const size = Math.max(...[...json.values()].map((j) => Buffer.byteLength(j)))
  // Kept: none; about four resources (the ring comes round every few pages); all of them.
  for (const writtenMaxBytes of [0, 8 * size, 64 * size]) {
    const store = createResourceStore(discovery, { slice: 7, schedule: (next) => { next() }, writtenMaxBytes })
    store.prepare(version)
    // A seeded generator (an LCG): the same pages every run.
    let seed = writtenMaxBytes + 1
    const random = (): number => { seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0; return seed / 2 ** 32 }
    const origins = ['http://a.example', 'https://longer-origin.example:8443']
    let pages = 0
    const wrong: string[] = []
    for (let i = 0; i < 400; i++) {
      const page = Array.from({ length: 1 + Math.floor(random() * 8) }, () => ids[Math.floor(random() * ids.length)]!)
      const origin = origins[random() < 0.8 ? 0 : 1]!
      if (random() < 0.2) {
        const id = page[0]!
        if (store.resource(version, id, origin, true)!.toString() !== `{"data":${built(json.get(id)!, origin)}}`) wrong.push(`entry ${id} for ${origin}, after ${i} pages`)
        continue
      }
      pages++
      const expected = `{"data":[${page.map((id) => built(json.get(id)!, origin)).join(',')}]}`
      if (store.join(version, page, origin, '{"data":[', ']}')!.toString() !== expected) wrong.push(`page ${page.join(',')} for ${origin}, after ${i} pages`)
    }
    t.same(wrong, [], 'every lookup and page equals its resources as written')
    t.ok(pages > 250, `${pages} pages byte for byte (${writtenMaxBytes} bytes kept)`)
  }
})

t.test('pages are written into buffers taken back once sent: a page given back is written into again; one not given back, given back twice, too large or not a page is not', async (t) => {
  const dir = tempDir(t)
  await importCatalogueFile(dir, writeAod(dir, Array.from({ length: 12 }, (_, i) => aodRecord(i + 1, { title: `Anime ${i} ${'y'.repeat(i * 20)}`, studios: [`studio ${i % 3}`] }))))
  const opened = openCatalogue(dir)
  t.teardown(() => { opened.close() })
  const { catalogue, discovery } = opened
  const version = catalogue.version()
  const store = createResourceStore(discovery, { slice: 7, schedule: (next) => { next() }, writtenMaxBytes: 0 })
  store.prepare(version)
  const json = new Map(discovery.fullEntries(catalogue.answerRange(0, 1000).ids).map((entry) => [entry.id, animeResourceJson(entry, malIdOf(entry.sources)!)]))
  const ids = [...json.keys()]
  /** A page of `n` resources from the `from`th entry on (round the catalogue), as join writes it and as it must read. */
  const page = (n: number, from: number, origin = 'http://a.example') => {
    const items = Array.from({ length: n }, (_, i) => ids[(from + i) % ids.length]!)
    return { bytes: store.join(version, items, origin, '[', ']')!, expected: `[${items.map((id) => built(json.get(id)!, origin)).join(',')}]` }
  }
  const a = page(12, 0)
  const b = page(12, 3, 'https://b.example:8443')
  t.ok(a.bytes.length > 8192 && a.bytes.length < PAGE_BYTES, `a page of ${a.bytes.length} bytes is written into a page buffer`)
  t.not(b.bytes.buffer, a.bytes.buffer, 'a page not given back: the next one has other memory')
  store.release(a.bytes)
  store.release(a.bytes)
  const c = page(10, 5)
  t.equal(c.bytes.buffer, a.bytes.buffer, 'the page given back is written into again')
  const d = page(12, 7)
  t.not(d.bytes.buffer, c.bytes.buffer, 'given back twice, it is lent once: the next page has other memory')
  t.equal(b.bytes.toString(), b.expected, 'the page kept meanwhile is intact')
  t.equal(c.bytes.toString(), c.expected)
  t.equal(d.bytes.toString(), d.expected)
  // Not pages of the buffers: a buffer of the caller's, a small answer (from a slab shared with others), a page over PAGE_BYTES.
  const small = page(1, 0)
  const large = page(Math.ceil(PAGE_BYTES / Math.min(...[...json.values()].map((j) => j.length))) + 1, 0)
  t.ok(large.bytes.length > PAGE_BYTES, `a page of ${large.bytes.length} bytes`)
  for (const other of [Buffer.alloc(PAGE_BYTES), small.bytes, large.bytes]) store.release(other)
  const e = page(12, 2)
  t.not(e.bytes.buffer, small.bytes.buffer, 'a small answer given back is not written into')
  t.not(e.bytes.buffer, large.bytes.buffer, 'a page larger than a page buffer given back is not kept')
  t.equal(small.bytes.toString(), small.expected)
  t.equal(large.bytes.toString(), large.expected)
  t.equal(e.bytes.toString(), e.expected)
})

t.test('a catalogue update: the new version is loaded when asked for, and answers with its data', async (t) => {
  const dir = tempDir(t)
  await importCatalogueFile(dir, writeAod(dir, [aodRecord(1), aodRecord(2, { studios: ['old studio'] }), aodRecord(3)]))
  const opened = openCatalogue(dir)
  t.teardown(() => { opened.close() })
  const { catalogue, discovery } = opened
  const queue: Array<() => void> = []
  const store = createResourceStore(discovery, { slice: 2, schedule: (next) => { queue.push(next) } })
  const run = (): void => { while (queue.length > 0) queue.shift()!() }
  const first = catalogue.version()
  store.prepare(first)
  run()
  const origin = 'http://x.example'
  const titleOf = (version: string, malId: number): unknown => JSON.parse(store.resource(version, store.entryOf(version, malId)!, origin)!.toString()).title
  t.equal(titleOf(first, 100001), 'Anime 1')
  const pageOf = (version: string): string => store.join(version, [1, 2].map((n) => store.entryOf(version, 100000 + n)!), origin, '[', ']')!.toString()
  t.match(pageOf(first), /old studio/, 'a page of the first version, kept as written')
  await importCatalogueFile(dir, writeAod(dir, [aodRecord(1, { title: 'Renamed' }), aodRecord(2, { studios: ['new studio'] }), aodRecord(4)]))
  const second = catalogue.answerRange(0, 1).version
  t.not(second, first)
  t.equal(store.entryOf(second, 100001), undefined, 'the new version is not held until loaded')
  t.equal(store.entryOf(first, 100001), undefined, 'and the old one was dropped when the new one was asked for')
  run()
  t.equal(store.held(), second)
  t.equal(titleOf(second, 100001), 'Renamed')
  t.notMatch(pageOf(second), /old studio|Anime 1"/, "the page again: the new version's resources, none kept from the old")
  const entry2 = discovery.fullEntries([store.entryOf(second, 100002)!])[0]!
  t.equal(store.resource(second, entry2.id, origin)!.toString(), built(animeResourceJson(entry2, 100002), origin), "entry 2 with the new studio's id")
  t.equal(store.entryOf(second, 100003), null, 'gone with the import')
  t.equal(titleOf(second, 100004), 'Anime 4', 'new with the import')
})

t.test('lookups kept written out (JIKAN_WRITTEN_MAX): sent again as they are, byte for byte; per origin where they link here; within the bound; not past a new version', async (t) => {
  const dir = tempDir(t)
  // Entries 1, 4, 7, … link to no company (no origin written in); the others do.
  const records = (title: string) => Array.from({ length: 12 }, (_, i) => aodRecord(i + 1, {
    title: `${title} ${i}`,
    studios: i % 3 === 0 ? [] : [`studio ${i % 4}`],
    producers: i % 3 === 0 ? [] : [`producer ${i % 5}`]
  }))
  await importCatalogueFile(dir, writeAod(dir, records('Anime')))
  const opened = openCatalogue(dir)
  t.teardown(() => { opened.close() })
  const { catalogue, discovery } = opened
  const first = catalogue.version()
  const entries = discovery.fullEntries(catalogue.answerRange(0, 1000).ids)
  const expected = (version: string, malId: number, origin: string): string => {
    const entry = discovery.fullEntries([kept.entryOf(version, malId)!])[0]!
    return `{"data":${built(animeResourceJson(entry, malId), origin)}}`
  }
  const size = Math.max(...entries.map((entry) => Buffer.byteLength(animeResourceJson(entry, malIdOf(entry.sources)!)))) + 200
  const queue: Array<() => void> = []
  // Room for five answers.
  const kept = createResourceStore(discovery, { slice: 5, schedule: (next) => { queue.push(next) }, keptMaxBytes: 5 * size })
  const run = (): void => { while (queue.length > 0) queue.shift()!() }
  kept.prepare(first)
  run()
  const [a, b] = ['http://a.example', 'https://b.example:8443']
  const linked = 100002
  const unlinked = 100001
  const once = kept.lookup(first, linked, a)!
  const onceExpected = expected(first, linked, a)
  t.equal(once.toString(), onceExpected, 'written as without the bound')
  t.equal(kept.lookup(first, linked, a), once, 'asked again: the kept answer itself, not written again')
  const atB = kept.lookup(first, linked, b)!
  t.equal(atB.toString(), expected(first, linked, b), 'at another origin: written with that origin')
  t.not(atB, once)
  t.equal(kept.lookup(first, linked, b), atB, 'and kept for it instead')
  t.equal(once.toString(), onceExpected, 'the answer sent before is never written over')
  const plain = kept.lookup(first, unlinked, a)!
  t.equal(kept.lookup(first, unlinked, b), plain, 'an answer that links nowhere here serves every origin')
  t.equal(plain.toString(), expected(first, unlinked, b))
  // Five answers kept so far would be three; two more fill the bound; later ones are written each time.
  const more = [100003, 100004, 100005, 100006].map((malId) => ({ malId, answer: kept.lookup(first, malId, a)! }))
  const again = more.map(({ malId }) => kept.lookup(first, malId, a)!)
  t.same(again.map((answer, i) => answer === more[i]!.answer), [true, true, false, false], 'kept while the bound allows; past it, written anew each time')
  t.same(again.map((answer) => answer.toString()), more.map(({ malId }) => expected(first, malId, a)), 'byte for byte either way')
  // A page of kept and unkept entries: copied from the kept answers where there are some.
  const page = [linked, unlinked, 100003, 100006].map((malId) => kept.entryOf(first, malId)!)
  const pageExpected = `[${discovery.fullEntries(page).map((entry) => built(animeResourceJson(entry, malIdOf(entry.sources)!), a)).join(',')}]`
  t.equal(kept.join(first, page, a, '[', ']')!.toString(), pageExpected, 'a page with kept entries, byte for byte')
  // A new version: nothing kept from the old one is sent.
  await importCatalogueFile(dir, writeAod(dir, records('Renamed')))
  const second = catalogue.answerRange(0, 1).version
  kept.prepare(second)
  run()
  const renamed = kept.lookup(second, linked, a)!
  t.match(renamed.toString(), /"title":"Renamed 1"/, 'the new version written')
  t.equal(renamed.toString(), expected(second, linked, a))
  t.equal(kept.lookup(second, linked, a), renamed, 'and kept in its turn')
  t.equal(once.toString(), onceExpected, "the old version's answer, sent before, is intact")
})

t.test('an import between two slices restarts the load at the new version; a failed read is reported', async (t) => {
  const dir = tempDir(t)
  await importCatalogueFile(dir, writeAod(dir, [1, 2, 3, 4, 5].map((n) => aodRecord(n))))
  const opened = openCatalogue(dir)
  t.teardown(() => { opened.close() })
  const { catalogue, discovery } = opened
  const queue: Array<() => void> = []
  const errors: unknown[] = []
  let fail = false
  const source = { fullEntryRange: (...args: Parameters<typeof discovery.fullEntryRange>) => { if (fail) throw new Error('disk on fire'); return discovery.fullEntryRange(...args) } }
  const store = createResourceStore(source, { slice: 2, schedule: (next) => { queue.push(next) }, onError: (error) => { errors.push(error) } })
  const first = catalogue.version()
  store.prepare(first)
  queue.shift()!()
  await importCatalogueFile(dir, writeAod(dir, [1, 2, 3, 4, 5].map((n) => aodRecord(n, { title: `New ${n}` }))))
  while (queue.length > 0) queue.shift()!()
  const second = store.held()!
  t.not(second, first, 'the version held is the newer one')
  for (let n = 1; n <= 5; n++) t.equal(JSON.parse(store.resource(second, store.entryOf(second, 100000 + n)!, 'http://x')!.toString()).title, `New ${n}`, `entry ${n} is the new version's`)
  fail = true
  await importCatalogueFile(dir, writeAod(dir, [aodRecord(1)]))
  const third = String(Number(second) + 1)
  store.prepare(third)
  while (queue.length > 0) queue.shift()!()
  t.equal(errors.length, 1, 'the failed read went to onError')
  t.equal(store.held(), null)
  fail = false
  store.prepare(third)
  while (queue.length > 0) queue.shift()!()
  t.equal(store.held(), third, 'asked again, loaded')
  store.close()
  t.equal(store.entryOf(third, 100001), undefined, 'closed: nothing held')
})
