// Secrets never appear in logs: the whole log of registering, logging in,
// failing, and logging out, at the most verbose level, holds neither the
// password nor any token.
import t from 'tap'
import Fastify from 'fastify'
import { Writable } from 'node:stream'
import app, { serverOptions } from '../../src/app.js'
import { tempDir } from '../helpers/app.js'
import { FAST_SCRYPT_N, fixtureCatalogue } from '../helpers/accounts.js'

t.test('register, login, logout: neither password nor token is logged', async (t) => {
  const lines: string[] = []
  const stream = new Writable({ write (chunk, _encoding, done) { lines.push(String(chunk)); done() } })
  const dataDir = tempDir(t)
  const fastify = Fastify({ ...serverOptions, logger: { level: 'trace', stream } })
  await fastify.register(app, { dataDir, defaultCatalogue: fixtureCatalogue(dataDir), passwordScryptN: FAST_SCRYPT_N })
  await fastify.ready()
  t.teardown(() => fastify.close())

  const password = 'Sup3r-Secret-Passw0rd'
  const register = await fastify.inject({ method: 'POST', url: '/account/register', payload: { username: 'secretive', email: 's@test.com', password } })
  t.equal(register.statusCode, 200)
  const form = await fastify.inject({
    method: 'POST',
    url: '/account/login',
    payload: `username=secretive&password=${password}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' }
  })
  t.equal(form.statusCode, 200)
  const login = await fastify.inject({ method: 'POST', url: '/account/login', payload: { username: 'secretive', password } })
  t.equal(login.statusCode, 200)
  const wrong = await fastify.inject({ method: 'POST', url: '/account/login', payload: { username: 'secretive', password: `${password}!` } })
  t.equal(wrong.statusCode, 400)
  const tooLong = await fastify.inject({ method: 'POST', url: '/account/register', payload: { username: 'x', email: 'x@test.com', password: password.repeat(10) } })
  t.equal(tooLong.statusCode, 400)
  const tokens = [register.json().token, form.json().token, login.json().token]
  t.equal((await fastify.inject({ method: 'POST', url: '/account/logout', headers: { authorization: `Token ${tokens[2]}` } })).statusCode, 204)
  t.equal((await fastify.inject({ method: 'POST', url: '/account/logout', headers: { authorization: `Token ${tokens[2]}` } })).statusCode, 401)

  const log = lines.join('')
  t.ok(lines.length >= 10, `the log was captured (${lines.length} lines)`)
  t.match(log, /secretive|\/account\/login/, 'requests were logged')
  t.notOk(log.includes(password), 'no password')
  for (const token of tokens) {
    t.notOk(log.includes(token), 'no token')
    t.notOk(log.includes(token.slice(8)), 'not even a part of one')
  }
})
