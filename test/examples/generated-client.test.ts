// A client generated from the document works: openapi-typescript turns
// schemas/openapi.json into types, examples/client.ts (the program docs/api.md
// shows) type-checks against them with openapi-fetch, and run against a live
// server on 127.0.0.1 it registers, logs in, searches, reads an entry and
// manages a watchlist.
import t, { type Test } from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import ts from 'typescript'
import openapiTS, { astToString } from 'openapi-typescript'
import { projectRoot } from '../../src/config.js'
import { accountsApp } from '../helpers/accounts.js'
import { aodRecord, writeAod } from '../helpers/aod.js'
import { tempDir } from '../helpers/app.js'

const program = path.join(projectRoot, 'examples', 'client.ts')

/** The types openapi-typescript generates from the committed document (made once per process). */
let generated: Promise<string> | undefined
function generatedTypes (): Promise<string> {
  generated ??= openapiTS(pathToFileURL(path.join(projectRoot, 'schemas', 'openapi.json'))).then(astToString)
  return generated
}

/**
 * Type errors of `files` (name -> text), written where they resolve packages from this project's
 * node_modules, by the .ts file they are in. One program for every file: the compiler's set-up (its
 * lib files, @types/node) is most of the cost.
 */
function typeErrors (t: Test, files: Record<string, string>): Map<string, string[]> {
  const dir = fs.mkdtempSync(path.join(projectRoot, 'node_modules', '.generated-client-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text)
  const compiled = ts.createProgram(Object.keys(files).filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts')).map((name) => path.join(dir, name)), {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ['node'],
    typeRoots: [path.join(projectRoot, 'node_modules', '@types')],
    skipLibCheck: true
  })
  const errors = new Map(Object.keys(files).filter((name) => name.endsWith('.ts')).map((name) => [name, [] as string[]]))
  for (const d of ts.getPreEmitDiagnostics(compiled)) {
    const name = d.file === undefined ? '' : path.basename(d.file.fileName)
    if (!errors.has(name)) errors.set(name, [])
    errors.get(name)!.push(ts.flattenDiagnosticMessageText(d.messageText, '\n'))
  }
  return errors
}

t.test('openapi-typescript types the document: named models, typed operations', async (t) => {
  const types = await generatedTypes()
  for (const name of ['AnimeEntry', 'SearchPage', 'FieldErrors', 'ErrorDetail', 'LoginReply', 'Watchlist', 'WatchlistEntry']) {
    t.match(types, new RegExp(`\\n {8}${name}: \\{`), `components.schemas.${name} is a named type`)
  }
  t.match(types, /getAnimeEntry: \{/, 'operations by operationId')
})

t.test('examples/client.ts type-checks against the generated types, and a wrong program does not', async (t) => {
  const types = await generatedTypes()
  // The package's own type declarations (this file's `import type` of them must resolve).
  const module = '{ "type": "module" }'
  const wrong = `import createClient from 'openapi-fetch'
import type { paths } from './anime-api.js'
const api = createClient<paths>({ baseUrl: 'http://127.0.0.1:8000' })
export const a = api.GET('/anime/entry/{id}', { params: { path: { id: 'one' } } })
export const b = api.POST('/account/login', { body: { username: 'x' } })
export const c = api.PUT('/watchlists/{id}/anime/{animeId}', { params: { path: { id: 1, animeId: 2 } }, body: { status: 'finished' } })
export const d = api.GET('/anime/search', { params: { query: { type: ['Film'] } } })
export const e = async () => (await api.GET('/anime/random')).data?.num_episodez
`
  const errors = typeErrors(t, { 'package.json': module, 'anime-api.d.ts': types, 'client.ts': fs.readFileSync(program, 'utf8'), 'wrong.ts': wrong })
  t.same([...errors.keys()].sort(), ['anime-api.d.ts', 'client.ts', 'wrong.ts'], 'errors only in the programs')
  t.same(errors.get('anime-api.d.ts'), [], 'none in the generated types')
  t.same(errors.get('client.ts'), [], 'none in examples/client.ts')
  const refused = errors.get('wrong.ts')!
  t.ok(refused.length >= 5, `the types refuse a wrong id type, a missing password, an unknown status, an unknown anime type and a misspelt field (${refused.length} errors)`)
})

t.test('the program runs against a live server on 127.0.0.1', async (t) => {
  const dir = tempDir(t)
  const app = await accountsApp(t, {
    dataDir: dir,
    defaultCatalogue: writeAod(dir, [
      aodRecord(1, { title: 'Tokyo Ghoul', type: 'TV', episodes: 12 }),
      aodRecord(2, { title: 'Tokyo Ghoul: The Movie', type: 'MOVIE', episodes: 1 }),
      aodRecord(3, { title: 'Nisekoi', type: 'TV', episodes: 20 })
    ])
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo
  const { main } = await import(pathToFileURL(program).href) as { main: (baseUrl: string) => Promise<Record<string, unknown>> }
  const result = await main(`http://127.0.0.1:${port}`) as {
    user: { id: number, username: string },
    found: number,
    entry: { id: number, title: string, anime_type: string },
    listed: unknown[],
    ratingErrors: unknown
  }
  t.match(result.user, { id: Number, username: /^reader\d+$/ })
  t.equal(result.found, 1, 'one TV series matches "tokyo"')
  t.match(result.entry, { id: 1, title: 'Tokyo Ghoul', anime_type: 'TV' })
  t.same(result.listed, [{ anime_id: 1, status: 'watching', episodes_watched: 1 }])
  t.same(result.ratingErrors, ['Ensure this value is less than or equal to 10.'])
  // What the program left behind: its account, no list, no live token.
  const login = await app.inject({ method: 'POST', url: '/account/login', payload: { username: result.user.username, password: 'correct horse battery staple' } })
  t.equal(login.statusCode, 200, 'the account exists')
  const lists = await app.inject({ url: '/watchlists', headers: { authorization: `Token ${login.json().token}` } })
  t.equal(lists.json().count, 0, 'its list was deleted')
})

t.test('docs/api.md shows examples/client.ts as it is', async (t) => {
  const docs = fs.readFileSync(path.join(projectRoot, 'docs', 'api.md'), 'utf8')
  const shown = /<!-- examples\/client\.ts -->\n```ts\n([\s\S]*?)```\n<!-- \/examples\/client\.ts -->/.exec(docs)?.[1]
  t.equal(shown, fs.readFileSync(program, 'utf8'), 'the "Calling the API from TypeScript" program is the tested one')
})
