// Hardening: security headers (and the two HTML pages still working under their
// CSP), CORS, the global rate limit in the old service's 429 shape, body size limit,
// request timeouts, trusted proxies, and the settings behind them.
import t, { type Test } from 'tap'
import net from 'node:net'
import fp from 'fastify-plugin'
import Fastify from 'fastify'
import app, { serverOptionsFor, type AppOptions } from '../../src/app.js'
import { ConfigError, loadConfig, resolveConfig } from '../../src/config.js'
import { aodRecord, writeAod } from '../helpers/aod.js'
import { buildApp, tempDir } from '../helpers/app.js'

async function fixtureApp (t: Test, options: AppOptions = {}) {
  const dir = tempDir(t)
  return buildApp(t, { dataDir: dir, defaultCatalogue: writeAod(dir, [aodRecord(1), aodRecord(2)]), ...options })
}

/** The app on a Fastify instance made as src/server.ts makes it: body limit, timeouts, proxies from the config. */
async function serverApp (t: Test, options: AppOptions) {
  const dir = tempDir(t)
  const config = resolveConfig({ dataDir: dir, defaultCatalogue: writeAod(dir, [aodRecord(1), aodRecord(2)]), passwordScryptN: 1024, ...options })
  const fastify = Fastify({ ...serverOptionsFor(config), logger: false })
  await fastify.register(fp(app), config)
  await fastify.ready()
  t.teardown(() => fastify.close())
  return fastify
}

const cspOf = (header: unknown): Map<string, string[]> =>
  new Map(String(header).split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0] !== '').map(([name, ...values]) => [name!, values]))

t.test('security headers: helmet\'s full set on HTML pages, the ones that matter on JSON answers', async (t) => {
  const api = await fixtureApp(t)
  for (const url of ['/anime/entry/1', '/anime/entry/999', '/nowhere', '/health', '/anime/random']) {
    const res = await api.inject(url)
    t.match(res.headers['content-type'], /^application\/json/, url)
    t.equal(res.headers['x-content-type-options'], 'nosniff', url)
    const csp = cspOf(res.headers['content-security-policy'])
    t.same(csp.get('default-src'), ["'none'"], `${url}: a JSON answer is nothing to render`)
    t.same(csp.get('frame-ancestors'), ["'none'"], `${url}: nor to frame`)
  }
  for (const request of [{ url: '/docs' }, { url: '/anime/entry/1?format=api' }, { url: '/nowhere?format=api' }, { url: '/anime/random', headers: { accept: 'text/html' } }]) {
    const res = await api.inject(request)
    t.match(res.headers['content-type'], /^text\/html/, request.url)
    t.equal(res.headers['x-content-type-options'], 'nosniff', request.url)
    t.equal(res.headers['x-frame-options'], 'SAMEORIGIN', request.url)
    t.equal(res.headers['referrer-policy'], 'no-referrer', request.url)
    t.equal(res.headers['cross-origin-resource-policy'], 'cross-origin', request.url)
    t.equal(res.headers['strict-transport-security'], undefined, `${request.url}: plain HTTP, no HSTS (see test/http/edge-answers.test.ts)`)
    const csp = cspOf(res.headers['content-security-policy'])
    t.same(csp.get('default-src'), ["'self'"], request.url)
    t.notOk(csp.has('upgrade-insecure-requests'), `${request.url}: plain-http installs keep working`)
  }
})

t.test('/docs renders under the CSP: every script comes from this origin, none inline', async (t) => {
  const api = await fixtureApp(t)
  const page = await api.inject('/docs')
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /^text\/html/)
  const csp = cspOf(page.headers['content-security-policy'])
  t.same(csp.get('script-src'), ["'self'"])
  t.ok(csp.get('style-src')?.includes("'unsafe-inline'"), 'swagger-ui sets inline styles')
  t.ok(csp.get('img-src')?.includes('data:'), 'swagger-ui draws data: images')
  t.notOk(csp.has('upgrade-insecure-requests'))
  const scripts = [...page.body.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)]
  t.ok(scripts.length >= 2, 'the page loads its scripts')
  for (const [, attributes, content] of scripts) {
    const src = /src="([^"]+)"/.exec(attributes!)?.[1]
    t.ok(src !== undefined && !/^[a-z]+:|^\/\//i.test(src), `same-origin script ${src}`)
    t.equal(content!.trim(), '', 'no inline code (script-src has no unsafe-inline)')
    const url = new URL(src!, 'http://localhost/docs/').pathname
    const asset = await api.inject(url)
    t.equal(asset.statusCode, 200, `${url} is served`)
    t.match(asset.headers['content-type'], /javascript/)
  }
  for (const href of [...page.body.matchAll(/<link[^>]+href="([^"]+)"/g)].map((m) => m[1]!)) {
    t.ok(!/^[a-z]+:|^\/\//i.test(href), `same-origin ${href}`)
  }
  const initializer = await api.inject('/docs/static/swagger-initializer.js')
  t.match(initializer.body, /\.\/json/, 'the UI loads the document from this origin (connect-src self)')
  const document = await api.inject('/docs/json')
  t.equal(document.statusCode, 200)
})

