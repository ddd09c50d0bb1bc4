// Runs MyAnimeList imports (importMalUpload) in a worker thread
// (mal-import-worker.ts), one at a time, others waiting their turn; at most
// `maxPending` are taken at once. The worker starts with the first import and
// stays for the next ones (its start costs more than a small file), until it has
// been idle a while. An import can be cancelled while it waits or while its file
// is read (the request's time is up, its client went away): the worker is ended
// and the next import gets a new one; once writing has begun it runs to its end
// (see the worker for how the two agree). Where the service has no worker script
// (the single executable), imports run on the calling thread. No HTTP here: its
// refusals are the domain's errors, which the route answers (src/http/domain-errors.ts).
import type { Worker } from 'node:worker_threads'
import { StoreUnavailableError } from '../storage/errors.js'
import type { StoreConfig } from '../storage/index.js'
import { startWorker, workerScript } from '../worker-threads.js'
import { ImportsClosedError, ListNotFoundError, MalFileError } from './errors.js'
import type { MalUploadLimits } from './mal.js'
import { importMalUpload } from './mal-upload.js'
import { ListFullError, type Watchlist } from './repository.js'
import type { WatchlistsService } from './service.js'

/** A job's state, shared with the worker (an Int32 in a SharedArrayBuffer). */
export const JobState = { reading: 0, writing: 1, cancelled: 2 } as const

export interface ToImportWorker {
  id: number
  upload: Uint8Array
  limits: MalUploadLimits
  listId: number
  now: number
  store: StoreConfig
  state: SharedArrayBuffer
}

/** The answer is the reply's JSON text, in a buffer that is transferred: copying a large answer as a string would hold up the event loop. */
export type FromImportWorker =
  | { id: number, answer: ArrayBuffer }
  | { id: number, cancelled: true }
  | { id: number, refused: Refusal }
  | { id: number, failed: string }

/** An error that refuses an import, as it crosses from the worker (a class does not cross a thread as itself). */
export type Refusal =
  | { error: 'file', kind: MalFileError['kind'], message: string }
  | { error: 'list-full', maxEntries: number }
  | { error: 'no-list' }
  | { error: 'store-unavailable', reason: string }

/** The refusal `error` stands for; undefined for a failure that is not one. */
export function refusalOf (error: unknown): Refusal | undefined {
  if (error instanceof MalFileError) return { error: 'file', kind: error.kind, message: error.message }
  if (error instanceof ListFullError) return { error: 'list-full', maxEntries: error.maxEntries }
  if (error instanceof ListNotFoundError) return { error: 'no-list' }
  if (error instanceof StoreUnavailableError) return { error: 'store-unavailable', reason: error.reason }
  return undefined
}

const errorOf = (refusal: Refusal): Error => {
  switch (refusal.error) {
    case 'file': return new MalFileError(refusal.kind, refusal.message)
    case 'list-full': return new ListFullError(refusal.maxEntries, true)
    case 'no-list': return new ListNotFoundError()
    case 'store-unavailable': return new StoreUnavailableError(refusal.reason)
  }
}

/** The import worker's script beside this module; null where it is not on disk (the single executable). */
export const importWorkerScript = (): URL | null => workerScript(import.meta.url, 'mal-import-worker')

export interface MalImportRunnerOptions {
  /** Imports taken at once, waiting or running; `reserve` refuses more. */
  maxPending: number
  /** Where the user store and the catalogue are, for the worker's own connections. */
  store: StoreConfig
  /** Runs an import on this thread where there is no worker script. */
  service: WatchlistsService
  now: () => number
  /** The worker ends after this long without work (ms). */
  idleMs?: number
  /** Heap of the worker, in MiB: a file that needs more is refused (413), not a process that runs out of memory. */
  maxHeapMb?: number
}

interface Job {
  message: ToImportWorker
  state: Int32Array
  resolve: (answer: string) => void
  reject: (error: unknown) => void
  settled: Promise<unknown>
}

const shuttingDown = (): ImportsClosedError => new ImportsClosedError()

export class MalImportRunner {
  private worker: Worker | null = null
  private running: Job | null = null
  private readonly queue: Job[] = []
  private nextId = 1
  private reserved = 0
  private idleTimer: NodeJS.Timeout | null = null
  private closed = false

  constructor (private readonly script: URL | null, private readonly options: MalImportRunnerOptions) {}

  /** A place for one import, released by the function returned (once, however often called); null when all are taken. */
  reserve (): (() => void) | null {
    if (this.reserved >= this.options.maxPending) return null
    this.reserved++
    let released = false
    return () => {
      if (!released) { released = true; this.reserved-- }
    }
  }

