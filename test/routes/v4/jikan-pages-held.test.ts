// Jikan's lists (/v4/anime search, /v4/top/anime, the seasons) joined from the
// held resources (src/jikan/resources.ts) as bytes: the same page as while they
// load, each item the entry's own /v4/anime/{id} resource, company URLs at the
// asking origin; bad parameters as Jikan answers them; after a catalogue
// update, the new version's entries while it loads and once held; many pages
// at once over keep-alive connections (their buffers are reused once sent).
import t, { type Test } from 'tap'
import { buildApp, tempDir } from '../../helpers/app.js'
import { aodRecord, writeAod } from '../../helpers/aod.js'
import { importCatalogueFile } from '../../../src/catalogue/import.js'
import http from 'node:http'
import net from 'node:net'
import { listen, send } from '../../helpers/sockets.js'

/** Lets the service's slices (setImmediate) run: a small catalogue loads in a few turns. */
const turns = async (n = 20): Promise<void> => { for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve)) }

const dir = tempDir(t)
const records = [1, 2, 3, 4, 5].map((n) => aodRecord(n, { title: `Story "${n}" \\ 東京`, studios: [`studio ${n}`], producers: ['common'] }))
const app = await buildApp(t, { dataDir: dir, defaultCatalogue: writeAod(dir, records) })

async function get (url: string, host = 'one.example') {
  const res = await app.inject({ method: 'GET', url, headers: { host } })
  return { status: res.statusCode, body: res.body, headers: res.headers }
}

const pages = ['/v4/anime?q=story', '/v4/anime?q=story&limit=2&page=2', '/v4/anime?q=story&limit=2&page=9', '/v4/anime?q=nothing', '/v4/top/anime', '/v4/anime']

/** Each item of a page is, byte for byte, the entry's own resource at the same origin. */
async function itemsAreResources (t: Test, url: string, body: string, host: string): Promise<void> {
  const page = JSON.parse(body) as { data: Array<{ mal_id: number }> }
  t.equal(body, JSON.stringify(page), `${url}: compact JSON, joined whole`)
  for (const item of page.data) {
    const own = await get(`/v4/anime/${item.mal_id}`, host)
    t.equal(`{"data":${JSON.stringify(item)}}`, own.body, `${url}: item ${item.mal_id}`)
  }
}

t.test('held or built, the same page; items are the entries\' resources', async (t) => {
  // The first requests may come before the resources are held (built); the later ones after.
  const first = await Promise.all(pages.map(async (url) => await get(url)))
  await turns()
  for (const [i, url] of pages.entries()) {
    const later = await get(url)
    t.equal(later.status, 200, url)
    t.equal(later.body, first[i]!.body, `${url}: the same bytes`)
    t.equal(later.headers['content-type'], 'application/json; charset=utf-8', url)
    t.equal(later.headers['content-length'], String(Buffer.byteLength(later.body)), url)
    await itemsAreResources(t, url, later.body, 'one.example')
    const elsewhere = await get(url, 'two.example:8080')
    t.equal(elsewhere.body, later.body.replaceAll('http://one.example', 'http://two.example:8080'), `${url}: another origin, its own URLs`)
    await itemsAreResources(t, url, elsewhere.body, 'two.example:8080')
  }
  const search = JSON.parse((await get('/v4/anime?q=story&limit=2&page=2')).body)
  t.equal(search.data.length, 2)
  t.same(search.pagination, { last_visible_page: 3, has_next_page: true, current_page: 2, items: { count: 2, total: 5, per_page: 2 } })
  t.same(JSON.parse((await get('/v4/anime?q=story&limit=2&page=9')).body).data, [], 'a page past the end is empty, as Jikan answers')
})

t.test('bad parameters, with the resources held', async (t) => {
  await turns()
  for (const url of ['/v4/anime?limit=26', '/v4/anime?page=0', '/v4/anime?limit=abc', '/v4/anime?order_by=nonsense']) {
    const res = await get(url)
    t.equal(res.status, 400, url)
    t.equal(JSON.parse(res.body).status, 400, `${url}: Jikan's shape`)
  }
})

