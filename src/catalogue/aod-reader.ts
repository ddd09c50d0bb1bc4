// Streaming reader for anime-offline-database files. One byte scanner serves both
// forms: the JSON file (`{"license":…,"data":[…]}`, pretty or minified) and the
// JSONL file (a metadata object on the first line, then one anime per line).
// Only one record is held in memory at a time, so a 100 MB file reads in bounded
// memory; each record's text is handed to JSON.parse, which is far faster than a
// token-by-token JSON streamer. A record larger than MAX_RECORD_BYTES is not
// held at all: it is scanned past and reported as skipped. A UTF-8 byte order
// mark before the first value is allowed (some editors write one).

/** The file is not an anime-offline-database file at all. */
export class NotAodError extends Error {
  constructor (message: string) {
    super(`not an anime-offline-database file: ${message}`)
    this.name = 'NotAodError'
  }
}

/** The file looked like AOD but is broken (truncated, bad JSON). */
export class CorruptAodError extends Error {
  constructor (message: string) {
    super(`broken anime-offline-database file: ${message}`)
    this.name = 'CorruptAodError'
  }
}

export type AodFormat = 'json' | 'jsonl'

export interface AodReadResult {
  format: AodFormat
  /** Top-level keys other than `data` (JSON) or the first line (JSONL): lastUpdate, repository, license … */
  meta: Record<string, unknown>
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d
const COMMA = 0x2c

function isSpace (byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09
}

const MAX_MEMBER_BYTES = 16 * 1024 * 1024

/**
 * The largest anime record read (its JSON text, in bytes). Real records are a few
 * kilobytes (the largest some 50 kB); a larger one is skipped unread, so that one
 * huge record cannot take the import's memory with it.
 */
export const MAX_RECORD_BYTES = 1024 * 1024

export interface AodReaderCallbacks {
  /** Each anime record, parsed (not yet validated), as soon as it is complete. */
  onRecord: (record: unknown) => void
  /**
   * With this, records come as JSON text instead, to parse with parseText(text,
   * where) elsewhere or later; onRecord then only gets a JSONL file's lone first record.
   */
  onRecordText?: (text: string, where: string) => void
  /** A record not read, and why (larger than MAX_RECORD_BYTES). */
  onSkip: (reason: string) => void
}

/** A UTF-8 byte order mark: allowed before the first value. */
const BOM = [0xef, 0xbb, 0xbf]

/** A record's JSON text, parsed; CorruptAodError says `where` it failed. */
export function parseText (text: string, where: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new CorruptAodError(`${where}: ${(error as Error).message}`)
  }
}

