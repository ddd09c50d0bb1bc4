// Account self-service: GET/DELETE /account/user, PUT /account/password.
import t from 'tap'
import { accountsApp, login, post } from '../helpers/accounts.js'
import { call, makeList, putEntry, user, watchlistsApp } from '../helpers/watchlists.js'

t.test('GET /account/user: the caller\'s id, username, email and creation time', async (t) => {
  const app = await watchlistsApp(t)
  const alice = await user(app, 'alice')
  const res = await call(app, 'GET', '/account/user', alice)
  t.equal(res.statusCode, 200)
  t.equal(res.body, `{"id":${alice.id},"username":"alice","email":"alice@test.com","created":"2021-01-06T17:46:41.006000Z"}`, 'keys in order')
  t.equal((await call(app, 'GET', '/account/user')).statusCode, 401)
  t.same((await call(app, 'GET', '/account/user', null, undefined, { authorization: 'Token a b' })).json(),
    { detail: 'Invalid token header. Token string should not contain spaces.' })
  const other = await user(app, 'bob')
  t.equal((await call(app, 'GET', '/account/user', other)).json().username, 'bob')
})

t.test('DELETE /account/user: with the password, deletes the account, its tokens and its lists', async (t) => {
  const app = await watchlistsApp(t)
  const alice = await user(app, 'alice')
  const second = await login(app, 'alice', 'test')
  const bob = await user(app, 'bob')
  const list = await makeList(app, alice, 'Public', true)
  await putEntry(app, alice, list.id, 1, { rating: 9 })

  t.same((await call(app, 'DELETE', '/account/user', alice, {})).json(), { password: ['This field is required.'] })
  const wrong = await call(app, 'DELETE', '/account/user', alice, { password: 'nope' })
  t.equal(wrong.statusCode, 400)
  t.same(wrong.json(), { password: ['Incorrect password.'] })
  t.equal((await call(app, 'DELETE', '/account/user', alice, { password: ' test' })).statusCode, 400, 'passwords are never trimmed')
  t.equal((await call(app, 'DELETE', '/account/user', null, { password: 'test' })).statusCode, 401)

  const deleted = await call(app, 'DELETE', '/account/user', alice, { password: 'test' })
  t.equal(deleted.statusCode, 204)
  t.equal(deleted.body, '')
  t.same((await call(app, 'GET', '/account/user', alice)).json(), { detail: 'Invalid token.' }, 'this token is gone')
  t.same((await call(app, 'GET', '/account/user', null, undefined, { authorization: `Token ${second.token}` })).json(), { detail: 'Invalid token.' }, 'and every other')
  t.equal((await call(app, 'GET', `/watchlists/${list.id}`)).statusCode, 404, 'its public list is gone')
  t.same((await post(app, '/account/login', { username: 'alice', password: 'test' })).json(), { non_field_errors: ['Unable to log in with provided credentials.'] })
  t.equal((await call(app, 'GET', '/account/user', bob)).statusCode, 200, 'other accounts stay')
  const again = await user(app, 'alice')
  t.equal((await call(app, 'GET', '/watchlists', again)).json().count, 0, 'a new account of the same name starts empty')
})

t.test('wrong passwords count against the username\'s login throttle', async (t) => {
  const app = await accountsApp(t, { throttleUserLimit: 2 })
  const carol = await user(app, 'carol')
  for (let i = 0; i < 2; i++) t.equal((await call(app, 'PUT', '/account/password', carol, { old_password: 'x', new_password: 'y' })).statusCode, 400)
  const res = await call(app, 'PUT', '/account/password', carol, { old_password: 'test', new_password: 'y' })
  t.equal(res.statusCode, 429)
  t.match(res.json(), { detail: /^Request was throttled\. Expected available in \d+ seconds?\.$/ })
  t.equal((await call(app, 'DELETE', '/account/user', carol, { password: 'test' })).statusCode, 429, 'deleting too')
})

t.test('PUT /account/password: changes the password and ends every other token', async (t) => {
  const app = await watchlistsApp(t)
  const alice = await user(app, 'alice')
  const other = await login(app, 'alice', 'test')
  const bob = await user(app, 'bob')

  t.same((await call(app, 'PUT', '/account/password', alice, {})).json(),
    { old_password: ['This field is required.'], new_password: ['This field is required.'] })
  t.same((await call(app, 'PUT', '/account/password', alice, { old_password: 'test', new_password: '' })).json(), { new_password: ['This field may not be blank.'] })
  t.same((await call(app, 'PUT', '/account/password', alice, { old_password: 'test', new_password: 'x'.repeat(129) })).json(),
    { new_password: ['Ensure this field has no more than 128 characters.'] })
  const wrong = await call(app, 'PUT', '/account/password', alice, { old_password: 'wrong', new_password: 'new secret' })
  t.equal(wrong.statusCode, 400)
  t.same(wrong.json(), { old_password: ['Your old password was entered incorrectly. Please enter it again.'] })
  t.equal((await call(app, 'PUT', '/account/password')).statusCode, 401)

  const changed = await call(app, 'PUT', '/account/password', alice, { old_password: 'test', new_password: ' new secret ' })
  t.equal(changed.statusCode, 204)
  t.equal(changed.body, '')
  t.equal((await call(app, 'GET', '/account/user', alice)).statusCode, 200, 'this token stays valid')
  t.same((await call(app, 'GET', '/account/user', null, undefined, { authorization: `Token ${other.token}` })).json(), { detail: 'Invalid token.' }, 'the others end')
  t.equal((await call(app, 'GET', '/account/user', bob)).statusCode, 200, 'other users keep theirs')
  t.equal((await post(app, '/account/login', { username: 'alice', password: 'test' })).statusCode, 400, 'the old password no longer works')
  t.equal((await post(app, '/account/login', { username: 'alice', password: ' new secret ' })).statusCode, 200, 'the new one does, untrimmed')
  const form = await app.inject({
    method: 'PUT',
    url: '/account/password',
    headers: { ...alice.headers, 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'old_password=+new+secret+&new_password=third'
  })
  t.equal(form.statusCode, 204, 'form bodies too')
})

t.test('the OpenAPI document covers self-service and recommendations', async (t) => {
  const app = await watchlistsApp(t)
  const doc = (await call(app, 'GET', '/openapi.json')).json()
  t.ok(doc.paths['/account/user'].get)
  t.ok(doc.paths['/account/user'].delete)
  t.ok(doc.paths['/account/password'].put)
  t.same(doc.paths['/account/recommendations'].get.security, [{ Token: [] }])
})
