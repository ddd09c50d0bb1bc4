// The import's parsing worker: reads the AOD bytes the import sends it and sends
// back the records in file order, about half of them as finished staging rows
// (see staging.ts) and the rest as JSON text for the import's thread to finish:
// the file is read on this core, and parsing, normalising and hashing are shared
// with the import's thread, which also writes the rows to SQLite.
import { parentPort } from 'node:worker_threads'
import { CorruptAodError, NotAodError, parseText, readAod } from './aod-reader.js'
import { NOTE, ROW, ROW_WIDTH, SKIP, TEXT, stagingRow, type FromWorker, type ToWorker } from './staging.js'

const port = parentPort!
const send = (message: FromWorker): void => port.postMessage(message)

const inbox: ToWorker[] = []
let wake: (() => void) | null = null
port.on('message', (message: ToWorker) => {
  inbox.push(message)
  wake?.()
})

class InputFailed extends Error {}

let items: unknown[] = []
let chunks = 0 // chunks handed to the reader; all but the last are read whole

async function * input (): AsyncGenerator<Buffer> {
  for (;;) {
    // Everything so far is parsed: hand it over before waiting for more.
    send({ items, chunks })
    items = []
    while (inbox.length === 0) await new Promise<void>((resolve) => { wake = resolve })
    wake = null
    const message = inbox.shift()!
    if ('end' in message) return
    if ('inputFailed' in message) throw new InputFailed()
    chunks++
    yield Buffer.from(message.chunk.buffer, message.chunk.byteOffset, message.chunk.byteLength)
  }
}

const stage = (record: unknown): void => {
  let notes: string[] | null = null
  const row: unknown[] = new Array(ROW_WIDTH)
  const reason = stagingRow(record, row, 0, (note) => { (notes ??= []).push(note) })
  if (reason !== null) {
    items.push(SKIP, reason)
  } else {
    for (const note of notes ?? []) items.push(NOTE, note)
    items.push(ROW)
    for (let i = 0; i < ROW_WIDTH; i++) items.push(row[i])
  }
  // A large chunk is handed over in parts, not all at its end.
  if (items.length >= 1024 * (ROW_WIDTH + 1)) {
    send({ items, chunks: chunks - 1 })
    items = []
  }
}

let turn = 0
// Not awaited at the top level: the build bundles this file as CommonJS (scripts/build.ts).
async function parse (): Promise<void> {
  try {
    const read = await readAod(input(), {
      onRecord: stage,
      onRecordText: (text, where) => {
        // Every other record is finished here, the others by the import's thread.
        if ((turn++ & 1) === 0) stage(parseText(text, where))
        else items.push(TEXT, text, where)
      },
      onSkip: (reason) => { items.push(SKIP, reason) }
    })
    send({ items, chunks })
    send({ done: true, format: read.format, meta: read.meta })
  } catch (error) {
    // Records before the failure first: one of them may fail first in the import's thread.
    send({ items, chunks: Math.max(0, chunks - 1) })
    const failed = error instanceof InputFailed
      ? 'input'
      : error instanceof NotAodError ? 'not-aod' : error instanceof CorruptAodError ? 'corrupt-aod' : 'other'
    send({ failed, message: (error as Error).message, stack: (error as Error).stack })
  }
}
void parse()
// The import ends this worker once it has the last message.
