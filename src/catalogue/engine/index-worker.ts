// The index build, off the service's thread: opens the catalogue file
// read-only, builds the index of the version it finds (index-data.ts) and
// saves it beside the catalogue (index-file.ts). As a child process (the file
// given as its argument), that is all: the service loads the saved file, and
// the build's transient memory leaves with the process. As a worker thread
// (`workerData.file`), it also hands the index to the service's thread, its
// buffers moved rather than copied.
import Database from 'better-sqlite3'
import path from 'node:path'
import { parentPort, workerData } from 'node:worker_threads'
import { buildIndexData, transferList } from './index-data.js'
import { saveIndexFile } from './index-file.js'

const file = parentPort === null ? process.argv[2]! : (workerData as { file: string }).file
const db = new Database(file, { readonly: true, fileMustExist: true })
try {
  db.pragma('busy_timeout = 5000')
  const data = buildIndexData(db)
  if (parentPort === null) saveIndexFile(path.dirname(file), data)
  else {
    // Not saved, the next start builds again: nothing else is lost.
    try { saveIndexFile(path.dirname(file), data) } catch {}
    parentPort.postMessage(data, transferList(data))
  }
} finally {
  db.close()
}
