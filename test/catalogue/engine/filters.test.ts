// Filters over the index: type, status, season, year and tag sets are kept per
// value once asked for; every answer must equal a plain scan of the records,
// however often and in whatever order the filters are asked and combined (a
// kept set changed by one request would show in the next).
import t from 'tap'
import { toList } from '../../../src/catalogue/engine/bits.js'
import { animeStatuses, animeTypes } from '../../../src/catalogue/normalize.js'
import type { Filters, Season } from '../../../src/catalogue/search.js'
import { aodRecord, type AodRecord } from '../../helpers/aod.js'
import { engineOf } from '../../helpers/engine.js'

const types = Object.keys(animeTypes)
const statuses = ['FINISHED', 'ONGOING', 'UPCOMING', 'UNKNOWN']
const seasons = ['SPRING', 'SUMMER', 'FALL', 'WINTER', 'UNDEFINED']
const tagPool = ['action', 'Comedy', 'drama', 'mecha', 'space', 'school']
// 300 entries: "action" is on most (a tag kept as a set), "space" on few (read from its postings).
const records: AodRecord[] = Array.from({ length: 300 }, (_, i) => {
  const n = i + 1
  return aodRecord(n, {
    type: types[n % types.length],
    status: statuses[(n * 7) % statuses.length],
    animeSeason: n % 11 === 0 ? { season: 'UNDEFINED' } : { season: seasons[n % 5], year: 1995 + (n % 9) },
    tags: tagPool.filter((_, k) => k === 0 ? n % 5 !== 0 : k === 4 ? n % 37 === 0 : (n * (k + 3)) % (k + 2) === 0)
  })
})

/** The ids a plain scan of the records gives for these filters. */
function scan (filters: Filters): number[] {
  return records.flatMap((r, i) => {
    const season = r.animeSeason as { season: string, year?: number }
    const tags = (r.tags as string[]).map((tag) => tag.toLowerCase())
    const ok = (filters.types === undefined || filters.types.includes(animeTypes[r.type as string]!)) &&
      (filters.statuses === undefined || filters.statuses.includes(animeStatuses[r.status as string]!)) &&
      (filters.seasons === undefined || (season.season !== 'UNDEFINED' && filters.seasons.includes(season.season.toLowerCase() as Season))) &&
      (filters.year === undefined || season.year === filters.year) &&
      (filters.yearMin === undefined || (season.year !== undefined && season.year >= filters.yearMin)) &&
      (filters.tags ?? []).every((tag) => tags.includes(tag.toLowerCase())) &&
      !(filters.excludeTags ?? []).some((tag) => tags.includes(tag.toLowerCase())) &&
      (filters.tagGroups ?? []).every((group) => group.some((tag) => tags.includes(tag.toLowerCase())))
    return ok ? [i + 1] : []
  })
}

t.test('kept filter sets answer as a scan, asked again, combined and in any order', async (t) => {
  const engine = await engineOf(t, records)
  const ids = (filters: Filters): number[] => {
    const bits = engine.filterBits(filters)
    return bits === null ? records.map((_, i) => i + 1) : [...toList(bits)].map((d) => engine.idOf(d))
  }
  const cases: Filters[] = [
    { types: ['TV'] }, { types: ['TV', 'Movie'] }, { types: ['Movie', 'TV', 'Movie'] }, { statuses: ['Ongoing'] },
    { types: ['TV'], statuses: ['Finished'] }, { statuses: ['Finished'], types: ['OVA', 'TV'] },
    { seasons: ['spring'] }, { seasons: ['fall', 'winter'], year: 1999 },
    { year: 1999 }, { year: 1999, types: ['TV'] }, { year: 1800 }, { year: 0 }, { year: -5 }, { year: 40_000 }, { year: 1999, yearMin: 1999 }, { yearMin: 2000 },
    { tags: ['action'] }, { tags: ['ACTION', 'comedy'] }, { tags: ['space'] }, { tags: ['action'], types: ['TV'] }, { tags: ['no such tag'] },
    { excludeTags: ['action'] }, { tags: ['drama'], excludeTags: ['action', 'space'] }, { tagGroups: [['space', 'mecha'], ['action']] },
    { tagGroups: [['action', 'Action']] }
  ]
  for (let round = 0; round < 3; round++) {
    const order = round === 1 ? [...cases].reverse() : cases
    for (const filters of order) t.same(ids(filters), scan(filters), `round ${round}: ${JSON.stringify(filters)}`)
  }
  t.ok(scan({ tags: ['action'] }).length > 200 && scan({ tags: ['space'] }).length < 10, 'a common tag and a rare one')
  t.same(ids({ year: 1999 }).length > 0 && ids({ year: 1800 }).length, 0, 'a year no entry has matches none, and one some have matches them')
})

t.test('a site filter (every /v4 list) is kept per site and answers as a scan, combined and asked again', async (t) => {
  // Every third entry has no MyAnimeList page.
  const mixed = records.map((r, i) => (i + 1) % 3 === 0 ? { ...r, sources: [`https://anidb.net/anime/${i + 1}`] } : r)
  const engine = await engineOf(t, mixed)
  const ids = (filters: Filters): number[] => [...toList(engine.filterBits(filters)!)].map((d) => engine.idOf(d))
  const onMal = (filters: Filters): number[] => scan(filters).filter((id) => id % 3 !== 0)
  const cases: Array<[Filters, number[]]> = [
    [{ site: 'myanimelist' }, onMal({})],
    [{ site: 'myanimelist', excludeTags: ['action'] }, onMal({ excludeTags: ['action'] })],
    [{ site: 'myanimelist', types: ['TV'] }, onMal({ types: ['TV'] })],
    [{ site: 'anidb', tags: ['drama'] }, scan({ tags: ['drama'] })],
    [{ site: 'kitsu' }, []]
  ]
  for (let round = 0; round < 3; round++) {
    for (const [filters, expected] of round === 1 ? [...cases].reverse() : cases) t.same(ids(filters), expected, `round ${round}: ${JSON.stringify(filters)}`)
  }
  t.equal(onMal({}).length, 200, 'two entries in three are on MyAnimeList')
})
