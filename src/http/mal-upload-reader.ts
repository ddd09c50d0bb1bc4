// Runs readMalUpload in a worker thread (mal-upload-worker.ts), one upload at a
// time, others waiting their turn. The worker starts with the first upload and
// stays for the next ones (its start costs more than a small file), until it has
// been idle a while. An upload can be cancelled while it waits or while it is
// read (the request's time is up, its client went away): a running read ends
// with its worker, and the next upload gets a new one. Where the service has no
// worker script (the single executable), uploads are read on the calling thread.
import type { Worker } from 'node:worker_threads'
import { ApiError } from '../errors.js'
import type { MalUploadLimits } from '../watchlists/mal.js'
import { startWorker, workerScript } from '../worker-threads.js'
import { readMalUpload, type MalUpload } from './mal-upload.js'

export interface ToUploadWorker { id: number, upload: Uint8Array, limits: MalUploadLimits }
export type FromUploadWorker =
  | { id: number, result: MalUpload }
  | { id: number, refused: { status: number, body: Record<string, unknown> } }
  | { id: number, failed: string }

/** The upload worker's script beside this module; null where it is not on disk (the single executable). */
export const uploadWorkerScript = (): URL | null => workerScript(import.meta.url, 'mal-upload-worker')

interface Job {
  id: number
  upload: Uint8Array
  limits: MalUploadLimits
  signal: AbortSignal | undefined
  resolve: (upload: MalUpload) => void
  reject: (error: unknown) => void
}

export interface MalUploadReaderOptions {
  /** Uploads taken at once, waiting or being read; `reserve` refuses more. */
  maxPending: number
  /** The worker ends after this long without work (ms). */
  idleMs?: number
  /** Heap of the worker, in MiB: a file that needs more is refused (413), not a process that runs out of memory. */
  maxHeapMb?: number
}

export class MalUploadReader {
  private worker: Worker | null = null
  private running: Job | null = null
  private readonly queue: Job[] = []
  private nextId = 1
  private reserved = 0
  private idleTimer: NodeJS.Timeout | null = null
  private closed = false

  constructor (private readonly script: URL | null, private readonly options: MalUploadReaderOptions) {}

  /** A place for one upload, released by the function returned (once, however often called); null when all are taken. */
  reserve (): (() => void) | null {
    if (this.reserved >= this.options.maxPending) return null
    this.reserved++
    let released = false
    return () => {
      if (!released) { released = true; this.reserved-- }
    }
  }

  /** The upload's entries; rejects with an ApiError for a file it refuses, or with `signal`'s reason once aborted. */
  read (upload: Uint8Array, limits: MalUploadLimits, signal?: AbortSignal): Promise<MalUpload> {
    if (this.closed) return Promise.reject(new ApiError(503, { detail: 'The service is shutting down.' }))
    if (signal?.aborted === true) return Promise.reject(signal.reason)
    if (this.script === null) return readMalUpload(upload, limits)
    return new Promise<MalUpload>((resolve, reject) => {
      const job: Job = { id: this.nextId++, upload, limits, signal, resolve, reject }
      signal?.addEventListener('abort', () => { this.cancel(job, signal.reason) }, { once: true })
      this.queue.push(job)
      this.pump()
    })
  }

  /** Ends the worker; uploads waiting or being read are refused. */
  async close (): Promise<void> {
    this.closed = true
    const refused = new ApiError(503, { detail: 'The service is shutting down.' })
    for (const job of this.queue.splice(0)) job.reject(refused)
    this.running?.reject(refused)
    this.running = null
    await this.stopWorker()
  }

  private pump (): void {
    if (this.running !== null) return
    const job = this.queue.shift()
    if (job === undefined) {
      this.idleTimer ??= setTimeout(() => { void this.stopWorker() }, this.options.idleMs ?? 30_000).unref()
      return
    }
    if (this.idleTimer !== null) { clearTimeout(this.idleTimer); this.idleTimer = null }
    this.running = job
    const message: ToUploadWorker = { id: job.id, upload: job.upload, limits: job.limits }
    this.workerFor().postMessage(message)
  }

  private workerFor (): Worker {
    if (this.worker !== null) return this.worker
    const heap = this.options.maxHeapMb ?? 512
    const worker = startWorker(this.script!, { resourceLimits: { maxOldGenerationSizeMb: heap } })
    worker.unref()
    worker.on('message', (message: FromUploadWorker) => {
      const job = this.running
      if (job === null || job.id !== message.id) return
      this.running = null
      if ('result' in message) job.resolve(message.result)
      else if ('refused' in message) job.reject(new ApiError(message.refused.status, message.refused.body))
      else job.reject(new Error(`reading a MAL upload failed: ${message.failed}`))
      this.pump()
    })
    const lost = (error: Error | number): void => {
      if (this.worker !== worker) return
      this.worker = null
      const job = this.running
      this.running = null
      if (job !== null) {
        const outOfMemory = (error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY'
        job.reject(outOfMemory
          ? new ApiError(413, { detail: 'The file needs more memory to read than an import may use.' })
          : new Error(`the MAL upload worker stopped: ${typeof error === 'number' ? `exit code ${error}` : error.message}`))
      }
      this.pump()
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
    } else if (this.running === job) {
      // The read stops with its worker; the next upload starts another.
      this.running = null
      job.reject(reason)
      void this.stopWorker().then(() => { this.pump() })
    }
  }

  private async stopWorker (): Promise<void> {
    if (this.idleTimer !== null) { clearTimeout(this.idleTimer); this.idleTimer = null }
    const worker = this.worker
    this.worker = null
    await worker?.terminate()
  }
}
