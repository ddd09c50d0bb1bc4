// docs/compatibility.md, accounts: POST /account/register and the field validation table.
import t from 'tap'
import { accountsApp, post, register } from '../helpers/accounts.js'

const url = '/account/register'
const good = { username: 'test', email: 'test@test.com', password: 'test' }

function multipart (fields: Record<string, string | { file: string }>) {
  const boundary = '----anime-api-test-boundary'
  let body = ''
  for (const [name, value] of Object.entries(fields)) {
    body += `--${boundary}\r\n`
    if (typeof value === 'string') {
      body += `Content-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
    } else {
      body += `Content-Disposition: form-data; name="${name}"; filename="x.txt"\r\nContent-Type: text/plain\r\n\r\n${value.file}\r\n`
    }
  }
  body += `--${boundary}--\r\n`
  return { payload: body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

t.test("the seed's example: username test, test@test.com, password test", async (t) => {
  const app = await accountsApp(t)
  const res = await post(app, url, good)
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^application\/json/)
  const body = res.json()
  t.same(Object.keys(body), ['user', 'token'])
  t.same(Object.keys(body.user), ['id', 'username', 'email'])
  t.same(body.user, { id: 1, username: 'test', email: 'test@test.com' })
  t.match(body.token, /^[0-9a-f]{64}$/)
  t.equal(res.body, JSON.stringify(body), 'compact JSON')

  const again = await post(app, url, good)
  t.equal(again.statusCode, 400)
  t.equal(again.body, '{"username":["A user with that username already exists."],"email":["A user with that email already exists."]}')

  const logout = await post(app, '/account/logout', undefined, { authorization: `Token ${body.token}` })
  t.equal(logout.statusCode, 204, 'the token of register is a login token like any other')
})

t.test('ids count up and are never given again', async (t) => {
  const app = await accountsApp(t)
  t.equal((await register(app, 'a')).user.id, 1)
  t.equal((await register(app, 'b')).user.id, 2)
})

t.test('each missing field is required, in field order; an empty body is an empty object', async (t) => {
  const app = await accountsApp(t)
  const required = ['This field is required.']
  for (const payload of [{}, undefined, '']) {
    const res = await app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json' } })
    t.equal(res.statusCode, 400)
    t.equal(res.body, JSON.stringify({ username: required, email: required, password: required }))
  }
  const res = await post(app, url, { password: 'x', email: 'a@b.cd' })
  t.same(res.json(), { username: required }, 'email is required (DRF answered 500)')
  t.same((await post(app, url, { username: 'x', password: 'x' })).json(), { email: required })
})

t.test('null, blank, wrong types, numbers as text', async (t) => {
  const app = await accountsApp(t)
  const cases: Array<[unknown, string[] | null]> = [
    [null, ['This field may not be null.']],
    ['', ['This field may not be blank.']],
    ['   \t\n', ['This field may not be blank.']],
    [{}, ['Not a valid string.']],
    [[], ['Not a valid string.']],
    [['test'], ['Not a valid string.']],
    [true, ['Not a valid string.']],
    [false, ['Not a valid string.']]
  ]
  for (const [value, messages] of cases) {
    const res = await post(app, url, { username: value, email: value, password: value })
    t.equal(res.statusCode, 400, JSON.stringify(value))
    const password = typeof value === 'string' && value.trim() === '' && value !== '' ? undefined : messages
    t.same(res.json(), password === undefined
      ? { username: messages, email: messages }
      : { username: messages, email: messages, password: messages }, JSON.stringify(value))
  }
  const numbers = await post(app, url, { username: 12345, email: 'n@test.com', password: 424242 })
  t.equal(numbers.statusCode, 200, 'numbers are taken as their text')
  t.same(numbers.json().user, { id: 1, username: '12345', email: 'n@test.com' })
  const login = await post(app, '/account/login', { username: '12345', password: '424242' })
  t.equal(login.statusCode, 200, 'the number became the password text')
  t.same((await post(app, url, { username: 1.5, email: 'f@test.com', password: 'x' })).json().user.username, '1.5')
})

t.test('usernames: length, characters, trimming, NFKC, case-insensitive uniqueness', async (t) => {
  const app = await accountsApp(t)
  const tooLong = 'a'.repeat(151)
  t.same((await post(app, url, { username: tooLong, email: 'a@test.com', password: 'x' })).json(),
    { username: ['Ensure this field has no more than 150 characters.'] })
  t.equal((await post(app, url, { username: 'é'.repeat(150), email: 'e@test.com', password: 'x' })).statusCode, 200,
    '150 characters, counted as characters not bytes or UTF-16 units')
  const invalid = 'Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.'
  for (const username of ['has space', 'semi;colon', 'slash/', 'emoji😀', 'tab\tinside', 'quote"', 'nul\u0000']) {
    const res = await post(app, url, { username, email: 'x@test.com', password: 'x' })
    t.equal(res.statusCode, 400, username)
    t.equal(res.json().username[0], invalid, username)
  }
  t.same((await post(app, url, { username: `${'!'.repeat(151)}`, email: 'x@test.com', password: 'x' })).json(),
    { username: [invalid, 'Ensure this field has no more than 150 characters.'] }, 'every failing rule is reported, in DRF order')
  for (const username of ['a.b@c+d-e_f', 'Ünïcödé', '日本語', 'x1']) {
    t.equal((await post(app, url, { username, email: `${username.length}${Math.random()}@test.com`, password: 'x' })).statusCode, 200, username)
  }

  const trimmed = await post(app, url, { username: '  spaced  ', email: ' spaced@test.com ', password: 'x' })
  t.same(trimmed.json().user, { id: trimmed.json().user.id, username: 'spaced', email: 'spaced@test.com' }, 'username and email are trimmed')

  const fullwidth = await post(app, url, { username: 'ｆｕｌｌ', email: 'full@test.com', password: 'x' })
  t.equal(fullwidth.json().user.username, 'full', 'stored NFKC-normalised')
  t.same((await post(app, url, { username: 'FULL', email: 'full2@test.com', password: 'x' })).json(),
    { username: ['A user with that username already exists.'] }, 'unique without regard to case')
  t.same((await post(app, url, { username: 'Ｆｕｌｌ', email: 'full3@test.com', password: 'x' })).json(),
    { username: ['A user with that username already exists.'] }, 'unique after NFKC')
  await register(app, 'straße', 'strasse@test.com')
  t.equal((await post(app, url, { username: 'STRASSE', email: 'strasse2@test.com', password: 'x' })).statusCode, 400, 'case folding: ß and SS')
})

t.test('emails: validity, length, case-insensitive uniqueness, domain lower-cased', async (t) => {
  const app = await accountsApp(t)
  const invalid = ['Enter a valid email address.']
  for (const email of ['plain', 'a@', '@b.com', 'a@b', 'a b@c.com', 'a@b..com', 'a@-b.com', 'a@b.c', 'a@[1.2.3]', 'a@@b.com', 'a.@b.com']) {
    t.same((await post(app, url, { username: 'u', email, password: 'x' })).json(), { email: invalid }, email)
  }
  let n = 0
  for (const email of ['a@localhost', 'x+tag@sub.example.co.uk', 'a@[127.0.0.1]', 'a@[::1]', '"quoted"@b.com', 'a@bücher.de', "o'neil@b.org"]) {
    t.equal((await post(app, url, { username: `ok${n++}`, email, password: 'x' })).statusCode, 200, email)
  }
  const long = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com`
  t.ok(long.length > 254)
  t.same((await post(app, url, { username: 'long', email: long, password: 'x' })).json(),
    { email: ['Ensure this field has no more than 254 characters.'] })
  t.same((await post(app, url, { username: 'long', email: `${'a'.repeat(260)}@b`, password: 'x' })).json(),
    { email: ['Ensure this field has no more than 254 characters.', 'Enter a valid email address.'] })

  const res = await post(app, url, { username: 'mixed', email: 'Mixed.Case@Example.COM', password: 'x' })
  t.equal(res.json().user.email, 'Mixed.Case@example.com', 'domain lower-cased as Django did')
  t.same((await post(app, url, { username: 'other', email: 'mixed.case@EXAMPLE.com', password: 'x' })).json(),
    { email: ['A user with that email already exists.'] }, 'unique without regard to case')
})

t.test('passwords: length limit, never trimmed, any characters', async (t) => {
  const app = await accountsApp(t)
  t.same((await post(app, url, { username: 'p', email: 'p@test.com', password: 'x'.repeat(129) })).json(),
    { password: ['Ensure this field has no more than 128 characters.'] })
  t.equal((await post(app, url, { username: 'p', email: 'p@test.com', password: '🔑'.repeat(128) })).statusCode, 200, '128 characters')
  await register(app, 'spaces', 'spaces@test.com', '  padded  ')
  t.equal((await post(app, '/account/login', { username: 'spaces', password: '  padded  ' })).statusCode, 200, 'the password as sent')
  t.equal((await post(app, '/account/login', { username: 'spaces', password: 'padded' })).statusCode, 400, 'not trimmed')
  t.equal((await post(app, url, { username: 'ws', email: 'ws@test.com', password: '   ' })).statusCode, 200, 'whitespace is a password')
})

t.test('form-urlencoded and multipart bodies work like JSON', async (t) => {
  const app = await accountsApp(t)
  const form = await app.inject({
    method: 'POST', url, payload: 'username=test&email=test%40test.com&password=test', headers: { 'content-type': 'application/x-www-form-urlencoded' }
  })
  t.equal(form.statusCode, 200)
  t.same(form.json().user, { id: 1, username: 'test', email: 'test@test.com' })
  const formErrors = await app.inject({
    method: 'POST', url, payload: 'username=&email=bad', headers: { 'content-type': 'application/x-www-form-urlencoded' }
  })
  t.equal(formErrors.body, '{"username":["This field may not be blank."],"email":["Enter a valid email address."],"password":["This field is required."]}')

  const multi = await app.inject({ method: 'POST', url, ...multipart({ username: 'multi', email: 'multi@test.com', password: 'pw' }) })
  t.equal(multi.statusCode, 200)
  t.same(multi.json().user, { id: 2, username: 'multi', email: 'multi@test.com' })
  const multiErrors = await app.inject({ method: 'POST', url, ...multipart({ username: 'multi', password: 'x'.repeat(200) }) })
  t.equal(multiErrors.body, '{"username":["A user with that username already exists."],"email":["This field is required."],"password":["Ensure this field has no more than 128 characters."]}')
  const file = await app.inject({ method: 'POST', url, ...multipart({ username: { file: 'name' }, email: 'f@test.com', password: 'pw' }) })
  t.equal(file.statusCode, 413, 'a file part: only the MAL import takes one')
  t.same(file.json(), { detail: 'File uploads are not accepted here.' })

  const login = await app.inject({ method: 'POST', url: '/account/login', ...multipart({ username: 'multi', password: 'pw' }) })
  t.equal(login.statusCode, 200)
  const formLogin = await app.inject({
    method: 'POST', url: '/account/login', payload: 'username=test&password=test', headers: { 'content-type': 'application/x-www-form-urlencoded' }
  })
  t.equal(formLogin.statusCode, 200)
})

t.test('bodies that are not objects, other media types, unknown keys, trailing slash, wrong method', async (t) => {
  const app = await accountsApp(t)
  const json = { 'content-type': 'application/json' }
  t.same((await app.inject({ method: 'POST', url, payload: '[1]', headers: json })).json(),
    { non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] })
  t.same((await app.inject({ method: 'POST', url, payload: 'null', headers: json })).json(), { non_field_errors: ['No data provided'] })
  t.match((await app.inject({ method: 'POST', url, payload: '{"username":', headers: json })).json().detail, /^JSON parse error - /)
  const text = await app.inject({ method: 'POST', url, payload: 'hi', headers: { 'content-type': 'text/plain' } })
  t.equal(text.statusCode, 415)
  t.same(text.json(), { detail: 'Unsupported media type "text/plain" in request.' })
  t.equal((await post(app, url, { ...good, is_staff: true, id: 99 })).json().user.id, 1, 'unknown keys are ignored')
  t.equal((await post(app, '/account/register/', good)).statusCode, 404)
  const get = await app.inject({ method: 'GET', url })
  t.equal(get.statusCode, 405)
  t.same(get.json(), { detail: 'Method "GET" not allowed.' })
  t.match(get.headers.allow, /POST/)
})

