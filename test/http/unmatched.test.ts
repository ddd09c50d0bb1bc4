// Requests no route matched (404, 405, OPTIONS) are answered by a scope of their
// own (src/plugins/errors.ts, `unmatched`), and negotiation and the HTML page are
// hooks of the routes that offer them, not of every request: each kind of answer
// keeps its shape and headers, HEAD and the JSON-only /v4 routes included.
import t from 'tap'
import { buildApp } from '../helpers/app.js'

const jsonSecurity = { 'x-content-type-options': 'nosniff', 'content-security-policy': "default-src 'none'; frame-ancestors 'none'" }

t.test('unmatched requests and the hooks of routes', async (t) => {
  const app = await buildApp(t)

  t.test('an unknown path: 404 in the contract shape, with CORS and the JSON security headers', async (t) => {
    const res = await app.inject('/no/such/path')
    t.equal(res.statusCode, 404)
    t.same(res.json(), { detail: 'Not found.' })
    t.match(res.headers, { 'access-control-allow-origin': '*', 'content-type': 'application/json; charset=utf-8', ...jsonSecurity })
  })

  t.test('a wrong method: 405 with Allow; OPTIONS: 200 with Allow', async (t) => {
    const wrong = await app.inject({ method: 'POST', url: '/anime/entry/1' })
    t.equal(wrong.statusCode, 405)
    t.same(wrong.json(), { detail: 'Method "POST" not allowed.' })
    t.match(wrong.headers, { allow: 'GET, HEAD, OPTIONS', 'access-control-allow-origin': '*', ...jsonSecurity })
    const options = await app.inject({ method: 'OPTIONS', url: '/anime/random' })
    t.equal(options.statusCode, 200)
    t.match(options.json(), { name: '/anime/random', renders: ['application/json', 'text/html'] })
    t.match(options.headers, { allow: 'GET, HEAD, OPTIONS', 'access-control-allow-origin': '*', ...jsonSecurity })
  })

  t.test('a CORS preflight of an unmatched request: 204 with the allowed methods', async (t) => {
    const res = await app.inject({ method: 'OPTIONS', url: '/anime/entry/1', headers: { origin: 'http://a.example', 'access-control-request-method': 'GET' } })
    t.equal(res.statusCode, 204)
    t.match(res.headers, { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS', ...jsonSecurity })
  })

  t.test('unmatched requests negotiate as routes do: the HTML page, and 404 for an unknown format', async (t) => {
    const page = await app.inject({ method: 'PUT', url: '/anime/search?format=api' })
    t.equal(page.statusCode, 405)
    t.equal(page.headers['content-type'], 'text/html; charset=utf-8')
    t.equal(page.headers['x-frame-options'], 'SAMEORIGIN')
    t.match(page.body, 'HTTP 405 Method Not Allowed\nAllow: GET, HEAD, OPTIONS')
    const browser = await app.inject({ url: '/no/such/path', headers: { accept: 'text/html' } })
    t.equal(browser.statusCode, 404)
    t.equal(browser.headers['content-type'], 'text/html; charset=utf-8')
    // An unknown format: the same 404, and the same headers, as on a route.
    const unmatched = await app.inject({ method: 'POST', url: '/anime/entry/1?format=xml' })
    const matched = await app.inject('/anime/entry/1?format=xml')
    t.equal(unmatched.statusCode, 404)
    t.same(unmatched.json(), { detail: 'Not found.' })
    t.same(Object.keys(unmatched.headers).filter((name) => name !== 'date'), Object.keys(matched.headers).filter((name) => name !== 'date'))
    t.match(unmatched.headers, { 'access-control-allow-origin': '*', ...jsonSecurity })
  })

  t.test('HEAD of the hot routes: the GET answer\'s headers, no body', async (t) => {
    for (const url of ['/anime/entry/1', '/anime/random', '/v4/anime/1']) {
      const head = await app.inject({ method: 'HEAD', url })
      t.equal(head.statusCode, 200, url)
      t.equal(head.body, '', url)
      t.match(head.headers, { 'access-control-allow-origin': '*', 'content-type': 'application/json; charset=utf-8', ...jsonSecurity }, url)
      t.ok(head.headers['cache-control'], url)
    }
  })

  t.test('the HTML page on a route that negotiates, JSON always on a JSON-only one', async (t) => {
    const entry = await app.inject({ url: '/anime/entry/1', headers: { accept: 'text/html' } })
    t.equal(entry.statusCode, 200)
    t.equal(entry.headers['content-type'], 'text/html; charset=utf-8')
    const missing = await app.inject({ url: '/anime/entry/999999?format=api' })
    t.equal(missing.statusCode, 404)
    t.equal(missing.headers['content-type'], 'text/html; charset=utf-8')
    const jikan = await app.inject({ url: '/v4/anime/1?format=api', headers: { accept: 'text/html' } })
    t.equal(jikan.statusCode, 200)
    t.equal(jikan.headers['content-type'], 'application/json; charset=utf-8')
    t.match(jikan.headers, jsonSecurity)
  })
})

t.test('a CORS preflight is answered where an OPTIONS request can arrive: unmatched, and on /v4 whose catch-all takes it', async (t) => {
  const preflight = { origin: 'http://a.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-a' }
  for (const corsOrigins of [undefined, ['http://a.example']]) {
    const app = await buildApp(t, corsOrigins === undefined ? {} : { corsOrigins })
    for (const url of ['/anime/entry/1', '/v4/anime/1', '/no/such/path']) {
      const res = await app.inject({ method: 'OPTIONS', url, headers: preflight })
      t.equal(res.statusCode, 204, `${url}, ${String(corsOrigins)}`)
      t.match(res.headers, {
        'access-control-allow-origin': corsOrigins === undefined ? '*' : 'http://a.example',
        'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
        'access-control-allow-headers': 'x-a',
        'access-control-max-age': '86400'
      }, url)
    }
    // A plain OPTIONS request is not a preflight: 200 with Allow, as the old service answered.
    const plain = await app.inject({ method: 'OPTIONS', url: '/anime/entry/1', headers: { origin: 'http://a.example' } })
    t.equal(plain.statusCode, 200)
    t.equal(plain.headers.allow, 'GET, HEAD, OPTIONS')
  }
})