  /**
   * Imports `upload` into `list`: the answer's JSON text. Rejects with the domain's
   * error for a file or list it refuses (MalFileError, ListFullError, ListNotFoundError), or with `signal`'s reason when cancelled before writing.
   */
  run (list: Watchlist, upload: Uint8Array, limits: MalUploadLimits, signal?: AbortSignal): Promise<string> {
    if (this.closed) return Promise.reject(shuttingDown())
    if (signal?.aborted === true) return Promise.reject(signal.reason)
    if (this.script === null) return importMalUpload(this.options.service, list, upload, limits)
    let job: Job
    const settled = new Promise<string>((resolve, reject) => {
      const state = new SharedArrayBuffer(4)
      job = {
        message: { id: this.nextId++, upload, limits, listId: list.id, now: this.options.now(), store: this.options.store, state },
        state: new Int32Array(state),
        resolve,
        reject,
        settled: Promise.resolve()
      }
    })
    job!.settled = settled.catch(() => {})
    signal?.addEventListener('abort', () => { this.cancel(job, signal.reason) }, { once: true })
    this.queue.push(job!)
    this.pump()
    return settled
  }

  /** Ends the worker: imports waiting are refused, one being read is cancelled, one being written is finished first. */
  async close (): Promise<void> {
    this.closed = true
    for (const job of this.queue.splice(0)) job.reject(shuttingDown())
    const job = this.running
    if (job !== null) {
      if (Atomics.compareExchange(job.state, 0, JobState.reading, JobState.cancelled) === JobState.reading) {
        this.running = null
        job.reject(shuttingDown())
      } else {
        await job.settled
      }
    }
    await this.stopWorker()
  }

  private pump (): void {
    if (this.running !== null || this.closed) return
    const job = this.queue.shift()
    if (job === undefined) {
      this.idleTimer ??= setTimeout(() => { void this.stopWorker() }, this.options.idleMs ?? 30_000).unref()
      return
    }
    if (this.idleTimer !== null) { clearTimeout(this.idleTimer); this.idleTimer = null }
    this.running = job
    this.workerFor().postMessage(job.message)
  }

  private finish (job: Job, outcome: { answer: string } | { error: unknown }): void {
    if (this.running === job) this.running = null
    if ('answer' in outcome) job.resolve(outcome.answer)
    else job.reject(outcome.error)
    this.pump()
  }

  private workerFor (): Worker {
    if (this.worker !== null) return this.worker
    const worker = startWorker(this.script!, { resourceLimits: { maxOldGenerationSizeMb: this.options.maxHeapMb ?? 512 } })
    worker.unref()
    worker.on('message', (message: FromImportWorker) => {
      const job = this.running
      if (job === null || job.message.id !== message.id) return
      if ('answer' in message) this.finish(job, { answer: Buffer.from(message.answer).toString('utf8') })
      else if ('refused' in message) this.finish(job, { error: errorOf(message.refused) })
      else if ('failed' in message) this.finish(job, { error: new Error(`a MAL import failed: ${message.failed}`) })
      // 'cancelled': the job was settled when it was cancelled.
      else if (this.running === job) { this.running = null; this.pump() }
    })
    const lost = (error: Error | number): void => {
      if (this.worker !== worker) return
      this.worker = null
      const job = this.running
      if (job === null) return
      const outOfMemory = (error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY'
      this.finish(job, {
        error: outOfMemory
          ? new MalFileError('too-large', 'The file needs more memory to read than an import may use.')
          : new Error(`the MAL import worker stopped: ${typeof error === 'number' ? `exit code ${error}` : error.message}`)
      })
    }
    worker.on('error', lost)
    worker.on('exit', lost)
    this.worker = worker
    return worker
  }

  private cancel (job: Job, reason: unknown): void {
    const waiting = this.queue.indexOf(job)
    if (waiting >= 0) {
      this.queue.splice(waiting, 1)
      job.reject(reason)
      return
    }
    // Only while the file is being read: an import that has begun writing finishes.
    if (this.running !== job || Atomics.compareExchange(job.state, 0, JobState.reading, JobState.cancelled) !== JobState.reading) return
    this.running = null
    job.reject(reason)
    void this.stopWorker().then(() => { this.pump() })
  }

  private async stopWorker (): Promise<void> {
    if (this.idleTimer !== null) { clearTimeout(this.idleTimer); this.idleTimer = null }
    const worker = this.worker
    this.worker = null
    await worker?.terminate()
  }
}