t.test('bad inputs never cause a 5xx', async (t) => {
  const app = await accountsApp(t)
  const odd = [
    'a'.repeat(500_000), '\u0000', '\ud800', 'x\udfffy', '\u202e', '\ufeff', 'e\u0301', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', '\u00a0', 'İ', 'ﬃ',
    1e308, -0, 1e-7, 1.2345678901234567e19, { a: { b: [] } }, [[[]]], Number.MAX_SAFE_INTEGER
  ]
  for (const value of odd) {
    for (const body of [{ username: value, email: value, password: value }, { username: value, password: value }]) {
      for (const path of [url, '/account/login']) {
        const res = await post(app, path, body)
        t.ok(res.statusCode < 500, `${path} ${JSON.stringify(body).slice(0, 40)}: ${res.statusCode} ${res.body.slice(0, 120)}`)
      }
    }
  }
  const surrogate = await post(app, url, { username: 'sur', email: 's@test.com', password: 'a\ud800' })
  t.same(surrogate.json(), { password: ['Surrogate characters are not allowed: U+D800.'] })
  const nul = await post(app, url, { username: 'nul', email: 'n@test.com', password: 'a\u0000b' })
  t.same(nul.json(), { password: ['Null characters are not allowed.'] })
  const big = await app.inject({ method: 'POST', url, payload: JSON.stringify({ username: 'x'.repeat(2 << 20) }), headers: { 'content-type': 'application/json' } })
  t.equal(big.statusCode, 413, 'over the body limit')
})
