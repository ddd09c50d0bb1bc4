// The load generator, run as a child process of the benchmark and soak runners
// so that it never shares an event loop with what it measures. It drives one
// target with autocannon and prints one JSON line: requests/s, latency
// percentiles measured at microsecond resolution (autocannon's own histogram
// rounds to whole milliseconds), and the status codes it saw.
//
//   echo '<LoadSpec as JSON>' | node --import tsx bench/load.ts
import autocannon from 'autocannon'
import { prng } from './generate-catalogue.js'

export interface RequestTemplate {
  method?: 'GET' | 'POST'
  path: string
  body?: string
  headers?: Record<string, string>
}

/** A step of a per-connection flow; `{token}` in a path or header is the last token a response returned. */
export interface FlowStep extends RequestTemplate {
  /** Substitute `{n}` in path/body with a number unique to this connection and iteration. */
  unique?: boolean
}

/**
 * Ids for the `{id}` of request paths, drawn per request: uniformly over the list,
 * or Zipf-distributed (rank k drawn in proportion to 1/k^zipf) with the ranks laid
 * over the list in a seeded shuffle, so the popular entries are spread over the
 * catalogue. Index i of the list is drawn alike in every run with the same seed, so
 * two lists of the same length (an entry's id and its MyAnimeList id) give the
 * same entries in the same order.
 */
export interface IdDraw {
  values: number[]
  /** Zipf exponent; unset: uniform. */
  zipf?: number
}

export interface LoadSpec {
  url: string
  connections: number
  /** Seconds. */
  duration: number
  /** Requests drawn at random (seeded) from these. */
  requests?: RequestTemplate[]
  /** Or: each connection runs these steps in order, again and again. */
  flow?: FlowStep[]
  seed?: number
  /** Requests per second over all connections; unset: as fast as possible. */
  rate?: number
  /** Per-request timeout in seconds. */
  timeout?: number
  /** What `{id}` in a request path stands for. */
  ids?: IdDraw
}

export interface LoadResult {
  requests: number
  rps: number
  latency: { p50: number, p90: number, p99: number, max: number, mean: number }
  statuses: Record<string, number>
  errors: number
  timeouts: number
  seconds: number
  /** Filled in by the runner: the target's CPU time (user + system) per answered request, in µs. */
  serverCpuUsPerRequest?: number
}

export function percentile (sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return NaN
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[index]!
}

/** A function that draws an index into a list of `size` items, as IdDraw describes. */
export function indexDrawer (size: number, zipf: number | undefined, seed: number): () => number {
  const random = prng(seed ^ 0x1d5)
  if (zipf === undefined) return () => Math.floor(random() * size)
  const cumulative = new Float64Array(size)
  let total = 0
  for (let rank = 0; rank < size; rank++) cumulative[rank] = total += 1 / Math.pow(rank + 1, zipf)
  // Which index holds each rank: a seeded shuffle, the same for every run and target.
  const shuffle = prng(seed ^ 0x21f)
  const at = Uint32Array.from({ length: size }, (_, i) => i)
  for (let i = size - 1; i > 0; i--) {
    const j = Math.floor(shuffle() * (i + 1))
    const swap = at[i]!
    at[i] = at[j]!
    at[j] = swap
  }
  return () => {
    const target = random() * total
    let low = 0
    let high = size - 1
    while (low < high) {
      const mid = (low + high) >> 1
      if (cumulative[mid]! < target) low = mid + 1
      else high = mid
    }
    return at[low]!
  }
}

export function runLoad (spec: LoadSpec): Promise<LoadResult> {
  const random = prng(spec.seed ?? 1)
  const ids = spec.ids
  const drawId = ids === undefined || ids.values.length === 0 ? undefined : indexDrawer(ids.values.length, ids.zipf, spec.seed ?? 1)
  const templates = spec.requests ?? []
  let samples = new Float64Array(1 << 16)
  let count = 0
  const statuses: Record<string, number> = {}
  let serial = 0

  const requests = spec.flow !== undefined
    ? spec.flow.map((step) => ({
      method: step.method ?? 'GET',
      path: step.path,
      setupRequest: (request: Record<string, unknown>, context: Record<string, unknown>) => {
        const n = step.unique === true ? `${process.pid}x${++serial}` : String(context.n ?? '')
        if (step.unique === true) context.n = n
        const fill = (text: string): string => text.replaceAll('{n}', n).replaceAll('{token}', String(context.token ?? ''))
        request.path = fill(step.path)
        if (step.body !== undefined) request.body = fill(step.body)
        request.headers = { ...(step.body !== undefined ? { 'content-type': 'application/json' } : {}), ...Object.fromEntries(Object.entries(step.headers ?? {}).map(([k, v]) => [k, fill(v)])) }
        return request
      },
      onResponse: (status: number, body: string, context: Record<string, unknown>) => {
        if (status === 200 && body.includes('"token"')) {
          try { context.token = (JSON.parse(body) as { token?: string }).token } catch {}
        }
      }
    }))
    : [{
        setupRequest: (request: Record<string, unknown>) => {
          const template = templates[Math.floor(random() * templates.length)]!
          request.method = template.method ?? 'GET'
          request.path = drawId === undefined ? template.path : template.path.replace('{id}', String(ids!.values[drawId()]))
          request.body = template.body
          request.headers = { ...(template.body !== undefined ? { 'content-type': 'application/json' } : {}), ...template.headers }
          return request
        }
      }]

  return new Promise((resolve, reject) => {
    const started = performance.now()
    const instance = autocannon({
      url: spec.url,
      connections: spec.connections,
      duration: spec.duration,
      timeout: spec.timeout ?? 10,
      ...(spec.rate !== undefined ? { overallRate: spec.rate } : {}),
      requests: requests as autocannon.Request[]
    }, (error, result) => {
      if (error !== null && error !== undefined) { reject(error); return }
      const seconds = (performance.now() - started) / 1000
      const sorted = samples.subarray(0, count).sort()
      let sum = 0
      for (const value of sorted) sum += value
      resolve({
        requests: count,
        rps: result.requests.total / result.duration,
        latency: {
          p50: percentile(sorted, 50),
          p90: percentile(sorted, 90),
          p99: percentile(sorted, 99),
          max: sorted.length === 0 ? NaN : sorted[sorted.length - 1]!,
          mean: sum / Math.max(1, sorted.length)
        },
        statuses,
        errors: result.errors,
        timeouts: result.timeouts,
        seconds
      })
    })
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1
      if (count === samples.length) {
        const grown = new Float64Array(samples.length * 2)
        grown.set(samples)
        samples = grown
      }
      samples[count++] = responseTime
    })
  })
}

if (process.argv[1] !== undefined && process.argv[1].endsWith('load.ts')) {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  const spec = JSON.parse(Buffer.concat(chunks).toString('utf8')) as LoadSpec
  const result = await runLoad(spec)
  process.stdout.write(JSON.stringify(result) + '\n')
}