/** Reads an AOD file from a byte stream, handing each anime record to `callbacks` as soon as it is complete. */
export async function readAod (input: AsyncIterable<Buffer | string>, callbacks: AodReaderCallbacks): Promise<AodReadResult> {
  const { onRecord, onSkip } = callbacks
  const onRecordText = callbacks.onRecordText ?? ((text: string, where: string) => onRecord(parseText(text, where)))
  let depth = 0
  let inString = false
  let escaped = false
  let topValues = 0 // top-level values begun so far
  let line = 1

  // The region being captured: a member of the first object (`"key": value`), an
  // element of its `data` array, or a whole later top-level value (a JSONL line).
  let capturing: 'member' | 'element' | 'line' | null = null
  let parts: Buffer[] = []
  let partsBytes = 0
  let regionStart = -1
  let inData = false
  let sawData = false
  const members: Record<string, unknown> = {}
  let lineRecords = 0

  // A record region that outgrew MAX_RECORD_BYTES: its bytes are dropped as they come.
  let oversized = false

  const finishRegion = (chunk: Buffer, end: number): string => {
    if (regionStart >= 0 && end > regionStart) parts.push(chunk.subarray(regionStart, end))
    const text = parts.length === 1 ? parts[0]!.toString('utf8') : Buffer.concat(parts).toString('utf8')
    parts = []
    partsBytes = 0
    regionStart = -1
    return text
  }

  /** A record region ends at `end`: its text, or null (reported skipped) when it is too large. */
  const finishRecord = (chunk: Buffer, end: number): string | null => {
    const bytes = partsBytes + (regionStart >= 0 ? Math.max(0, end - regionStart) : 0)
    if (oversized || bytes > MAX_RECORD_BYTES) {
      oversized = false
      parts = []
      partsBytes = 0
      regionStart = -1
      onSkip(`the record ending on line ${line} is larger than ${MAX_RECORD_BYTES / 1024 / 1024} MiB (${(bytes / 1024 / 1024).toFixed(1)} MiB)`)
      return null
    }
    return finishRegion(chunk, end)
  }

  const finishMember = (chunk: Buffer, end: number): void => {
    const text = finishRegion(chunk, end).trim()
    capturing = null
    if (text === '') return // `{}` or a trailing comma
    if (/^"data"\s*:/.test(text)) return // the data array was streamed element by element
    const colon = /^("(?:[^"\\]|\\.)*")\s*:/.exec(text)
    if (colon === null) throw new CorruptAodError(`malformed member near line ${line}`)
    const key = parseText(colon[1]!, `line ${line}`) as string
    members[key] = parseText(text.slice(colon[0].length), `the value of "${key}"`)
  }

  const finishElement = (chunk: Buffer, end: number): void => {
    const text = finishRecord(chunk, end)?.trim()
    capturing = null
    if (text === undefined || text === '') return
    onRecordText(text, `the record ending on line ${line}`)
  }

  let bomAt = 0 // bytes of a byte order mark matched at the start; -1 once past it

  for await (const piece of input) {
    const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece
    if (capturing !== null) regionStart = 0
    const length = chunk.length
    for (let i = 0; i < length; i++) {
      let byte = chunk[i]!
      if (inString) {
        if (escaped) {
          escaped = false
          continue
        }
        // Most bytes are inside strings: on to the next one that matters, in a tight loop.
        while (byte !== QUOTE && byte !== BACKSLASH && byte !== 0x0a) {
          if (++i === length) break
          byte = chunk[i]!
        }
        if (i === length) break
        if (byte === BACKSLASH) escaped = true
        else if (byte === QUOTE) inString = false
        else line++
        continue
      }
      // Indentation (pretty JSON) is skipped the same way.
      if (byte === 0x0a) {
        line++
        while (i + 1 < length && chunk[i + 1] === 0x20) i++
        continue
      }
      if (isSpace(byte)) {
        while (i + 1 < length && chunk[i + 1] === 0x20) i++
        continue
      }

      if (depth === 0) {
        if (bomAt >= 0) {
          if (topValues === 0 && byte === BOM[bomAt]) {
            bomAt = bomAt === BOM.length - 1 ? -1 : bomAt + 1
            continue
          }
          if (bomAt > 0) throw new NotAodError('expected a JSON object at the start of the file')
          bomAt = -1
        }
        if (byte !== OPEN_OBJECT) {
          if (topValues === 0) throw new NotAodError('expected a JSON object at the start of the file')
          throw new CorruptAodError(`expected an anime object on line ${line}`)
        }
        topValues++
        if (topValues === 2 && sawData) throw new CorruptAodError(`unexpected content after the end of the document on line ${line}`)
        depth = 1
        if (topValues === 1) {
          capturing = 'member'
          regionStart = i + 1
        } else {
          capturing = 'line'
          regionStart = i
        }
        continue
      }

      switch (byte) {
        case QUOTE:
          inString = true
          break
        case OPEN_OBJECT:
        case OPEN_ARRAY:
          depth++
          if (topValues === 1 && depth === 2 && byte === OPEN_ARRAY && capturing === 'member') {
            const sofar = Buffer.concat([...parts, chunk.subarray(regionStart, i)]).toString('utf8').trim()
            if (/^"data"\s*:$/.test(sofar)) {
              if (sawData) throw new CorruptAodError('two "data" arrays')
              sawData = true
              inData = true
              parts = []
              partsBytes = 0
              capturing = 'element'
              regionStart = i + 1
            }
          }
          break
        case CLOSE_OBJECT:
        case CLOSE_ARRAY:
          if (inData && depth === 2) {
            if (byte !== CLOSE_ARRAY) throw new CorruptAodError(`unbalanced brackets on line ${line}`)
            finishElement(chunk, i)
            inData = false
            capturing = 'member' // the rest of the `"data": […]` member, discarded
            regionStart = i + 1
          } else if (depth === 1) {
            if (byte !== CLOSE_OBJECT) throw new CorruptAodError(`unbalanced brackets on line ${line}`)
            if (topValues === 1) {
              finishMember(chunk, i)
            } else {
              lineRecords++
              capturing = null
              const text = finishRecord(chunk, i + 1)
              if (text !== null) onRecordText(text, `line ${line}`)
            }
          }
          depth--
          break
        case COMMA:
          if (inData && depth === 2) {
            finishElement(chunk, i)
            capturing = 'element'
            regionStart = i + 1
          } else if (topValues === 1 && depth === 1) {
            finishMember(chunk, i)
            capturing = 'member'
            regionStart = i + 1
          }
          break
      }
    }
    if (capturing !== null && regionStart >= 0) {
      partsBytes += length - regionStart
      if (oversized) {
        // counted, not kept
      } else if (capturing !== 'member' && partsBytes > MAX_RECORD_BYTES) {
        oversized = true
        parts = []
      } else {
        parts.push(chunk.subarray(regionStart))
      }
      if (capturing === 'member' && !inData && partsBytes > MAX_MEMBER_BYTES) {
        throw new NotAodError('a top-level value other than "data" is larger than 16 MiB')
      }
    }
  }

  if (topValues === 0) throw new NotAodError('the file is empty')
  if (depth !== 0 || inString) throw new CorruptAodError(`the file ends in the middle of a value (line ${line}); truncated?`)

  if (sawData) return { format: 'json', meta: members }
  if (topValues === 1 && lineRecords === 0) {
    // A lone object with no "data": not AOD, unless it is itself a single anime record.
    if (!('sources' in members && 'title' in members)) throw new NotAodError('no "data" array and no anime records')
  }
  if ('sources' in members && 'title' in members) {
    // JSONL without the metadata line: the first line is a record too.
    onRecord(members)
    return { format: 'jsonl', meta: {} }
  }
  return { format: 'jsonl', meta: members }
}