t.test('the ?format=api page renders under the CSP: no scripts, inline style allowed', async (t) => {
  const api = await fixtureApp(t)
  const page = await api.inject('/anime/entry/1?format=api')
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /^text\/html/)
  t.notMatch(page.body, /<script/i)
  t.match(page.body, /<style>/)
  t.ok(cspOf(page.headers['content-security-policy']).get('style-src')?.includes("'unsafe-inline'"))
})

t.test('CORS: every origin by default; a preflight is answered; a plain OPTIONS keeps the old service\'s 200 with Allow', async (t) => {
  const api = await fixtureApp(t)
  const get = await api.inject({ url: '/anime/entry/1', headers: { origin: 'https://app.example' } })
  t.equal(get.headers['access-control-allow-origin'], '*')
  const preflight = await api.inject({
    method: 'OPTIONS',
    url: '/account/logout',
    headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' }
  })
  t.equal(preflight.statusCode, 204)
  t.equal(preflight.body, '')
  t.equal(preflight.headers['access-control-allow-origin'], '*')
  t.match(preflight.headers['access-control-allow-methods'], /\bPOST\b/)
  t.equal(preflight.headers['access-control-allow-headers'], 'authorization, content-type')
  t.ok(Number(preflight.headers['access-control-max-age']) > 0)

  const plain = await api.inject({ method: 'OPTIONS', url: '/anime/entry/1' })
  t.equal(plain.statusCode, 200)
  t.equal(plain.headers.allow, 'GET, HEAD, OPTIONS')
  t.equal(plain.json().name, '/anime/entry/1')
  const withOrigin = await api.inject({ method: 'OPTIONS', url: '/account/login', headers: { origin: 'https://app.example' } })
  t.equal(withOrigin.statusCode, 200, 'Origin alone (no Access-Control-Request-Method) is no preflight')
  t.equal(withOrigin.headers.allow, 'POST, OPTIONS')
  t.equal((await api.inject({ method: 'OPTIONS', url: '/nowhere' })).statusCode, 404)
})

t.test('CORS_ORIGINS: only the listed origins are allowed', async (t) => {
  const api = await fixtureApp(t, { corsOrigins: ['https://app.example', 'http://localhost:3000'] })
  const allowed = await api.inject({ url: '/anime/entry/1', headers: { origin: 'http://localhost:3000' } })
  t.equal(allowed.headers['access-control-allow-origin'], 'http://localhost:3000')
  t.match(allowed.headers.vary, /Origin/)
  const other = await api.inject({ url: '/anime/entry/1', headers: { origin: 'https://evil.example' } })
  t.equal(other.statusCode, 200, 'the answer itself is the same (CORS is enforced by browsers)')
  t.equal(other.headers['access-control-allow-origin'], undefined)
  const preflight = await api.inject({ method: 'OPTIONS', url: '/anime/entry/1', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } })
  t.equal(preflight.headers['access-control-allow-origin'], undefined)
  t.equal(preflight.headers['access-control-allow-methods'], undefined)
  const good = await api.inject({ method: 'OPTIONS', url: '/anime/entry/1', headers: { origin: 'https://app.example', 'access-control-request-method': 'GET' } })
  t.equal(good.statusCode, 204)
  t.equal(good.headers['access-control-allow-origin'], 'https://app.example')
})

