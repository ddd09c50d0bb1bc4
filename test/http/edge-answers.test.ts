// Answers at the edges (issue 13, items 10, 11, 14): requests Node's parser
// refuses answer in the contract's shape; Strict-Transport-Security only over
// TLS as the trusted proxy reports it; the `?format=api` page links only within
// this origin and keeps the query.
import t, { type Test } from 'tap'
import net from 'node:net'
import fp from 'fastify-plugin'
import Fastify from 'fastify'
import app, { serverOptionsFor, type AppOptions } from '../../src/app.js'
import { resolveConfig } from '../../src/config.js'
import { aodRecord, writeAod } from '../helpers/aod.js'
import { tempDir } from '../helpers/app.js'

/** The app on a Fastify instance made as src/server.ts makes it, listening on 127.0.0.1. */
async function listening (t: Test, options: AppOptions = {}) {
  const dir = tempDir(t)
  const config = resolveConfig({ dataDir: dir, defaultCatalogue: writeAod(dir, [aodRecord(1)]), passwordScryptN: 1024, rateLimitMax: 0, ...options })
  const fastify = Fastify({ ...serverOptionsFor(config), logger: false, pluginTimeout: 120_000 })
  await fastify.register(fp(app), config)
  await fastify.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => fastify.close())
  return { fastify, port: (fastify.server.address() as net.AddressInfo).port }
}

/** Sends raw bytes; resolves with everything the server wrote before it closed the connection. */
function raw (port: number, request: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    let received = ''
    socket.on('data', (chunk) => { received += String(chunk) })
    socket.on('error', (error: NodeJS.ErrnoException) => { if (error.code === 'ECONNRESET' || error.code === 'EPIPE') resolve(received); else reject(error) })
    socket.on('close', () => resolve(received))
    socket.end(request)
  })
}

function parse (answer: string): { status: number, headers: Record<string, string>, body: string } {
  const [head = '', body = ''] = answer.split('\r\n\r\n')
  const [statusLine = '', ...lines] = head.split('\r\n')
  const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]))
  return { status: Number(statusLine.split(' ')[1]), headers, body }
}

t.test("requests Node's parser refuses are answered {\"detail\": …} (414, 431, 400), and the service keeps answering", async (t) => {
  const { port } = await listening(t)
  const cases: Array<[string, string, number]> = [
    ['a 60 kB URL', `GET /anime/search?q=${'a'.repeat(60_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414],
    ['16 kB of headers', `GET /anime/entry/1 HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 16 }, (_, i) => `X-Pad-${i}: ${'p'.repeat(1024)}\r\n`).join('')}\r\n`, 431],
    ['one 20 kB header', `GET /anime/entry/1 HTTP/1.1\r\nHost: x\r\nCookie: ${'c'.repeat(20_000)}\r\n\r\n`, 431],
    ['a malformed request line', 'GET /anime/entry/1 HTTP/9.9 extra\r\n\r\n', 400],
    ['a header without a colon', 'GET /anime/entry/1 HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n', 400],
    ['both Content-Length and chunked', 'POST /account/login HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400]
  ]
  for (const [name, request, status] of cases) {
    const answer = parse(await raw(port, request))
    t.equal(answer.status, status, name)
    t.match(answer.headers['content-type'], /^application\/json/, `${name}: JSON`)
    const body = JSON.parse(answer.body) as Record<string, unknown>
    t.same(Object.keys(body), ['detail'], `${name}: the contract's shape`)
    t.type(body.detail, 'string')
  }
  const after = await fetch(`http://127.0.0.1:${port}/anime/entry/1`)
  t.equal(after.status, 200, 'the service still answers')
})

t.test('what Node would answer itself (417 to an unknown Expect, a closed connection to CONNECT) is in the contract\'s shape too', async (t) => {
  const { port } = await listening(t)
  const expect = parse(await raw(port, 'GET /anime/entry/1 HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\n\r\n'))
  t.equal(expect.status, 417)
  t.same(Object.keys(JSON.parse(expect.body)), ['detail'])
  const connect = parse(await raw(port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'))
  t.equal(connect.status, 405)
  t.same(JSON.parse(connect.body), { detail: 'Method "CONNECT" not allowed.' })
  t.ok(connect.headers.allow, 'with Allow')
  t.equal((await fetch(`http://127.0.0.1:${port}/anime/entry/1`)).status, 200, 'the service still answers')
})

t.test('Strict-Transport-Security only when the request came over TLS, as a trusted proxy reports it', async (t) => {
  const direct = await listening(t)
  const trusted = await listening(t, { trustProxy: ['127.0.0.1'] })
  const hsts = async (port: number, url: string, headers: Record<string, string> = {}) =>
    (await fetch(`http://127.0.0.1:${port}${url}`, { headers })).headers.get('strict-transport-security')
  for (const url of ['/anime/entry/1?format=api', '/docs', '/anime/entry/1']) {
    t.equal(await hsts(direct.port, url), null, `${url}: plain HTTP, no HSTS`)
    t.equal(await hsts(direct.port, url, { 'x-forwarded-proto': 'https' }), null, `${url}: X-Forwarded-Proto from an untrusted address is ignored`)
    t.equal(await hsts(trusted.port, url, { 'x-forwarded-proto': 'http' }), null, `${url}: the proxy took it over plain HTTP`)
    t.match(await hsts(trusted.port, url, { 'x-forwarded-proto': 'https' }), /^max-age=\d+/, `${url}: the trusted proxy took it over TLS`)
  }
})

t.test('the ?format=api page links within this origin, keeps the query, and shows it', async (t) => {
  const { fastify } = await listening(t)
  const page = async (url: string) => {
    const res = await fastify.inject(url)
    t.match(res.headers['content-type'], /^text\/html/, url)
    const links = [...res.body.matchAll(/<a [^>]*href="([^"]*)"/g)].map((m) => m[1]!.replaceAll('&amp;', '&'))
    const heading = /<p class="req">(.*?)<\/p>/.exec(res.body)?.[1] ?? ''
    return { links, heading }
  }
  for (const url of ['//evil.example/x?format=api', '/\\evil.example/x?format=api', '///evil.example?format=api', '/anime/search?q=tokyo&format=api&type=TV']) {
    const { links } = await page(url)
    t.ok(links.length > 0, `${url}: a link`)
    for (const link of links) {
      const base = `http://api.example${url}`
      t.equal(new URL(link, base).origin, 'http://api.example', `${url}: ${link} stays on this origin`)
    }
  }
  const search = await page('/anime/search?q=tokyo&format=api&type=TV')
  const json = new URL(search.links[0]!, 'http://api.example/anime/search?q=tokyo&format=api&type=TV')
  t.equal(json.pathname, '/anime/search')
  t.same([...json.searchParams].sort(), [['format', 'json'], ['q', 'tokyo'], ['type', 'TV']], 'the rest of the query is kept')
  const fetched = await fastify.inject(json.pathname + json.search)
  t.match(fetched.headers['content-type'], /^application\/json/, 'the link is the same answer as JSON')
  t.match(search.heading, /\/anime\/search\?q=tokyo&amp;format=api&amp;type=TV/, 'the heading shows the query string')
})
