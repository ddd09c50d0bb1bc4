// Calling the API from TypeScript, with a client generated from its OpenAPI
// document. In a project of your own:
//
//   npm install openapi-fetch
//   npm install --save-dev openapi-typescript
//   npx openapi-typescript http://127.0.0.1:8000/openapi.json -o anime-api.d.ts
//   npx tsx client.ts http://127.0.0.1:8000
//
// Every path, parameter, body and answer below is typed from the document:
// a misspelt field or a wrong type is a compile error. (test/examples/generated-client.test.ts
// generates the types, type-checks this file against them and runs it.)
import { fileURLToPath } from 'node:url'
import createClient from 'openapi-fetch'
import type { paths } from './anime-api.js'

export async function main (baseUrl: string) {
  // Answers as JSON ('application/json'; every JSON answer is also documented as an HTML page for browsers).
  const api = createClient<paths, 'application/json'>({
    baseUrl,
    // List parameters (type, status, tags, ordering…) are one comma-separated value.
    querySerializer: { array: { style: 'form', explode: false } }
  })

  // Register, then log in (each login is a new token).
  const username = `reader${Date.now()}`
  const password = 'correct horse battery staple'
  const registered = await api.POST('/account/register', { body: { username, email: `${username}@example.com`, password } })
  if (registered.error !== undefined) throw new Error(`register: ${JSON.stringify(registered.error)}`)
  const login = await api.POST('/account/login', { body: { username, password } })
  if (login.error !== undefined) throw new Error(`login: ${JSON.stringify(login.error)}`)
  const auth = { Authorization: `Token ${login.data.token}` }

  // Search: TV series matching "tokyo", best matches first.
  const search = await api.GET('/anime/search', { params: { query: { q: 'tokyo', type: ['TV'], page_size: 5 } } })
  if (search.error !== undefined) throw new Error(`search: ${JSON.stringify(search.error)}`)
  const first = search.data.results[0]
  if (first === undefined) throw new Error('nothing found')

  // One entry, by id.
  const entry = await api.GET('/anime/entry/{id}', { params: { path: { id: first.id } } })
  if (entry.error !== undefined) throw new Error(`entry: ${JSON.stringify(entry.error)}`)

  // A private watchlist with that anime in it, then the list's entries.
  const list = await api.POST('/watchlists', { headers: auth, body: { name: 'To watch', public: false } })
  if (list.error !== undefined) throw new Error(`list: ${JSON.stringify(list.error)}`)
  const path = { id: list.data.id, animeId: entry.data.id }
  const added = await api.PUT('/watchlists/{id}/anime/{animeId}', { headers: auth, params: { path }, body: { status: 'watching', episodes_watched: 1 } })
  if (added.error !== undefined) throw new Error(`add: ${JSON.stringify(added.error)}`)
  const watching = await api.GET('/watchlists/{id}/anime', { headers: auth, params: { path: { id: list.data.id }, query: { status: ['watching'] } } })
  if (watching.error !== undefined) throw new Error(`entries: ${JSON.stringify(watching.error)}`)

  // A bad value comes back as one message list per field.
  const refused = await api.PUT('/watchlists/{id}/anime/{animeId}', { headers: auth, params: { path }, body: { rating: 11 } })
  const ratingErrors = refused.error !== undefined && 'rating' in refused.error ? refused.error.rating : undefined

  // Tidy up: the entry, the list, the token.
  await api.DELETE('/watchlists/{id}/anime/{animeId}', { headers: auth, params: { path } })
  await api.DELETE('/watchlists/{id}', { headers: auth, params: { path: { id: list.data.id } } })
  await api.POST('/account/logout', { headers: auth })

  return {
    user: registered.data.user,
    found: search.data.count,
    entry: entry.data,
    listed: watching.data.results.map((e) => ({ anime_id: e.anime_id, status: e.status, episodes_watched: e.episodes_watched })),
    ratingErrors
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await main(process.argv[2] ?? 'http://127.0.0.1:8000'), null, 2))
}
