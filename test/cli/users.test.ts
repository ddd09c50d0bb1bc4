// `anime-api users …`: create, deactivate, reactivate, delete, list, import-django.
import t, { type Test } from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { runUsersCommand } from '../../src/cli/users.js'
import { CommandError, UsageError } from '../../src/cli/io.js'
import { tempDir } from '../helpers/app.js'
import { accountsApp, post, tokenHeader } from '../helpers/accounts.js'

function cli (t: Test, dataDir = tempDir(t)) {
  const out: string[] = []
  const err: string[] = []
  const run = (argv: string[], password?: string) => runUsersCommand(argv, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    progress: () => {},
    env: { DATA_DIR: dataDir, PASSWORD_SCRYPT_N: '1024' },
    readLine: async () => password ?? ''
  })
  /** The command fails with a UsageError (a one-line message and exit code 2 in src/cli.ts), or a CommandError (exit code 1). */
  const fails = async (kind: typeof UsageError | typeof CommandError, argv: string[], message: RegExp, password?: string) => {
    const error = await run(argv, password).then(() => undefined, (error: unknown) => error)
    t.ok(error instanceof kind, `${argv.join(' ')}: a ${kind.name}`)
    t.match((error as Error | undefined)?.message, message)
  }
  const usageError = (argv: string[], message: RegExp, password?: string) => fails(UsageError, argv, message, password)
  const commandError = (argv: string[], message: RegExp) => fails(CommandError, argv, message)
  const take = () => { const taken = { out: out.join('\n'), err: err.join('\n') }; out.length = 0; err.length = 0; return taken }
  return { run, take, usageError, commandError, dataDir }
}

t.test('help, and usage mistakes', async (t) => {
  const { run, take, usageError, commandError } = cli(t)
  t.equal(await run(['--help']), 0)
  t.match(take().out, /create <username> <email>[\s\S]*import-django <file>/)
  t.equal(await run([]), 2)
  await usageError(['frobnicate'], /unknown users command "frobnicate"/)
  await usageError(['create', 'only-a-name'], /expected <username> <email>, got "only-a-name"/, 'pw')
  await commandError(['deactivate', 'nobody'], /no user "nobody"/)
  await usageError(['create', 'a', 'a@test.com', '--password'], /Option '--password <value>' argument missing/)
  await usageError(['delete', 'a', '--force'], /Unknown option '--force'; usage: anime-api users delete <username>/)
})

t.test('create (validated like register), list, deactivate, reactivate, delete', async (t) => {
  const { run, take, dataDir } = cli(t)
  t.equal(await run(['create', 'alice', 'alice@test.com'], 'from-stdin'), 0)
  t.match(take().out, /created user 1 "alice" <alice@test.com>/)
  t.equal(await run(['create', 'bob', 'bob@test.com', '--password', 'on-the-line']), 0)
  take()
  t.equal(await run(['create', 'ALICE', 'nope', '--password', 'x'.repeat(129)]), 1)
  t.equal(take().err, [
    'username: A user with that username already exists.',
    'email: Enter a valid email address.',
    'password: Ensure this field has no more than 128 characters.'
  ].join('\n'))
  t.equal(await run(['create', 'carol', 'carol@test.com'], ''), 1, 'an empty password is refused')
  t.match(take().err, /password: This field may not be blank./)

  t.equal(await run(['list']), 0)
  const listed = take()
  const rows = listed.out.split('\n').map((line) => line.split('\t'))
  t.same(rows[0], ['id', 'username', 'email', 'active', 'joined', 'last_login', 'tokens'])
  t.same(rows.slice(1).map((row) => row.slice(0, 4)), [['1', 'alice', 'alice@test.com', 'yes'], ['2', 'bob', 'bob@test.com', 'yes']])
  t.equal(listed.err, '2 users')
  t.notOk(listed.out.includes('scrypt'), 'no hashes listed')

  // The service sees what the command line did, and the other way round.
  const app = await accountsApp(t, { dataDir })
  const login = await post(app, '/account/login', { username: 'alice', password: 'from-stdin' })
  t.equal(login.statusCode, 200)
  const token = login.json().token
  t.equal((await post(app, '/account/login', { username: 'bob', password: 'on-the-line' })).statusCode, 200)

  t.equal(await run(['deactivate', 'Alice']), 0, 'usernames without regard to case')
  t.match(take().out, /deactivated user 1 "alice"/)
  t.equal((await post(app, '/account/logout', undefined, tokenHeader(token))).json().detail, 'User inactive or deleted.')
  t.equal((await post(app, '/account/login', { username: 'alice', password: 'from-stdin' })).statusCode, 400)
  await run(['list'])
  t.match(take().out, /\n1\talice\talice@test.com\tno\t/)

  t.equal(await run(['reactivate', 'alice']), 0)
  t.match(take().out, /reactivated user 1/)
  t.equal((await post(app, '/account/logout', undefined, tokenHeader(token))).statusCode, 204)

  t.equal(await run(['delete', 'bob']), 0)
  t.match(take().out, /deleted user 2 "bob" and its tokens/)
  t.equal((await post(app, '/account/login', { username: 'bob', password: 'on-the-line' })).statusCode, 400)
  t.equal((await post(app, '/account/register', { username: 'bob', email: 'bob@test.com', password: 'x' })).json().user.id, 3, 'ids are not reused')
})

