// The worker thread that reads MyAnimeList uploads (readMalUpload) for
// MalUploadReader, one at a time, so that the event loop of the process that
// serves requests never decompresses, parses or validates a file.
import { parentPort } from 'node:worker_threads'
import { ApiError } from '../errors.js'
import { readMalUpload } from './mal-upload.js'
import type { FromUploadWorker, ToUploadWorker } from './mal-upload-reader.js'

const port = parentPort!
port.on('message', ({ id, upload, limits }: ToUploadWorker) => {
  readMalUpload(upload, limits).then(
    (result) => { port.postMessage({ id, result } satisfies FromUploadWorker) },
    (error: unknown) => {
      port.postMessage((error instanceof ApiError
        ? { id, refused: { status: error.statusCode, body: error.body } }
        : { id, failed: (error as Error).stack ?? String(error) }) satisfies FromUploadWorker)
    }
  )
})
