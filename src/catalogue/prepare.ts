// Before the catalogue is served: checked, and rebuilt when damaged (see
// integrity.ts). Run once per start, by the process that owns DATA_DIR (the
// service, or a cluster's primary before it forks).
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { CATALOGUE_FILE } from './db.js'
import type { CatalogueIdStore } from './id-store.js'
import { CatalogueDamagedError, checkCatalogue, lastImport, moveAside, stampCatalogue, type CheckResult, type LastImport } from './integrity.js'

export interface PrepareLog {
  info: (obj: object, msg: string) => void
  error: (obj: object, msg: string) => void
}

/** Where a damaged file's last import came from, read from the file itself if it still says (older installs keep no record beside it). */
function sourceInside (file: string): LastImport | null {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true })
    try {
      const source = db.prepare("SELECT value FROM meta WHERE key = 'source'").pluck().get() as string | undefined
      if (source === undefined || source === '') return null
      return { source, file: source, release: null }
    } finally {
      db.close()
    }
  } catch {
    return null
  }
}

const isUrl = (text: string): boolean => /^https?:\/\//i.test(text)

/**
 * Checks DATA_DIR/catalogue.sqlite; a damaged one is moved aside and rebuilt
 * from its last import with the ids of `ids`. Throws CatalogueDamagedError,
 * one line saying what to do, when it cannot be rebuilt.
 */
export async function repairCatalogue (dataDir: string, ids: CatalogueIdStore | undefined, log: PrepareLog): Promise<CheckResult> {
  const check = checkCatalogue(dataDir)
  if (check.state !== 'damaged') {
    if (check.state === 'sound') log.info({ ms: Math.round(check.ms) }, 'catalogue checked: sound')
    return check
  }
  const file = path.join(dataDir, CATALOGUE_FILE)
  const last = lastImport(dataDir) ?? sourceInside(file)
  const aside = moveAside(dataDir)
  const what = `${file} is damaged (${check.problem}); it was moved aside to ${path.basename(aside)}`
  const todo = 'import a catalogue with `anime-api catalogue import <file>` or `anime-api catalogue update`: every id comes back from the map kept with the accounts'
  if (last === null) throw new CatalogueDamagedError(`${what}, and nothing says which file it was imported from: ${todo}`)
  log.error({ problem: check.problem, movedTo: aside, source: last.source }, 'the catalogue file is damaged: rebuilding it from its last import')
  try {
    // The importer and the downloader are loaded only to rebuild (they are not light).
    if (fs.existsSync(last.file)) {
      const { importCatalogueFile } = await import('./import.js')
      await importCatalogueFile(dataDir, last.file, { ids, source: last.source, release: last.release })
    } else if (isUrl(last.source)) {
      const { updateCatalogue } = await import('./update.js')
      const report = await updateCatalogue(dataDir, last.source, { ids, ifChanged: false })
      if (report.notModified === true) throw new Error('the server answered 304 Not Modified')
    } else {
      throw new Error(`${last.file} is gone`)
    }
  } catch (error) {
    throw new CatalogueDamagedError(`${what}, and could not be rebuilt from ${last.source}: ${(error as Error).message}; ${todo}`)
  }
  stampCatalogue(dataDir)
  log.info({ source: last.source }, 'catalogue rebuilt from its last import')
  return check
}
