// The benchmarks' ceiling: a bare node:http server (no framework) answering
// GET /anime/entry/:id and GET /anime/random from the same SQLite catalogue file
// as the service, with one prepared statement per endpoint and JSON.stringify.
//
//   DATA_DIR=… PORT=… node --import tsx bench/baseline.ts
//
// It prints `listening <port>` once it accepts connections.
import http from 'node:http'
import path from 'node:path'
import Database from 'better-sqlite3'
import { seedColumns as columns, type SeedAnime } from '../src/catalogue/repository.js'

type Row = Omit<SeedAnime, 'tags'> & { tags: string }

export function startBaseline (dataDir: string, port: number, host = '127.0.0.1'): Promise<http.Server> {
  const db = new Database(path.join(dataDir, 'catalogue.sqlite'), { readonly: true, fileMustExist: true })
  const byId = db.prepare(`SELECT ${columns} FROM anime WHERE id = ? AND active = 1`)
  const byPos = db.prepare(`SELECT ${columns} FROM anime WHERE pos = ?`)
  // The baseline serves a catalogue that does not change: count it once.
  const count = db.prepare('SELECT max(pos) FROM anime').pluck().get() as number | null ?? 0

  const send = (res: http.ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body)
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) })
    res.end(text)
  }
  const entry = (row: Row | undefined, res: http.ServerResponse): void => {
    if (row === undefined) { send(res, 404, { detail: 'Not found.' }); return }
    send(res, 200, { ...row, tags: JSON.parse(row.tags) as string[] })
  }

  const server = http.createServer((req, res) => {
    const url = req.url ?? '/'
    const path = url.split('?', 1)[0]!
    if (req.method === 'GET' && path.startsWith('/anime/entry/')) {
      const id = path.slice('/anime/entry/'.length)
      entry(/^[1-9]\d{0,15}$/.test(id) ? byId.get(Number(id)) as Row | undefined : undefined, res)
    } else if (req.method === 'GET' && path === '/anime/random') {
      entry(count === 0 ? undefined : byPos.get(1 + Math.floor(Math.random() * count)) as Row | undefined, res)
    } else {
      send(res, 404, { detail: 'Not found.' })
    }
  })
  server.keepAliveTimeout = 72_000
  server.on('close', () => db.close())
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)))
}

if (process.argv[1] !== undefined && process.argv[1].endsWith('baseline.ts')) {
  const dataDir = process.env.DATA_DIR ?? 'var'
  const server = await startBaseline(dataDir, Number(process.env.PORT ?? 8100))
  const address = server.address()
  console.log(`listening ${typeof address === 'object' && address !== null ? address.port : ''}`)
  const stop = (): void => { server.close(() => process.exit(0)); server.closeAllConnections() }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
}
