// GET /v4/anime/{id} once the resources of the catalogue version are held in
// memory (src/jikan/resources.ts): the same answers as while they load, for
// every origin; bad and unknown ids as Jikan answers them; after a catalogue
// update, the new version's data at once (built while it loads) and after.
// All of it twice: as by default, and with answers kept written out
// (JIKAN_WRITTEN_MAX), which must change nothing but the speed.
import t from 'tap'
import { buildApp, tempDir } from '../../helpers/app.js'
import { aodRecord, writeAod } from '../../helpers/aod.js'
import { importCatalogueFile } from '../../../src/catalogue/import.js'

/** Lets the service's slices (setImmediate) run: a small catalogue loads in a few turns. */
const turns = async (n = 20): Promise<void> => { for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve)) }

for (const jikanWrittenMaxBytes of [0, 1 << 20]) {
  t.test(`JIKAN_WRITTEN_MAX ${jikanWrittenMaxBytes === 0 ? 'off' : `${jikanWrittenMaxBytes} bytes`}`, async (t) => {
    const dir = tempDir(t)
    const records = [1, 2, 3].map((n) => aodRecord(n, { studios: [`studio ${n}`], producers: ['common'] }))
    const app = await buildApp(t, { dataDir: dir, defaultCatalogue: writeAod(dir, records), jikanWrittenMaxBytes })

    async function get (url: string, host = 'one.example') {
      const res = await app.inject({ method: 'GET', url, headers: { host } })
      return { status: res.statusCode, body: res.body, headers: res.headers }
    }

    t.test('held or built, the same answer; company URLs at the asking origin', async (t) => {
      // The first requests may come before the resources are held (built); the later ones after.
      const first = await Promise.all([100001, 100002, 100003].map(async (id) => await get(`/v4/anime/${id}`)))
      await turns()
      for (const [i, id] of [100001, 100002, 100003].entries()) {
        const later = await get(`/v4/anime/${id}`)
        t.equal(later.status, 200)
        t.equal(later.body, first[i]!.body, `${id}: the same bytes`)
        t.equal(later.headers['content-type'], 'application/json; charset=utf-8')
        t.equal(later.headers['content-length'], String(Buffer.byteLength(later.body)))
        t.match(later.headers.etag, /^W\//, 'an ETag, as every catalogue answer')
        const data = JSON.parse(later.body).data
        t.equal(data.mal_id, id)
        t.same(data.studios.map((s: { url: string }) => s.url.split('/v4/')[0]), ['http://one.example'])
        const elsewhere = JSON.parse((await get(`/v4/anime/${id}`, 'two.example:8080')).body).data
        t.same([...elsewhere.studios, ...elsewhere.producers].map((c: { url: string }) => c.url), [...data.studios, ...data.producers].map((c: { url: string }) => c.url.replace('http://one.example', 'http://two.example:8080')), 'another origin, its own URLs')
      }
      t.equal((await get('/v4/anime/00100001')).body, first[0]!.body, 'leading zeros: the same id')
      const conditional = await app.inject({ method: 'GET', url: '/v4/anime/100001', headers: { host: 'one.example', 'if-none-match': String((await get('/v4/anime/100001')).headers.etag) } })
      t.equal(conditional.statusCode, 304, 'conditional GET')
      const head = await app.inject({ method: 'HEAD', url: '/v4/anime/100001', headers: { host: 'one.example' } })
      t.equal(head.statusCode, 200)
      t.equal(head.body, '')
    })

    t.test('bad and unknown ids, with the resources held', async (t) => {
      await turns()
      const unknown = await get('/v4/anime/424242')
      t.equal(unknown.status, 404)
      t.same(JSON.parse(unknown.body), { status: 404, type: 'BadResponseException', message: 'Resource does not exist', error: 'No entry of this catalogue has the MyAnimeList page https://myanimelist.net/anime/424242' })
      const zero = await get('/v4/anime/0')
      t.equal(zero.status, 400)
      t.same(JSON.parse(zero.body).messages, { id: ['The id must be at least 1.'] })
      for (const id of ['abc', '-1', '1.5', '99999999999999999999999']) {
        const res = await get(`/v4/anime/${id}`)
        t.ok(res.status === 400 || res.status === 404, `${id}: ${res.status}`)
        t.equal(JSON.parse(res.body).status, res.status, `${id}: Jikan's shape`)
      }
    })

    t.test('a catalogue update between requests: answers follow the new version, while it loads and after', async (t) => {
      await turns()
      t.equal(JSON.parse((await get('/v4/anime/100001')).body).data.title, 'Anime 1')
      await importCatalogueFile(dir, writeAod(dir, [aodRecord(1, { title: 'Renamed', studios: ['studio 1'], producers: ['common'] }), aodRecord(2, { studios: ['a new studio'] }), aodRecord(4)]))
      app.catalogueWatcher.refresh()
      // The version is re-read every few milliseconds (recentVersion).
      await new Promise((resolve) => setTimeout(resolve, 20))
      for (const when of ['while it loads', 'once held']) {
        t.equal(JSON.parse((await get('/v4/anime/100001')).body).data.title, 'Renamed', `${when}: the new title`)
        t.same(JSON.parse((await get('/v4/anime/100002')).body).data.studios.map((s: { name: string }) => s.name), ['a new studio'], `${when}: the new studio`)
        t.equal((await get('/v4/anime/100003')).status, 404, `${when}: a removed entry is gone`)
        t.equal(JSON.parse((await get('/v4/anime/100004')).body).data.title, 'Anime 4', `${when}: a new entry is there`)
        await turns()
      }
    })
  })
}
