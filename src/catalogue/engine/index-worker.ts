// The index build's worker thread: opens the catalogue file read-only, builds
// the index of the version it finds (index-data.ts) and hands it to the
// service's thread, its buffers moved rather than copied.
import Database from 'better-sqlite3'
import { parentPort, workerData } from 'node:worker_threads'
import { buildIndexData, transferList } from './index-data.js'

const { file } = workerData as { file: string }
const db = new Database(file, { readonly: true, fileMustExist: true })
try {
  db.pragma('busy_timeout = 5000')
  const data = buildIndexData(db)
  parentPort!.postMessage(data, transferList(data))
} finally {
  db.close()
}
