// What the benchmark sends. Scenarios for endpoints that the service does not
// have yet are probed and reported "not available"; they run on their own once
// the endpoint exists. Requests a scenario's endpoint rejects with 400 are
// dropped from its mix and listed in RESULTS.md, so a parameter renamed in the
// API shows up there instead of silently measuring error pages.
import { prng } from './generate-catalogue.js'
import { request, type Server } from './lib.js'
import type { RequestTemplate } from './load.js'

export interface Scenario {
  name: string
  /** Compared against the baseline server (same paths). */
  baseline: boolean
  /** A request that answers 200 when the endpoint exists (404: not available). */
  probe: string
  /** Where a 200 alone does not prove the feature (extra query parameters are ignored): what its body must show. */
  probeCheck?: (body: Record<string, unknown>) => boolean
  requests: RequestTemplate[]
  /** Statuses that are a correct answer here; anything else counts as an error. */
  expected: number[]
}

/** `count` request paths for random entry ids in 1..maxId, the same for every target. */
export function randomIds (maxId: number, count: number, seed: number): number[] {
  const random = prng(seed)
  return Array.from({ length: count }, () => 1 + Math.floor(random() * maxId))
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

const tagQueries = ['', '?q=a', '?q=ac', '?q=sch', '?q=sp', '?q=dark', '?q=ma', '?q=based']

const randomFilters = ['type=TV', 'type=Movie', 'tags=action', 'tags=mecha', 'status=Finished', 'year=2015', 'tags=comedy&type=TV']

export function scenarios (maxId: number, seed: number): Scenario[] {
  const ids = randomIds(maxId, 4096, seed)
  const get = (path: string): RequestTemplate => ({ path })
  return [
    { name: 'entry by id', baseline: true, probe: '/anime/entry/1', requests: ids.map((id) => get(`/anime/entry/${id}`)), expected: [200] },
    { name: 'random', baseline: true, probe: '/anime/random', requests: [get('/anime/random')], expected: [200] },
    { name: 'random, filtered', baseline: false, probe: '/anime/random?type=Movie', probeCheck: (body) => body.anime_type === 'Movie', requests: randomFilters.map((q) => get(`/anime/random?${q}`)), expected: [200] },
    { name: 'search', baseline: false, probe: '/anime/search?q=a', requests: searchQueries.map((q) => get(`/anime/search?${q}`)), expected: [200] },
    { name: 'tags', baseline: false, probe: '/anime/tags', requests: tagQueries.map((q) => get(`/anime/tags${q}`)), expected: [200] },
    { name: 'details', baseline: false, probe: '/anime/entry/1/details', requests: ids.map((id) => get(`/anime/entry/${id}/details`)), expected: [200] },
    { name: 'similar', baseline: false, probe: '/anime/entry/1/similar', requests: ids.map((id) => get(`/anime/entry/${id}/similar`)), expected: [200] }
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
  for (const template of checked) {
    const answer = await request(service.url + template.path)
    if (!scenario.expected.includes(answer.status)) rejected.add(template.path)
  }
  const requests = scenario.requests.filter((r) => !rejected.has(r.path))
  if (requests.length === 0) return { available: false, note: 'the service rejected every request of the mix', requests, dropped: [...rejected] }
  return { available: true, requests, dropped: [...rejected] }
}