t.test('the global rate limit answers the old service\'s 429 with Retry-After, per client address', async (t) => {
  const api = await fixtureApp(t, { rateLimitMax: 3, rateLimitWindowMs: 30_000 })
  for (let i = 0; i < 3; i++) t.equal((await api.inject('/anime/entry/1')).statusCode, 200)
  for (const request of [{ url: '/anime/random' }, { url: '/anime/entry/2?format=api' }, { method: 'POST' as const, url: '/account/login', payload: {} }]) {
    const res = await api.inject(request)
    t.equal(res.statusCode, 429, request.url)
    t.match(res.headers['content-type'], request.url.includes('format=api') ? /^text\/html/ : /^application\/json/)
    const seconds = Number(res.headers['retry-after'])
    t.ok(seconds >= 1 && seconds <= 30, `Retry-After: ${seconds}`)
    const detail = `Request was throttled. Expected available in ${seconds} ${seconds === 1 ? 'second' : 'seconds'}.`
    // The browsable page (?format=api) carries the same detail in its HTML.
    if (request.url.includes('format=api')) t.ok(res.body.includes(detail), 'the page says why')
    else t.same(res.json(), { detail })
  }
  const elsewhere = await api.inject({ url: '/anime/entry/1', remoteAddress: '10.1.2.3' })
  t.equal(elsewhere.statusCode, 200, 'another address has its own count')
  t.equal((await api.inject('/openapi.json')).statusCode, 200, 'the API documents are not limited')
})

t.test('TRUST_PROXY: X-Forwarded-For names the client only behind a trusted proxy', async (t) => {
  const trusting = await serverApp(t, { rateLimitMax: 1, trustProxy: ['127.0.0.1'] })
  const from = (address: string) => trusting.inject({ url: '/anime/entry/1', headers: { 'x-forwarded-for': address } })
  t.equal((await from('203.0.113.1')).statusCode, 200)
  t.equal((await from('203.0.113.2')).statusCode, 200, 'another client behind the proxy')
  t.equal((await from('203.0.113.1')).statusCode, 429)
  const direct = await serverApp(t, { rateLimitMax: 1 })
  t.equal((await direct.inject({ url: '/anime/entry/1', headers: { 'x-forwarded-for': '203.0.113.1' } })).statusCode, 200)
  t.equal((await direct.inject({ url: '/anime/entry/1', headers: { 'x-forwarded-for': '203.0.113.2' } })).statusCode, 429, 'a forged header changes nothing')
})

