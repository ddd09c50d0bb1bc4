// What the benchmark sends. Scenarios for endpoints that the service does not
// have yet are probed and reported "not available"; they run on their own once
// the endpoint exists. Requests a scenario's endpoint rejects with 400 are
// dropped from its mix and listed in RESULTS.md, so a parameter renamed in the
// API shows up there instead of silently measuring error pages.
import { prng } from './generate-catalogue.js'
import { request, type Server } from './lib.js'
import { indexDrawer, type IdDraw, type RequestTemplate } from './load.js'

/** The catalogue's served entries' ids; those with a MyAnimeList page again, `malIds[i]` the MyAnimeList (Jikan) id of `ids[i]` (bench/baseline.ts reads them). */
export interface CatalogueIds { ids: number[], malPairs: { ids: number[], malIds: number[] } }

export interface Scenario {
  name: string
  /**
   * What it is compared against in alternating rounds: the bare ceiling
   * (bench/baseline.ts, same requests), or the service itself on other requests
   * (Jikan's /v4 against the route it mirrors).
   */
  versus?: { kind: 'ceiling' } | { kind: 'service', name: string, requests: RequestTemplate[], ids?: IdDraw }
  /** A request that answers 200 when the endpoint exists (404: not available). */
  probe: string
  /** Where a 200 alone does not prove the feature (extra query parameters are ignored): what its body must show. */
  probeCheck?: (body: Record<string, unknown>) => boolean
  requests: RequestTemplate[]
  /** What `{id}` in the requests' paths stands for, drawn per request. */
  ids?: IdDraw
  /** Statuses that are a correct answer here; anything else counts as an error. */
  expected: number[]
}

/** `count` random entry ids in 1..maxId, the same for every target. */
export function randomIds (maxId: number, count: number, seed: number): number[] {
  const random = prng(seed)
  return Array.from({ length: count }, () => 1 + Math.floor(random() * maxId))
}

/** Zipf exponent of the skewed variants: a few popular entries, a long tail (s = 1: the top 10% of entries get about 80% of the requests on 40k). */
export const ZIPF = 1

/** A scenario's requests with `{id}` filled in: `count` of them drawn as the load generator draws them (for mixes that take plain paths). */
export function concreteRequests (scenario: Scenario, count: number, seed: number): RequestTemplate[] {
  const ids = scenario.ids
  if (ids === undefined) return scenario.requests
  const draw = indexDrawer(ids.values.length, ids.zipf, seed)
  return Array.from({ length: count }, (_, i) => {
    const template = scenario.requests[i % scenario.requests.length]!
    return { ...template, path: template.path.replace('{id}', String(ids.values[draw()])) }
  })
}

// A fixed mix of what people type: words of titles, prefixes while typing,
// a typo, Japanese script, and filters alone or with a query.
export const searchQueries = [
  'q=academy', 'q=legend', 'q=dragon', 'q=hero', 'q=sword', 'q=ka', 'q=shin', 'q=kyo', 'q=season%202', 'q=movie',
  'q=dragn', 'q=lgend', 'q=%E6%98%9F', 'q=%E9%AD%94%E6%B3%95', 'q=%E3%82%A2%E3%82%A4', 'q=little%20witch',
  'q=the%20last%20hero', 'q=memories%20of%20tomorrow', 'q=sei', 'q=ryu',
  'tags=action', 'tags=action,comedy', 'tags=mecha,space', 'tags=slice%20of%20life', 'tags=isekai,fantasy',
  'type=TV', 'type=Movie', 'status=Ongoing', 'year=2010', 'year=2024',
  'q=dragon&type=TV', 'q=academy&tags=school', 'q=star&year=2020', 'q=kai&status=Finished', 'tags=romance&type=OVA'
]
/** The text queries of the mix alone: what Jikan's /v4/anime?q= and /anime/search?q= are compared on. */
const textQueries = searchQueries.filter((q) => q.startsWith('q=') && !q.includes('&'))

const tagQueries = ['', '?q=a', '?q=ac', '?q=sch', '?q=sp', '?q=dark', '?q=ma', '?q=based']

const randomFilters = ['type=TV', 'type=Movie', 'tags=action', 'tags=mecha', 'status=Finished', 'year=2015', 'tags=comedy&type=TV']

/** The search mix: the storm that runs while entries are read. */
export const searchRequests = (): RequestTemplate[] => searchQueries.map((q) => ({ path: `/anime/search?${q}` }))

