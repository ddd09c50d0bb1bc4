// The in-memory answers of GET /anime/entry/:id and /anime/random: loaded in
// slices, one version at a time, never mixing two versions, byte for byte what
// the database holds.
import t from 'tap'
import { createAnswerStore, type AnswerRange, type AnswerSource } from '../../src/catalogue/answers.js'
import { importCatalogueFile } from '../../src/catalogue/import.js'
import { openCatalogue } from '../../src/catalogue/open.js'
import { aodRecord, writeAod } from '../helpers/aod.js'
import { tempDir } from '../helpers/app.js'

/** A catalogue in memory whose version can change between two slices. */
function fakeSource (entries: Map<number, string>, version = '1') {
  const state = { version, entries, reads: 0, fail: false }
  const source: AnswerSource = {
    answerRange (afterId, limit): AnswerRange {
      state.reads++
      if (state.fail) throw new Error('disk on fire')
      const ids = [...state.entries.keys()].filter((id) => id > afterId).sort((a, b) => a - b).slice(0, limit)
      return { version: state.version, ids, answers: ids.map((id) => state.entries.get(id)!) }
    }
  }
  return { state, source }
}

/** A store whose slices run when `run()` says so. */
function manual (source: AnswerSource, slice = 2) {
  const queue: Array<() => void> = []
  const errors: unknown[] = []
  const store = createAnswerStore(source, { slice, schedule: (next) => { queue.push(next) }, onError: (error) => { errors.push(error) } })
  const run = (): void => { while (queue.length > 0) queue.shift()!() }
  return { store, run, errors, pending: () => queue.length }
}

const answer = (id: number, title: string): string => JSON.stringify({ id, title, tags: ['Ünïcode ✓'] })

t.test('a version is loaded in slices, then every served entry answers from memory', async (t) => {
  const entries = new Map([1, 2, 3, 5, 8].map((id) => [id, answer(id, `Anime ${id}`)]))
  const { state, source } = fakeSource(entries)
  const { store, run, pending } = manual(source, 2)
  t.equal(store.get('1', 1), undefined, 'not held yet: ask the database')
  t.equal(store.random('1'), undefined)
  t.equal(pending(), 1, 'asking started one load')
  store.get('1', 2)
  t.equal(pending(), 1, 'asking again does not start another')
  run()
  t.equal(state.reads, 3, 'five entries in slices of two: three reads')
  t.equal(store.held(), '1')
  for (const [id, json] of entries) t.equal(store.get('1', id)?.toString(), json, `entry ${id}, byte for byte`)
  t.equal(store.get('1', 4), null, 'an id between served ones is not served')
  t.equal(store.get('1', 9), null, 'nor one past the last')
  t.equal(store.get('1', 0), null)
  const seen = new Set<string>()
  for (const r of [0, 0.2, 0.4, 0.6, 0.8, 0.999]) seen.add(store.random('1', () => r)!.toString())
  t.same([...seen].sort(), [...entries.values()].sort(), 'random draws every served entry, each on its own share of [0, 1)')
  t.equal(state.reads, 3, 'no reads once held')
})

t.test('a newer version drops the older one; requests still labelled with the older ask the database', async (t) => {
  const { state, source } = fakeSource(new Map([1, 2, 3, 4].map((id) => [id, answer(id, `Old ${id}`)])))
  const { store, run, pending } = manual(source, 2)
  store.prepare('1')
  t.equal(pending(), 1)
  run()
  t.equal(store.held(), '1', 'without an import, version 1 is held')
  state.version = '2'
  state.entries = new Map([1, 2, 3].map((id) => [id, answer(id, `New ${id}`)]))
  t.equal(store.get('2', 1), undefined, 'asking for version 2 drops version 1')
  t.equal(store.get('1', 1), undefined, 'and a request still labelled 1 asks the database (no reload of 1)')
  run()
  t.equal(store.held(), '2')
  t.equal(store.get('2', 1)?.toString(), answer(1, 'New 1'))
  t.equal(store.get('2', 4), null, 'removed by the import')
})