t.test('BODY_LIMIT: a larger body is 413 in the contract\'s shape, JSON and form alike', async (t) => {
  const api = await serverApp(t, { bodyLimit: 2048 })
  const big = 'x'.repeat(3000)
  const json = await api.inject({ method: 'POST', url: '/account/login', payload: { username: 'u', password: big } })
  t.equal(json.statusCode, 413)
  t.same(Object.keys(json.json()), ['detail'])
  const form = await api.inject({ method: 'POST', url: '/account/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `username=u&password=${big}` })
  t.equal(form.statusCode, 413)
  const small = await api.inject({ method: 'POST', url: '/account/login', payload: { username: 'u', password: 'p' } })
  t.equal(small.statusCode, 400, 'under the limit: read and answered as usual')
})

t.test('REQUEST_TIMEOUT: a client that stops sending mid-request is disconnected', async (t) => {
  const api = await serverApp(t, { requestTimeoutMs: 400 })
  await api.listen({ host: '127.0.0.1', port: 0 })
  const { port } = api.server.address() as net.AddressInfo
  // Closed by the server when the socket's timeout (REQUEST_TIMEOUT) fired, not by the client nor on another error.
  const serverSide = new Promise<string[]>((resolve) => {
    api.server.once('connection', (socket: net.Socket) => {
      const events: string[] = []
      socket.on('timeout', () => events.push('timeout'))
      socket.on('close', () => { events.push('close'); resolve(events) })
    })
  })
  const received = await new Promise<string>((resolve) => {
    let text = ''
    const socket = net.connect(port, '127.0.0.1', () => socket.write('POST /account/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"user'))
    socket.on('data', (chunk) => { text += String(chunk) })
    socket.on('error', () => {})
    socket.on('close', () => resolve(text))
  })
  t.same(await serverSide, ['timeout', 'close'], 'the server timed the connection out, then closed it')
  t.equal(received, '', 'the half-sent request got no answer')
})

t.test('settings: CORS_ORIGINS, CACHE_MAX_AGE, RATE_LIMIT_*, BODY_LIMIT, REQUEST_TIMEOUT, SHUTDOWN_TIMEOUT, TRUST_PROXY', async (t) => {
  const defaults = loadConfig({})
  t.same({
    corsOrigins: defaults.corsOrigins,
    cacheMaxAge: defaults.cacheMaxAge,
    rateLimitMax: defaults.rateLimitMax,
    rateLimitWindowMs: defaults.rateLimitWindowMs,
    bodyLimit: defaults.bodyLimit,
    requestTimeoutMs: defaults.requestTimeoutMs,
    shutdownTimeoutMs: defaults.shutdownTimeoutMs,
    trustProxy: defaults.trustProxy
  }, { corsOrigins: null, cacheMaxAge: 300, rateLimitMax: 1000, rateLimitWindowMs: 60_000, bodyLimit: 1 << 20, requestTimeoutMs: 30_000, shutdownTimeoutMs: 10_000, trustProxy: false })

  const config = loadConfig({
    CORS_ORIGINS: 'https://app.example, http://localhost:3000/',
    CACHE_MAX_AGE: '1h',
    RATE_LIMIT_MAX: '50',
    RATE_LIMIT_WINDOW: '10s',
    BODY_LIMIT: '64kb',
    REQUEST_TIMEOUT: '5s',
    SHUTDOWN_TIMEOUT: '30s',
    TRUST_PROXY: '127.0.0.1, 10.0.0.0/8, loopback'
  })
  t.same(config.corsOrigins, ['https://app.example', 'http://localhost:3000'])
  t.equal(config.cacheMaxAge, 3600)
  t.equal(config.rateLimitMax, 50)
  t.equal(config.rateLimitWindowMs, 10_000)
  t.equal(config.bodyLimit, 65536)
  t.equal(config.requestTimeoutMs, 5000)
  t.equal(config.shutdownTimeoutMs, 30_000)
  t.same(config.trustProxy, ['127.0.0.1', '10.0.0.0/8', 'loopback'])

  t.equal(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins, null)
  t.equal(loadConfig({ CACHE_MAX_AGE: '0' }).cacheMaxAge, 0)
  t.equal(loadConfig({ CACHE_MAX_AGE: '90' }).cacheMaxAge, 90, 'a bare number is seconds')
  t.equal(loadConfig({ RATE_LIMIT_MAX: '0' }).rateLimitMax, 0, '0 turns the global limit off')
  t.equal(loadConfig({ RATE_LIMIT_MAX: 'off' }).rateLimitMax, 0)
  t.equal(loadConfig({ BODY_LIMIT: '2mb' }).bodyLimit, 2 << 20)
  t.equal(loadConfig({ BODY_LIMIT: '4096' }).bodyLimit, 4096)
  t.equal(loadConfig({ REQUEST_TIMEOUT: 'off' }).requestTimeoutMs, 0)
  t.equal(loadConfig({ TRUST_PROXY: 'true' }).trustProxy, true)
  t.equal(loadConfig({ TRUST_PROXY: 'false' }).trustProxy, false)
  t.equal(loadConfig({ TRUST_PROXY: '::1' }).trustProxy?.toString(), '::1')

  for (const [variable, value] of [
    ['CORS_ORIGINS', 'app.example'], ['CORS_ORIGINS', 'https://app.example/path'], ['CORS_ORIGINS', 'ftp://x.example'],
    ['CACHE_MAX_AGE', 'soon'], ['RATE_LIMIT_MAX', '-1'], ['RATE_LIMIT_MAX', 'many'], ['RATE_LIMIT_WINDOW', '0'],
    ['BODY_LIMIT', '10'], ['BODY_LIMIT', '2gb'], ['BODY_LIMIT', 'big'], ['REQUEST_TIMEOUT', 'slow'],
    ['SHUTDOWN_TIMEOUT', '0'], ['SHUTDOWN_TIMEOUT', 'never'], ['TRUST_PROXY', '2'], ['TRUST_PROXY', 'proxy.example'], ['TRUST_PROXY', '10.0.0.0/33']
  ] as const) {
    let thrown: unknown
    try { loadConfig({ [variable]: value }) } catch (error) { thrown = error }
    t.ok(thrown instanceof ConfigError && thrown.variable === variable, `${variable}=${value}: ${String(thrown)}`)
  }
})
