// The benchmarks' ceiling: a bare node:http server (no framework, no per-request
// work beyond the socket write) answering GET /anime/entry/:id and
// GET /anime/random with the service's own answers, pre-serialised and held in a
// Map. Whatever separates the service from it is the service's per-request work.
//
//   DATA_DIR=… PORT=… node --import tsx bench/baseline.ts
//
// It prints `listening <port>` once it accepts connections.
import http from 'node:http'
import path from 'node:path'
import Database from 'better-sqlite3'
import { seedColumns as columns, type SeedAnime } from '../src/catalogue/repository.js'

type Row = Omit<SeedAnime, 'tags'> & { tags: string }

/**
 * Each served entry's answer as the service sends it, by id: the catalogue's
 * stored answers where the file has them (entry_answers), else the seed columns
 * serialised in the AnimeEntry schema's order, as the service does.
 */
export function loadAnswers (dataDir: string): Map<number, Buffer> {
  const db = new Database(path.join(dataDir, 'catalogue.sqlite'), { readonly: true, fileMustExist: true })
  try {
    const answers = new Map<number, Buffer>()
    if (hasAnswers(db)) {
      for (const { id, answer } of db.prepare('SELECT id, answer FROM entry_answers ORDER BY id').iterate() as Iterable<{ id: number, answer: string }>) {
        answers.set(id, Buffer.from(answer))
      }
    } else {
      for (const row of db.prepare(`SELECT ${columns} FROM anime WHERE active = 1 ORDER BY id`).iterate() as Iterable<Row>) {
        answers.set(row.id, Buffer.from(JSON.stringify({ ...row, tags: JSON.parse(row.tags) as string[] })))
      }
    }
    return answers
  } finally {
    db.close()
  }
}

/**
 * The served entries' ids in id order, and those with a MyAnimeList page paired
 * with its id: what the scenarios draw ids from.
 */
export function catalogueIds (dataDir: string): { ids: number[], malPairs: { ids: number[], malIds: number[] } } {
  const db = new Database(path.join(dataDir, 'catalogue.sqlite'), { readonly: true, fileMustExist: true })
  try {
    const ids = db.prepare(`SELECT id FROM ${hasAnswers(db) ? 'entry_answers' : 'anime WHERE active = 1'} ORDER BY id`).pluck().all() as number[]
    const served = new Set(ids)
    const prefix = 'https://myanimelist.net/anime/'
    // URLs from the prefix up to the prefix with its last character's successor ('/' + 1 = '0'): the index's range.
    const rows = db.prepare(`SELECT anime_id AS id, substr(url, ${prefix.length + 1}) AS mal FROM source_ids WHERE url >= ? AND url < ? ORDER BY anime_id`)
      .all(prefix, prefix.slice(0, -1) + '0') as Array<{ id: number, mal: string }>
    const malPairs = { ids: [] as number[], malIds: [] as number[] }
    for (const row of rows) {
      if (!served.has(row.id) || !/^[1-9]\d*$/.test(row.mal) || malPairs.ids.at(-1) === row.id) continue
      malPairs.ids.push(row.id)
      malPairs.malIds.push(Number(row.mal))
    }
    return { ids, malPairs }
  } finally {
    db.close()
  }
}

const hasAnswers = (db: Database.Database): boolean =>
  db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'entry_answers'").get() !== undefined

export function startBaseline (dataDir: string, port: number, host = '127.0.0.1'): Promise<http.Server> {
  const answers = loadAnswers(dataDir)
  const all = [...answers.values()]
  const notFound = Buffer.from('{"detail":"Not found."}')
  const send = (res: http.ServerResponse, status: number, body: Buffer): void => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length })
    res.end(body)
  }

  const server = http.createServer((req, res) => {
    const url = req.url ?? '/'
    if (req.method !== 'GET') { send(res, 404, notFound); return }
    if (url.startsWith('/anime/entry/')) {
      const id = url.slice('/anime/entry/'.length)
      const answer = /^[1-9]\d{0,15}$/.test(id) ? answers.get(Number(id)) : undefined
      send(res, answer === undefined ? 404 : 200, answer ?? notFound)
    } else if (url === '/anime/random') {
      send(res, all.length === 0 ? 404 : 200, all.length === 0 ? notFound : all[Math.floor(Math.random() * all.length)]!)
    } else {
      send(res, 404, notFound)
    }
  })
  server.keepAliveTimeout = 72_000
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
