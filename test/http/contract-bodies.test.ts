// The old service's general rules (docs/compatibility.md): request bodies (types, parse errors, non-objects), on the POST endpoints.
import t from 'tap'
import { buildApp } from '../helpers/app.js'

const fast = { passwordScryptN: 1024 }

t.test('unsupported body types are 415, the type echoed as sent', async (t) => {
  const app = await buildApp(t, fast)
  for (const type of ['text/plain', 'text/plain; charset=utf-8', 'application/xml', 'image/png', 'application/jsonx']) {
    const res = await app.inject({ method: 'POST', url: '/account/login', headers: { 'content-type': type }, payload: 'username=a' })
    t.equal(res.statusCode, 415, type)
    t.same(res.json(), { detail: `Unsupported media type "${type}" in request.` })
  }
})

t.test('malformed JSON is 400 JSON parse error', async (t) => {
  const app = await buildApp(t, fast)
  for (const payload of ['{bad', '{"username": "a",}', '{"a":1', "{'a':1}", 'nul', '{"a":"\\x"}']) {
    const res = await app.inject({ method: 'POST', url: '/account/login', headers: { 'content-type': 'application/json' }, payload })
    t.equal(res.statusCode, 400, payload)
    t.match(res.json(), { detail: /^JSON parse error - .+/ }, payload)
    t.same(Object.keys(res.json()), ['detail'])
  }
})

t.test('a JSON body that is not an object is 400 in DRF words', async (t) => {
  const app = await buildApp(t, fast)
  const cases: Array<[string, string]> = [['[]', 'list'], ['[1,2]', 'list'], ['"text"', 'str'], ['12', 'int'], ['1.5', 'float'], ['true', 'bool'], ['false', 'bool']]
  for (const url of ['/account/login', '/account/register']) {
    for (const [payload, name] of cases) {
      const res = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload })
      t.equal(res.statusCode, 400, `${url} ${payload}`)
      t.same(res.json(), { non_field_errors: [`Invalid data. Expected a dictionary, but got ${name}.`] })
    }
    const nul = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: 'null' })
    t.equal(nul.statusCode, 400)
    t.same(nul.json(), { non_field_errors: ['No data provided'] })
  }
})

t.test('an empty body is an empty object: each required field missing', async (t) => {
  const app = await buildApp(t, fast)
  const required = ['This field is required.']
  for (const headers of [{}, { 'content-type': 'application/json' }, { 'content-type': 'application/x-www-form-urlencoded' }]) {
    const res = await app.inject({ method: 'POST', url: '/account/register', headers, payload: '' })
    t.equal(res.statusCode, 400)
    t.same(res.json(), { username: required, email: required, password: required })
    t.same(Object.keys(res.json()), ['username', 'email', 'password'], 'field order of the endpoint')
    const login = await app.inject({ method: 'POST', url: '/account/login', headers, payload: '' })
    t.same(login.json(), { username: required, password: required })
  }
})

t.test('JSON, form-urlencoded and multipart bodies are accepted alike; unknown keys are ignored', async (t) => {
  const app = await buildApp(t, fast)
  const json = await app.inject({ method: 'POST', url: '/account/register', payload: { username: 'jsonuser', email: 'j@example.com', password: 'pw-json', extra: [1, { a: 2 }] } })
  t.equal(json.statusCode, 200, json.body)
  const form = await app.inject({
    method: 'POST',
    url: '/account/register',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'username=formuser&email=f%40example.com&password=pw+form&extra=1'
  })
  t.equal(form.statusCode, 200, form.body)
  const boundary = '----anime-api-test'
  const part = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
  const multipart = await app.inject({
    method: 'POST',
    url: '/account/register',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: part('username', 'multiuser') + part('email', 'm@example.com') + part('password', 'pw multi') + part('extra', 'x') + `--${boundary}--\r\n`
  })
  t.equal(multipart.statusCode, 200, multipart.body)
  for (const [username, password] of [['jsonuser', 'pw-json'], ['formuser', 'pw form'], ['multiuser', 'pw multi']]) {
    const login = await app.inject({ method: 'POST', url: '/account/login', payload: { username, password } })
    t.equal(login.statusCode, 200, `${username} logs in`)
  }
})

t.test('POST endpoints: wrong methods are 405, trailing slashes 404, OPTIONS 200', async (t) => {
  const app = await buildApp(t, fast)
  for (const path of ['/account/register', '/account/login', '/account/logout', '/account/logoutall']) {
    const get = await app.inject(path)
    t.equal(get.statusCode, 405, path)
    t.same(get.json(), { detail: 'Method "GET" not allowed.' })
    t.equal(get.headers.allow, 'POST, OPTIONS')
    const options = await app.inject({ method: 'OPTIONS', url: path })
    t.equal(options.statusCode, 200)
    t.equal(options.headers.allow, 'POST, OPTIONS')
    const slash = await app.inject({ method: 'POST', url: `${path}/`, payload: {} })
    t.equal(slash.statusCode, 404, `${path}/`)
    t.same(slash.json(), { detail: 'Not found.' })
  }
})
