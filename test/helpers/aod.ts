// Builds small anime-offline-database files for tests.
import fs from 'node:fs'
import path from 'node:path'

export interface AodRecord {
  sources: string[]
  title: string
  type?: unknown
  episodes?: unknown
  status?: unknown
  animeSeason?: unknown
  picture?: unknown
  thumbnail?: unknown
  duration?: unknown
  score?: unknown
  synonyms?: unknown
  studios?: unknown
  producers?: unknown
  relatedAnime?: unknown
  tags?: unknown
  [key: string]: unknown
}

/** A complete AOD record for anidb id `n`, with overrides. */
export function aodRecord (n: number, overrides: Partial<AodRecord> = {}): AodRecord {
  return {
    sources: [`https://anidb.net/anime/${n}`, `https://myanimelist.net/anime/${n + 100000}`],
    title: `Anime ${n}`,
    type: 'TV',
    episodes: 12,
    status: 'FINISHED',
    animeSeason: { season: 'SPRING', year: 2000 + (n % 25) },
    picture: `https://cdn.example/${n}.jpg`,
    thumbnail: `https://cdn.example/${n}t.jpg`,
    duration: { value: 1440, unit: 'SECONDS' },
    score: { arithmeticGeometricMean: 7.5, arithmeticMean: 7.6, median: 7.7 },
    synonyms: [`Synonym ${n}`],
    studios: ['studio a'],
    producers: ['producer b'],
    relatedAnime: [],
    tags: ['action', 'drama'],
    ...overrides
  }
}

export const aodMeta = {
  $schema: 'https://raw.githubusercontent.com/manami-project/anime-offline-database/master/schemas/anime-offline-database.schema.json',
  license: { name: 'ODbL-1.0', url: 'https://opendatacommons.org/licenses/odbl/1-0/' },
  repository: 'https://github.com/manami-project/anime-offline-database',
  scoreRange: { minInclusive: 1.0, maxInclusive: 10.0 },
  lastUpdate: '2026-11-20'
}

export type AodStyle = 'pretty' | 'minified' | 'jsonl'

export function aodText (records: unknown[], style: AodStyle = 'pretty'): string {
  if (style === 'jsonl') return [aodMeta, ...records].map((r) => JSON.stringify(r)).join('\n') + '\n'
  const document = { ...aodMeta, data: records }
  return style === 'pretty' ? JSON.stringify(document, null, 2) : JSON.stringify(document)
}

let counter = 0
export function writeAod (dir: string, records: unknown[], style: AodStyle = 'pretty'): string {
  const file = path.join(dir, `aod-${++counter}.${style === 'jsonl' ? 'jsonl' : 'json'}`)
  fs.writeFileSync(file, aodText(records, style))
  return file
}

/**
 * `bytes` as one zstd frame of stored (raw) blocks: valid zstd that any decoder
 * reads, written without a compressor (Node 20 has none). The fixtures under
 * test/fixtures/ hold truly compressed frames, made with the zstd tool.
 */
export function zstdStored (bytes: Buffer): Buffer {
  const parts: Buffer[] = [
    Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), // magic number
    Buffer.from([0x00]), // frame header: no content size, no checksum, no dictionary, not single-segment
    Buffer.from([7 << 3]) // window: 2^(10 + 7) = 128 KiB
  ]
  const blockSize = 128 * 1024
  for (let at = 0; at < bytes.length || at === 0; at += blockSize) {
    const block = bytes.subarray(at, at + blockSize)
    const last = at + blockSize >= bytes.length ? 1 : 0
    const header = (block.length << 3) | (0 << 1) | last // type 0: raw
    parts.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff]), block)
  }
  return Buffer.concat(parts)
}