t.test('a catalogue update between requests: pages follow the new version, while it loads and after', async (t) => {
  await turns()
  t.equal(JSON.parse((await get('/v4/anime?q=story')).body).data.length, 5)
  await importCatalogueFile(dir, writeAod(dir, [aodRecord(1, { title: 'Renamed Tale', studios: ['studio 1'], producers: ['common'] }), ...records.slice(1, 3), aodRecord(6, { title: 'Story new' })]))
  app.catalogueWatcher.refresh()
  // The version is re-read every few milliseconds (recentVersion).
  await new Promise((resolve) => setTimeout(resolve, 20))
  for (const when of ['while it loads', 'once held']) {
    const story = JSON.parse((await get('/v4/anime?q=story')).body) as { data: Array<{ mal_id: number, title: string }> }
    t.same(story.data.map((a) => a.mal_id).sort(), [100002, 100003, 100006], `${when}: the new catalogue's matches`)
    const renamed = JSON.parse((await get('/v4/anime?q=renamed')).body) as { data: Array<{ mal_id: number, title: string }> }
    t.same(renamed.data.map((a) => [a.mal_id, a.title]), [[100001, 'Renamed Tale']], `${when}: the new title`)
    await itemsAreResources(t, `${when} /v4/anime?q=story`, (await get('/v4/anime?q=story')).body, 'one.example')
    await turns()
  }
})

t.test('pages answered at once over keep-alive connections, some clients going away: each answer its own page, byte for byte', async (t) => {
  // A catalogue of its own: pages of 25 (some 45 kB), over a page buffer's threshold.
  const own = tempDir(t)
  const many = await buildApp(t, { dataDir: own, defaultCatalogue: writeAod(own, Array.from({ length: 40 }, (_, n) => aodRecord(n + 1, { title: `Story ${n} ${'x'.repeat(n * 7)}`, studios: [`studio ${n % 4}`] }))) })
  await turns()
  const port = await listen(many)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 6 })
  t.teardown(() => { agent.destroy() })
  const fetch = async (url: string): Promise<string> => await new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: url, agent }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => { chunks.push(chunk) })
      res.on('end', () => { resolve(Buffer.concat(chunks).toString()) })
      res.on('error', reject)
    }).on('error', reject)
  })
  // Pages of 25 and of fewer, in both orders.
  const urls = ['/v4/anime?q=story', '/v4/anime?q=story&order_by=title&sort=desc', '/v4/top/anime', '/v4/anime?limit=2&page=2', '/v4/anime?page=2']
  const alone = new Map<string, string>()
  for (const url of urls) alone.set(url, await fetch(url))
  const largest = Math.max(...[...alone.values()].map((body) => Buffer.byteLength(body)))
  t.ok(largest > 32768, `the largest page (${largest} bytes) is written into a page buffer`)
  const gone = Array.from({ length: 10 }, () => send(port, urls[0]!, {}, { method: 'GET' }))
  const goneAnswers = gone.map(async (request) => await request.answer.catch(() => undefined))
  for (const request of gone) request.abandon()
  const answers = await Promise.all(Array.from({ length: 300 }, async (_, i) => {
    const url = urls[i % urls.length]!
    return { url, body: await fetch(url) }
  }))
  await Promise.all(goneAnswers)
  t.same(answers.filter(({ url, body }) => body !== alone.get(url)).map(({ url }) => url), [], 'every answer equals its page asked alone')
  t.equal(answers.length, 300)

  // A client that asks for many pages at once on one connection and reads none for a while: once the
  // socket's buffers are full, the answers wait in the service, and their page buffers must not be
  // written into by the pages others ask for meanwhile.
  const slow = net.connect(port, '127.0.0.1')
  slow.pause()
  const asked = 400
  slow.write(`GET ${urls[0]!} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`.repeat(asked))
  await new Promise((resolve) => setTimeout(resolve, 200))
  const meanwhile = await Promise.all(Array.from({ length: 100 }, async (_, i) => await fetch(urls[(i % (urls.length - 1)) + 1]!)))
  t.equal(meanwhile.length, 100)
  const expected = alone.get(urls[0]!)!
  /** The answers' bodies read so far (each answer: its head, then content-length bytes). */
  const bodies: string[] = []
  await new Promise<void>((resolve, reject) => {
    let pending = Buffer.alloc(0)
    slow.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk])
      for (;;) {
        const headEnd = pending.indexOf('\r\n\r\n')
        if (headEnd < 0) break
        const size = Number(/content-length: (\d+)/i.exec(pending.subarray(0, headEnd).toString())?.[1])
        if (pending.length < headEnd + 4 + size) break
        bodies.push(pending.subarray(headEnd + 4, headEnd + 4 + size).toString())
        pending = pending.subarray(headEnd + 4 + size)
      }
      if (bodies.length >= asked) resolve()
    })
    slow.on('error', reject)
    slow.resume()
  })
  slow.destroy()
  t.equal(bodies.length, asked, 'every page asked for came')
  t.equal(bodies.filter((body) => body !== expected).length, 0, 'each of them its page, byte for byte')
})
