// A damaged catalogue file is never served. At start the service checks
// catalogue.sqlite (SQLite's PRAGMA quick_check: every page, index and free
// list, in time linear in the file's size) unless it is exactly as the service
// last left it (a stamp of its size and times, written after a check passed and
// after a clean stop), so that a clean restart costs nothing. A damaged file is
// moved aside and rebuilt by importing again the file its last import read (a
// local file, or the copy an update keeps of its download), with the ids of the
// id map in the user store, so every id comes back; where that file is gone the
// service refuses to start, in one line saying what to do.
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { CATALOGUE_FILE } from './db.js'
import { writePrivateFile } from '../storage/files.js'

/** The stamp of the catalogue file as last checked or cleanly closed. */
export const STAMP_FILE = `${CATALOGUE_FILE}.checked`
/** What the last successful import read, to rebuild from (see LastImport). */
export const LAST_IMPORT_FILE = 'catalogue-last-import.json'
/** The last update's download as received (any form the importer reads). */
export const DOWNLOAD_COPY = 'catalogue-download'

/** The catalogue file cannot be served and cannot be rebuilt: the service does not start. */
export class CatalogueDamagedError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'CatalogueDamagedError'
  }
}

interface Stamp { size: number, mtimeMs: number, ctimeMs: number, ino: number }

const stampOf = (stat: fs.Stats): Stamp => ({ size: stat.size, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs, ino: stat.ino })

/** The WAL beside the file holds commits not yet in the file itself (an unclean stop, or a writer running). */
function walPending (file: string): boolean {
  try {
    return fs.statSync(`${file}-wal`).size > 0
  } catch {
    return false
  }
}

/** Records that the catalogue file, as it is now, is sound (after a check, or a clean close of a checked file). */
export function stampCatalogue (dataDir: string): void {
  const file = path.join(dataDir, CATALOGUE_FILE)
  try {
    if (walPending(file)) return
    writePrivateFile(path.join(dataDir, STAMP_FILE), JSON.stringify(stampOf(fs.statSync(file))) + '\n')
  } catch {
    // No stamp: the next start checks the file, that is all.
  }
}

function stampMatches (dataDir: string, file: string): boolean {
  try {
    const stamp = JSON.parse(fs.readFileSync(path.join(dataDir, STAMP_FILE), 'utf8')) as Stamp
    const now = stampOf(fs.statSync(file))
    return !walPending(file) && stamp.size === now.size && stamp.mtimeMs === now.mtimeMs && stamp.ctimeMs === now.ctimeMs && stamp.ino === now.ino
  } catch {
    return false
  }
}

export type CheckResult =
  | { state: 'missing' }
  /** Unchanged since the last check or clean stop: not read again. */
  | { state: 'unchanged' }
  | { state: 'sound', ms: number }
  | { state: 'damaged', problem: string }

/** The first problems quick_check reports (it reports up to this many). */
const PROBLEMS = 3

/** quick_check's report (lines, some under a `*** in database main ***` heading) as one short line. */
function oneLine (problems: string[]): string {
  const lines = problems.flatMap((text) => text.split('\n')).map((line) => line.trim()).filter((line) => line !== '' && !/^\*\*\*.*\*\*\*$/.test(line))
  return lines.slice(0, PROBLEMS).join('; ') + (lines.length > PROBLEMS ? '; …' : '')
}

/** Checks DATA_DIR/catalogue.sqlite (see above); writes the stamp when it is sound. */
export function checkCatalogue (dataDir: string): CheckResult {
  const file = path.join(dataDir, CATALOGUE_FILE)
  if (!fs.existsSync(file)) return { state: 'missing' }
  if (stampMatches(dataDir, file)) return { state: 'unchanged' }
  const started = performance.now()
  let db: Database.Database | null = null
  try {
    db = new Database(file, { fileMustExist: true })
    const rows = db.pragma(`quick_check(${PROBLEMS})`, { simple: false }) as Array<{ quick_check: string }>
    const problems = rows.map((row) => row.quick_check).filter((text) => text !== 'ok')
    if (problems.length > 0) return { state: 'damaged', problem: oneLine(problems) }
  } catch (error) {
    // The header itself is gone ("file is not a database"), or a page cannot be read at all.
    return { state: 'damaged', problem: oneLine([(error as Error).message]) }
  } finally {
    db?.close()
  }
  stampCatalogue(dataDir)
  return { state: 'sound', ms: performance.now() - started }
}

/** What the last successful import read: enough to read it again. */
export interface LastImport {
  /** Where the data came from (a path or URL), as the catalogue records it. */
  source: string
  /** The file to read again: the imported file itself, or the copy an update kept. */
  file: string
  release: string | null
}

export function recordLastImport (dataDir: string, last: LastImport): void {
  const target = path.join(dataDir, LAST_IMPORT_FILE)
  const partial = `${target}.partial-${process.pid}`
  writePrivateFile(partial, JSON.stringify(last, null, 2) + '\n')
  fs.renameSync(partial, target)
}

export function forgetLastImport (dataDir: string): void {
  try { fs.rmSync(path.join(dataDir, LAST_IMPORT_FILE), { force: true }) } catch { /* nothing more to do */ }
}

/** The last import, from its record beside the catalogue file; null when none (or unreadable). */
export function lastImport (dataDir: string): LastImport | null {
  try {
    const last = JSON.parse(fs.readFileSync(path.join(dataDir, LAST_IMPORT_FILE), 'utf8')) as Partial<LastImport>
    if (typeof last.source !== 'string' || typeof last.file !== 'string') return null
    return { source: last.source, file: last.file, release: typeof last.release === 'string' ? last.release : null }
  } catch {
    return null
  }
}

/** Moves a damaged catalogue file (and its WAL and shared memory) aside; returns the new name. */
export function moveAside (dataDir: string, now = new Date()): string {
  const file = path.join(dataDir, CATALOGUE_FILE)
  const aside = `${file}.damaged-${now.toISOString().replace(/[:.]/g, '-')}`
  fs.renameSync(file, aside)
  for (const suffix of ['-wal', '-shm']) {
    if (fs.existsSync(file + suffix)) fs.renameSync(file + suffix, aside + suffix)
  }
  fs.rmSync(path.join(dataDir, STAMP_FILE), { force: true })
  return aside
}