export function scenarios (catalogue: CatalogueIds): Scenario[] {
  const get = (path: string): RequestTemplate => ({ path })
  const uniform: IdDraw = { values: catalogue.ids }
  const zipf: IdDraw = { values: catalogue.ids, zipf: ZIPF }
  const entry = [get('/anime/entry/{id}')]
  // Drawn by index on the same seed: the same entries in the same order, by our id and by their MyAnimeList id.
  const mal: IdDraw = { values: catalogue.malPairs.malIds }
  const malEntries: IdDraw = { values: catalogue.malPairs.ids }
  const both = (name: string, path: string, probe: string): Scenario[] => [
    { name: `${name}, uniform`, probe, requests: [get(path)], ids: uniform, expected: [200] },
    { name: `${name}, Zipf`, probe, requests: [get(path)], ids: zipf, expected: [200] }
  ]
  return [
    { name: 'entry by id, uniform', versus: { kind: 'ceiling' }, probe: '/anime/entry/1', requests: entry, ids: uniform, expected: [200] },
    { name: 'entry by id, Zipf', versus: { kind: 'ceiling' }, probe: '/anime/entry/1', requests: entry, ids: zipf, expected: [200] },
    { name: 'random', versus: { kind: 'ceiling' }, probe: '/anime/random', requests: [get('/anime/random')], expected: [200] },
    { name: 'random, filtered', probe: '/anime/random?type=Movie', probeCheck: (body) => body.anime_type === 'Movie', requests: randomFilters.map((q) => get(`/anime/random?${q}`)), expected: [200] },
    { name: 'search', probe: '/anime/search?q=a', requests: searchRequests(), expected: [200] },
    { name: 'tags', probe: '/anime/tags', requests: tagQueries.map((q) => get(`/anime/tags${q}`)), expected: [200] },
    ...both('details', '/anime/entry/{id}/details', '/anime/entry/1/details'),
    ...both('similar', '/anime/entry/{id}/similar', '/anime/entry/1/similar'),
    {
      name: 'Jikan /v4/anime/{id}, uniform',
      versus: { kind: 'service', name: '/anime/entry/:id, uniform', requests: entry, ids: malEntries },
      probe: `/v4/anime/${catalogue.malPairs.malIds[0] ?? 1}`,
      requests: [get('/v4/anime/{id}')],
      ids: mal,
      expected: [200]
    },
    {
      name: 'Jikan /v4/anime?q=',
      versus: { kind: 'service', name: '/anime/search?q=', requests: textQueries.map((q) => get(`/anime/search?${q}`)) },
      probe: '/v4/anime?q=a',
      requests: textQueries.map((q) => get(`/v4/anime?${q}`)),
      expected: [200]
    }
  ]
}

/** Whether the scenario's endpoint exists, and which of its requests the service accepts. */
export async function probe (service: Server, scenario: Scenario): Promise<{ available: boolean, note?: string, requests: RequestTemplate[], dropped: string[] }> {
  const answer = await request(service.url + scenario.probe)
  if (answer.status === 404) return { available: false, note: `${scenario.probe} answers 404`, requests: [], dropped: [] }
  if (answer.status !== 200) return { available: false, note: `${scenario.probe} answers ${answer.status}: ${answer.body.slice(0, 120)}`, requests: [], dropped: [] }
  if (scenario.probeCheck !== undefined && !scenario.probeCheck(JSON.parse(answer.body) as Record<string, unknown>)) {
    return { available: false, note: `${scenario.probe} answers, but not as the feature would (filters ignored?)`, requests: [], dropped: [] }
  }
  const distinct = [...new Map(scenario.requests.map((r) => [r.path, r])).values()]
  const checked = distinct.slice(0, 100)
  const rejected = new Set<string>()
  // Paths with an id: checked on a sample of the ids drawn (a template the service rejects for any of them is dropped).
  const sample = scenario.ids === undefined ? [] : concreteRequests({ ...scenario, requests: [{ path: '{id}' }] }, 20, 1).map((r) => r.path)
  for (const template of checked) {
    for (const path of template.path.includes('{id}') ? sample.map((id) => template.path.replace('{id}', id)) : [template.path]) {
      const answer = await request(service.url + path, { headers: template.headers })
      if (!scenario.expected.includes(answer.status)) { rejected.add(template.path); break }
    }
  }
  const requests = scenario.requests.filter((r) => !rejected.has(r.path))
  if (requests.length === 0) return { available: false, note: 'the service rejected every request of the mix', requests, dropped: [...rejected] }
  return { available: true, requests, dropped: [...rejected] }
}
