// The worker thread that runs MyAnimeList imports for MalImportRunner, one at a
// time, so that the event loop of the process that serves requests never
// decompresses, parses or validates a file, nor matches or writes its entries.
// Each import opens its own connections to the user store and the catalogue
// (as another process of the service would), and closes them when done.
//
// An import is first read (no database touched), then written. The runner may
// end the worker while it reads (the request's time is up, the client went
// away), never once it writes: before it opens a connection, the worker moves
// the job's shared state from READING to WRITING, which the runner's
// cancellation tries to move to CANCELLED; whichever comes first wins.
import { parentPort } from 'node:worker_threads'
import { openCatalogueLinks } from '../catalogue/open.js'
import { openUserStore } from '../storage/index.js'
import { ListNotFoundError } from './errors.js'
import { JobState, refusalOf, type FromImportWorker, type ToImportWorker } from './mal-import-runner.js'
import { malImportReply, readMalUpload } from './mal-upload.js'
import { createWatchlistsService } from './service.js'

const port = parentPort!

async function run (job: ToImportWorker): Promise<string | null> {
  const file = await readMalUpload(job.upload, job.limits)
  if (Atomics.compareExchange(new Int32Array(job.state), 0, JobState.reading, JobState.writing) !== JobState.reading) return null
  const store = await openUserStore(job.store, { onIdleError: () => {} })
  const catalogue = openCatalogueLinks(job.store.dataDir)
  try {
    const service = createWatchlistsService({
      repository: store.watchlists,
      links: catalogue.links,
      now: () => job.now,
      listsPerUser: 0
    })
    const list = await store.watchlists.list(job.listId)
    if (list === undefined) throw new ListNotFoundError()
    return malImportReply(await service.importMal(list, file))
  } finally {
    catalogue.close()
    await store.close()
  }
}

port.on('message', (job: ToImportWorker) => {
  run(job).then(
    (answer) => {
      if (answer === null) { port.postMessage({ id: job.id, cancelled: true } satisfies FromImportWorker); return }
      const bytes = Buffer.from(answer)
      const text = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)
      port.postMessage({ id: job.id, answer: text } satisfies FromImportWorker, [text])
    },
    (error: unknown) => {
      const refusal = refusalOf(error)
      port.postMessage((refusal !== undefined
        ? { id: job.id, refused: refusal }
        : { id: job.id, failed: (error as Error).stack ?? String(error) }) satisfies FromImportWorker)
    }
  )
})
