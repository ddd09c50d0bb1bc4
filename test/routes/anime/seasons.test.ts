// Issue 17, seasons: the `season` filter of /anime/search and /anime/random (alone
// and with `year`), and GET /anime/seasons, checked against counts made here from
// the default catalogue file.
import fs from 'node:fs'
import t, { type Test } from 'tap'
import { defaultConfig } from '../../../src/config.js'
import { aodRecord, writeAod, type AodRecord } from '../../helpers/aod.js'
import { buildApp, tempDir } from '../../helpers/app.js'

type Api = Awaited<ReturnType<typeof buildApp>>
interface SeasonCount { year: number, season: string, count: number }

const records = (JSON.parse(fs.readFileSync(defaultConfig.defaultCatalogue, 'utf8')) as { data: AodRecord[] }).data
const seasonOf = (record: AodRecord) => record.animeSeason as { season?: string, year?: number } | undefined
const capitalised = (season: string) => season[0]!.toUpperCase() + season.slice(1).toLowerCase()
const calendar = ['WINTER', 'SPRING', 'SUMMER', 'FALL']

/** Titles of the records first aired in that season (and year, when given). */
const titlesIn = (season: string, year?: number): string[] => records
  .filter((r) => seasonOf(r)?.season === season && (year === undefined || seasonOf(r)?.year === year))
  .map((r) => r.title).sort()

/** Every (year, season) of the file with its count, newest first. */
function expectedSeasons (): SeasonCount[] {
  const counts = new Map<string, SeasonCount>()
  for (const record of records) {
    const { season, year } = seasonOf(record) ?? {}
    if (year === undefined || year === 0 || season === undefined || !calendar.includes(season)) continue
    const key = `${year}-${season}`
    const entry = counts.get(key) ?? { year, season: capitalised(season), count: 0 }
    entry.count++
    counts.set(key, entry)
  }
  return [...counts.values()].sort((a, b) => b.year - a.year || calendar.indexOf(b.season.toUpperCase()) - calendar.indexOf(a.season.toUpperCase()))
}

/** Every title a search lists, following next links. */
async function searchTitles (t: Test, api: Api, query: string): Promise<{ count: number, titles: string[] }> {
  let url: string | null = `/anime/search?${query}&page_size=100`
  const titles: string[] = []
  let count = -1
  while (url !== null) {
    const res: Awaited<ReturnType<Api['inject']>> = await api.inject(url)
    t.equal(res.statusCode, 200, url)
    const body = res.json() as { count: number, next: string | null, results: Array<{ title: string }> }
    count = body.count
    titles.push(...body.results.map((r) => r.title))
    url = body.next === null ? null : body.next.replace(/^https?:\/\/[^/]+/, '')
  }
  return { count, titles: titles.sort() }
}

t.test('GET /anime/seasons: every season with its count, newest first, paged as DRF', async (t) => {
  const api = await buildApp(t)
  const expected = expectedSeasons()
  t.ok(expected.length > 20, `${expected.length} seasons in the default catalogue`)
  const all = (await api.inject('/anime/seasons?page_size=100')).json()
  t.same(all, { count: expected.length, next: null, previous: null, results: expected })

  // Pages of 7, following the links.
  const seen: SeasonCount[] = []
  let url: string | null = '/anime/seasons?page_size=7'
  let pages = 0
  while (url !== null) {
    const body: { count: number, next: string | null, previous: string | null, results: SeasonCount[] } = (await api.inject(url)).json()
    t.equal(body.count, expected.length)
    t.equal(body.previous === null, pages === 0, 'previous on every page but the first')
    seen.push(...body.results)
    pages++
    url = body.next === null ? null : body.next.replace(/^https?:\/\/[^/]+/, '')
  }
  t.same(seen, expected, 'the pages together are the whole list')
  t.equal(pages, Math.ceil(expected.length / 7))
  const last = (await api.inject('/anime/seasons?page_size=7&page=last')).json()
  t.same(last.results, expected.slice((pages - 1) * 7))
  t.same((await api.inject(`/anime/seasons?page=${pages + 1}&page_size=7`)).json(), { detail: 'Invalid page.' })
  const bad = await api.inject('/anime/seasons?page=0&page_size=101')
  t.same([bad.statusCode, bad.json()], [400, {
    page: ['Ensure this value is greater than or equal to 1.'],
    page_size: ['Ensure this value is less than or equal to 100.']
  }])
  const first = await api.inject('/anime/seasons')
  t.same(first.json().results, expected.slice(0, 20), 'default page size 20')
  const etag = first.headers.etag as string
  t.equal((await api.inject({ url: '/anime/seasons', headers: { 'if-none-match': etag } })).statusCode, 304, 'ETag and 304 as every catalogue list')
})

t.test('the season filter: alone, in any case, several at once, with year; random within it', async (t) => {
  const api = await buildApp(t)
  for (const season of calendar) {
    for (const spelling of [season.toLowerCase(), season, capitalised(season)]) {
      const { count, titles } = await searchTitles(t, api, `season=${spelling}`)
      t.equal(count, titlesIn(season).length, `${spelling}: as many as the file has`)
      t.same(titles, titlesIn(season), spelling)
    }
  }
  const both = await searchTitles(t, api, 'season=winter,FALL')
  t.same(both.titles, [...titlesIn('WINTER'), ...titlesIn('FALL')].sort(), 'several seasons: any of them')

  // Each (year, season) of /anime/seasons is that year and season of the search.
  for (const { year, season, count } of expectedSeasons().slice(0, 12)) {
    const found = await searchTitles(t, api, `year=${year}&season=${season}`)
    t.equal(found.count, count, `${season} ${year}`)
    t.same(found.titles, titlesIn(season.toUpperCase(), year))
    const random = await api.inject(`/anime/random?year=${year}&season=${season.toLowerCase()}`)
    t.equal(random.statusCode, 200)
    t.ok(titlesIn(season.toUpperCase(), year).includes(random.json().title), `random within ${season} ${year}`)
  }
  const none = await api.inject('/anime/random?season=winter&year=1900')
  t.same([none.statusCode, none.json()], [404, { detail: 'Not found.' }], 'no match')
  const combined = await searchTitles(t, api, 'season=spring&q=a&type=TV')
  t.ok(combined.titles.every((title) => titlesIn('SPRING').includes(title)), 'combined with text and other filters')

  const bad = await api.inject('/anime/search?season=autumn,summer')
  t.same([bad.statusCode, bad.json()], [400, { season: ['Select a valid choice. autumn is not one of the available choices.'] }])
  t.equal((await api.inject('/anime/random?season=monsoon')).statusCode, 400)
})

t.test('entries of unknown year or season are in no season', async (t) => {
  const dir = tempDir(t)
  const api = await buildApp(t, {
    dataDir: dir,
    defaultCatalogue: writeAod(dir, [
      aodRecord(1, { animeSeason: { season: 'SUMMER', year: 2020 } }),
      aodRecord(2, { animeSeason: { season: 'UNDEFINED', year: 2020 } }),
      aodRecord(3, { animeSeason: { season: 'SUMMER' } }),
      aodRecord(4, { animeSeason: { season: 'WINTER', year: 2021 } })
    ])
  })
  t.same((await api.inject('/anime/seasons')).json().results, [{ year: 2021, season: 'Winter', count: 1 }, { year: 2020, season: 'Summer', count: 1 }])
  t.equal((await api.inject('/anime/search?season=summer')).json().count, 2, 'a season of unknown year still matches the season alone')
})