const djangoUser = (pk: number, fields: Record<string, unknown>) => ({
  model: 'auth.user',
  pk,
  fields: {
    password: 'pbkdf2_sha256$1000$abcXYZ$pHQFxX5vH4R6V8XSSHBDBTfMjLxMjp/XhwGCnbEPPsc=',
    last_login: '2021-01-05T10:00:00.123Z',
    is_superuser: false,
    first_name: '',
    last_name: '',
    is_staff: false,
    is_active: true,
    date_joined: '2020-12-01T09:00:00Z',
    groups: [],
    user_permissions: [],
    ...fields
  }
})

t.test('import-django: keeps ids, usernames, emails, active flags and hashes; bad records skipped', async (t) => {
  const { run, take, dataDir } = cli(t)
  const dump = [
    djangoUser(18, { username: 'test', email: 'test@test.com' }),
    djangoUser(3, { username: 'sleeper', email: 'sleeper@test.com', is_active: false }),
    djangoUser(25, { username: 'Test', email: 'other@test.com' }), // clashes with 18 without regard to case
    djangoUser(26, { username: 'shared', email: 'TEST@test.com' }), // shares an email: the old service allowed it
    djangoUser(27, { username: 'bad name', email: 'x@test.com' }),
    djangoUser(28, { username: 'argon', email: 'a@test.com', password: 'argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdA$aGFzaA' }),
    { model: 'auth.user', pk: 'x', fields: {} },
    djangoUser(29, { username: 'noemail', email: '' }),
    djangoUser(30, { username: 'unusable', email: 'u@test.com', password: '!Xy7unusablepassword' }),
    { model: 'authtoken.token', pk: 'abc', fields: { user: 18 } },
    djangoUser(18, { username: 'again', email: 'again@test.com' })
  ]
  const file = path.join(dataDir, 'users.json')
  fs.mkdirSync(dataDir, { recursive: true })
  fs.writeFileSync(file, JSON.stringify(dump, null, 2))
  t.equal(await run(['import-django', file]), 1, 'exit 1: some records were skipped')
  const report = take()
  t.equal(report.out, `imported 5 of 10 users from ${file}, skipped 5 (1 records of other models ignored)`)
  t.match(report.err, /skipped record #2: username "Test" is already taken/)
  t.match(report.err, /skipped record #4: username "bad name" is not a valid username/)
  t.match(report.err, /skipped record #5: unsupported password hash "argon2"/)
  t.match(report.err, /skipped record #6: "pk" is not a positive whole number/)
  t.match(report.err, /skipped record #10: id 18 is already taken/)
  t.match(report.err, /record #3: email "TEST@test.com" is shared with another account/)
  t.notOk(report.err.includes('pHQFxX5v'), 'no hashes in the report')

  await run(['list'])
  const rows = take().out.split('\n').slice(1).map((line) => line.split('\t'))
  t.same(rows.map((row) => row.slice(0, 4)), [
    ['3', 'sleeper', 'sleeper@test.com', 'no'],
    ['18', 'test', 'test@test.com', 'yes'],
    ['26', 'shared', 'TEST@test.com', 'yes'],
    ['29', 'noemail', '', 'yes'],
    ['30', 'unusable', 'u@test.com', 'yes']
  ])
  t.equal(rows[1]![4], '2020-12-01T09:00:00.000Z', 'date joined kept')
  t.equal(rows[1]![5], '2021-01-05T10:00:00.123Z', 'last login kept')

  const app = await accountsApp(t, { dataDir })
  t.equal((await post(app, '/account/login', { username: 'test', password: 'correct horse' })).statusCode, 200, 'the old password works')
  t.equal((await post(app, '/account/login', { username: 'sleeper', password: 'correct horse' })).statusCode, 400, 'inactive stays inactive')
  t.equal((await post(app, '/account/login', { username: 'unusable', password: '!Xy7unusablepassword' })).statusCode, 400, 'no usable password')
  t.same((await post(app, '/account/register', { username: 'new', email: 'Test@Test.com', password: 'x' })).json(),
    { email: ['A user with that email already exists.'] }, 'imported emails are taken')
  t.equal((await post(app, '/account/register', { username: 'new', email: 'new@test.com', password: 'x' })).json().user.id, 31, 'new ids follow')
})

t.test('import-django: all or nothing, and files that are not dumps', async (t) => {
  const { run, take, commandError, dataDir } = cli(t)
  fs.mkdirSync(dataDir, { recursive: true })
  const file = path.join(dataDir, 'users.json')
  fs.writeFileSync(file, JSON.stringify([djangoUser(1, { username: 'ok', email: 'ok@test.com' })]))
  t.equal(await run(['import-django', file]), 0)
  t.equal(take().out, `imported 1 of 1 users from ${file}`)
  t.equal(await run(['import-django', file]), 1, 'a second import skips what is there')
  t.match(take().err, /id 1 is already taken/)
  for (const [text, message] of [['{"not": "a list"}', /expected a JSON list/], ['[{"model": "auth.user", "pk": 2', /invalid JSON/], ['', /invalid JSON/]] as const) {
    fs.writeFileSync(file, text)
    await commandError(['import-django', file], message)
  }
  await t.rejects(run(['import-django', path.join(dataDir, 'missing.json')]), { code: 'ENOENT' })
  await run(['list'])
  t.equal(take().err, '1 user', 'nothing half-imported')
})