t.test('a version that moves on while it loads is never held half-way', async (t) => {
  const { state, source } = fakeSource(new Map([1, 2, 3, 4, 5].map((id) => [id, answer(id, `Old ${id}`)])))
  const queue: Array<() => void> = []
  const store = createAnswerStore(source, { slice: 2, schedule: (next) => { queue.push(next) } })
  store.prepare('1')
  queue.shift()!() // ids 1, 2 of version 1
  state.version = '2'
  state.entries = new Map([1, 2, 3, 4, 5].map((id) => [id, answer(id, `New ${id}`)]))
  while (queue.length > 0) queue.shift()!()
  t.equal(store.held(), '2', 'the slice of version 2 restarted the load at version 2')
  for (let id = 1; id <= 5; id++) t.equal(store.get('2', id)?.toString(), answer(id, `New ${id}`), `entry ${id} is version 2's`)
})

t.test('an empty catalogue is held as empty; a failed read is reported and tried again when asked', async (t) => {
  const { state, source } = fakeSource(new Map())
  const { store, run, errors } = manual(source)
  store.prepare('1')
  run()
  t.equal(store.get('1', 1), null)
  t.equal(store.random('1'), null)
  state.fail = true
  state.version = '2'
  store.prepare('2')
  run()
  t.equal(errors.length, 1, 'the error went to onError')
  t.equal(store.held(), null)
  state.fail = false
  store.prepare('2')
  run()
  t.equal(store.held(), '2', 'asked again, loaded')
})

t.test('close drops everything and stops a load', async (t) => {
  const { source } = fakeSource(new Map([[1, answer(1, 'A')]]))
  const { store, run } = manual(source)
  store.prepare('1')
  store.close()
  run()
  t.equal(store.held(), null)
  t.equal(store.get('1', 1), undefined)
})

t.test('against a catalogue file: the answers are what the database serves, across an import', async (t) => {
  const dir = tempDir(t)
  await importCatalogueFile(dir, writeAod(dir, [aodRecord(1, { title: 'Café "Noir" \\ ✓' }), aodRecord(2), aodRecord(3)]))
  const opened = openCatalogue(dir)
  t.teardown(() => { opened.close() })
  const { catalogue } = opened
  const store = createAnswerStore(catalogue, { slice: 2, schedule: (next) => { next() } })
  const version = catalogue.version()
  store.prepare(version)
  t.equal(store.held(), version)
  for (const id of [1, 2, 3]) t.equal(store.get(version, id)?.toString(), catalogue.entryJson(id), `entry ${id}`)
  await importCatalogueFile(dir, writeAod(dir, [aodRecord(1, { title: 'Renamed' }), aodRecord(2)]))
  const range = catalogue.answerRange(0, 10)
  t.not(range.version, version, 'the import made a new version')
  store.prepare(range.version)
  t.equal(store.held(), range.version)
  t.equal(JSON.parse(store.get(range.version, 1)!.toString()).title, 'Renamed')
  t.equal(store.get(range.version, 3), null, 'gone with the import')
})

t.test('slices slower than the budget read fewer rows, then grow back to the slice size once quick again', async (t) => {
  const entries = new Map(Array.from({ length: 200 }, (_, i) => [i + 1, answer(i + 1, `Anime ${i + 1}`)]))
  const limits: number[] = []
  let slow = 3
  const source: AnswerSource = {
    answerRange (afterId, limit) {
      limits.push(limit)
      // The first reads take longer than the budget (a busy machine), the later ones far less.
      if (slow-- > 0) { const until = performance.now() + 8; while (performance.now() < until); }
      const ids = [...entries.keys()].filter((id) => id > afterId).slice(0, limit)
      return { version: '1', ids, answers: ids.map((id) => entries.get(id)!) }
    }
  }
  const queue: Array<() => void> = []
  const store = createAnswerStore(source, { slice: 16, budgetMs: 4, schedule: (next) => { queue.push(next) } })
  store.prepare('1')
  while (queue.length > 0) queue.shift()!()
  t.equal(limits[0], 16, 'the first slice reads the slice size')
  t.ok(limits[1]! < 16 && limits[2]! < limits[1]!, `slow slices make the next ones smaller: ${limits.join(' ')}`)
  t.ok(limits[1]! >= 8, 'by half at most per slice')
  t.ok(limits.every((n) => n >= 4 && n <= 16), 'never below a quarter of the slice size, never above it')
  t.equal(limits[3], 4, 'down to a quarter')
  t.equal(Math.max(...limits.slice(4)), 16, `quick again, back to the slice size: ${limits.join(' ')}`)
  t.equal(store.held(), '1')
  for (const [id, json] of entries) t.equal(store.get('1', id)?.toString(), json, `entry ${id}, byte for byte`)
})
