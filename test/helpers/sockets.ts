// Requests over real sockets, each on a connection of its own, for tests where
// connections matter: many client addresses at once (any of 127.0.0.0/8 binds
// on Linux), a client that goes away, an answer that never comes.
import http from 'node:http'
import type { FastifyInstance } from 'fastify'

export interface Answer {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
  /** Milliseconds from sending to the end of the answer. */
  ms: number
}

export interface SentRequest {
  /** The answer, or the connection's error (ECONNRESET, socket hang up) when none came. */
  answer: Promise<Answer>
  /** Closes the connection: the client goes away. */
  abandon: () => void
}

export interface SendOptions {
  method?: string
  /** Loopback address to send from. */
  from?: string
  headers?: Record<string, string>
}

/** Sends JSON `body` to 127.0.0.1:`port` on a new connection. */
export function send (port: number, url: string, body: unknown, options: SendOptions = {}): SentRequest {
  const payload = JSON.stringify(body)
  const started = performance.now()
  const req = http.request({
    host: '127.0.0.1',
    port,
    path: url,
    method: options.method ?? 'POST',
    agent: false,
    ...(options.from === undefined ? {} : { localAddress: options.from }),
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...options.headers }
  })
  const answer = new Promise<Answer>((resolve, reject) => {
    req.on('response', (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { text += chunk })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, ms: performance.now() - started }))
      res.on('error', reject)
    })
    req.on('error', reject)
  })
  req.end(payload)
  return { answer, abandon: () => { req.destroy() } }
}

/** `send`, waiting for the answer. */
export const post = (port: number, url: string, body: unknown, options: SendOptions = {}): Promise<Answer> =>
  send(port, url, body, options).answer

/** Starts `app` listening on a free port of 127.0.0.1; returns the port. */
export async function listen (app: FastifyInstance): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return (app.server.address() as { port: number }).port
}

/** How many answers had each status. */
export const countByStatus = (answers: Array<{ status: number }>): Record<number, number> =>
  answers.reduce<Record<number, number>>((counts, { status }) => ({ ...counts, [status]: (counts[status] ?? 0) + 1 }), {})
