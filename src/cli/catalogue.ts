// `anime-api catalogue …`: import a file, show what is served.
import { loadConfig, parseHttpUrl } from '../config.js'
import { importCatalogueFile, type ImportProgress, type ImportReport } from '../catalogue/import.js'
import { openCatalogueDb } from '../catalogue/db.js'
import { createCatalogue } from '../catalogue/repository.js'
import { updateCatalogue, type UpdateProgress } from '../catalogue/update.js'
import { openUserStore, type UserStore } from '../storage/index.js'
import { CatalogueDamagedError, checkCatalogue, moveAside, stampCatalogue } from '../catalogue/integrity.js'
import type { AppConfig } from '../config.js'
import { UsageError, type CliIo } from './io.js'

export const catalogueHelp = `Usage: anime-api catalogue <command>

Commands:
  import <file> [--accept-new-ids]
                  Import an anime-offline-database file into the catalogue under
                  DATA_DIR, atomically: a running service keeps serving the old
                  catalogue until the new one is complete. Any form the releases
                  publish: JSON (pretty or minified) or JSONL, plain or compressed
                  with zstd or gzip, told by the content, not the file name.
                  Ids come from the id map kept with the accounts (accounts.sqlite
                  or DATABASE_URL), so a lost catalogue.sqlite imported again
                  gets every id back. An import that would give out ids afresh
                  while watchlists hold ids of a lost map is refused, unless
                  --accept-new-ids.
  update [--url U] [--force] [--accept-new-ids]
                  Download the latest anime-offline-database release (any of the
                  forms above) and import it the same way. The URL defaults to
                  CATALOGUE_UPDATE_URL. A failed or truncated download leaves the
                  catalogue as it was. Nothing is downloaded when the server says
                  the file has not changed since the last update from the same
                  URL, unless --force.
  info            Show the catalogue in DATA_DIR: entries, version, source.`

/** 950 B, 12.3 kB, 45.6 MB */
export function byteSize (bytes: number): string {
  if (bytes < 1000) return `${bytes} B`
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`
  return `${(bytes / 1e6).toFixed(1)} MB`
}

export function describeDownload (progress: UpdateProgress): string {
  const what = progress.compressed ? 'downloading (zstd)' : 'downloading'
  const records = progress.records > 0 ? `, ${progress.records} records` : ''
  if (progress.total === null || progress.total === 0) return `${what}: ${byteSize(progress.received)}${records}`
  const percent = Math.min(100, Math.floor((progress.received / progress.total) * 100))
  const width = 24
  const filled = Math.round((percent / 100) * width)
  return `${what}: [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(percent).padStart(3)}% (${byteSize(progress.received)} of ${byteSize(progress.total)})${records}`
}

/** `--url U` or `--url=U`; anything else is a usage error. */
function parseUpdateArgs (args: string[]): { url?: string, force: boolean, acceptNewIds: boolean } {
  const result: { url?: string, force: boolean, acceptNewIds: boolean } = { force: false, acceptNewIds: false }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === '--url' && args[i + 1] !== undefined) result.url = args[++i]
    else if (arg.startsWith('--url=')) result.url = arg.slice('--url='.length)
    else if (arg === '--force') result.force = true
    else if (arg === '--accept-new-ids') result.acceptNewIds = true
    else throw new UsageError('usage: anime-api catalogue update [--url <url>] [--force] [--accept-new-ids]')
  }
  return result
}

/**
 * Before an import: a damaged catalogue file is moved aside, and the import
 * fills a new one (its ids come back from the map kept with the accounts).
 * Either way the file the import writes to is sound, and stays so: after the
 * import it is stamped (integrity.ts), and the next start need not read it through.
 */
function setAsideIfDamaged (config: AppConfig, io: CliIo): void {
  const check = checkCatalogue(config.dataDir)
  if (check.state !== 'damaged') return
  const aside = moveAside(config.dataDir)
  io.out(`the catalogue file is damaged (${check.problem}): moved aside to ${aside}; importing into a new one`)
}

/** Runs `fn` with the user store (which keeps the catalogue's id map), schema up to date, closed afterwards. */
async function withUserStore<T> (config: AppConfig, fn: (store: UserStore) => Promise<T>): Promise<T> {
  const store = openUserStore(config)
  try {
    await store.start()
    return await fn(store)
  } finally {
    await store.close()
  }
}

export function describeProgress (progress: ImportProgress): string {
  const mb = (progress.bytes / 1e6).toFixed(1)
  if (progress.totalBytes === null || progress.totalBytes === 0) return `importing: ${mb} MB, ${progress.records} records`
  const percent = Math.min(100, Math.floor((progress.bytes / progress.totalBytes) * 100))
  return `importing: ${String(percent).padStart(3)}% (${mb} of ${(progress.totalBytes / 1e6).toFixed(1)} MB), ${progress.records} records`
}

export function describeReport (report: ImportReport): string[] {
  const form = `${report.format.toUpperCase()}${report.compression === null ? '' : ` (${report.compression})`}`
  const lines = [
    `imported ${form}: ${report.added} added, ${report.updated} updated, ${report.kept} kept, ${report.skipped} skipped, ${report.removed} removed; ${report.total} entries served (catalogue version ${report.version})`
  ]
  for (const bad of report.skippedRecords.slice(0, 10)) lines.push(`  skipped record #${bad.index}: ${bad.reason}`)
  if (report.skipped > 10) lines.push(`  … and ${report.skipped - 10} more skipped`)
  if (report.deadRecords > 0) lines.push(`${report.deadRecords} records left out: their sites list every one of their sources as deleted`)
  if (report.died > 0) lines.push(`${report.died} of the removed entries are gone because every source of theirs died`)
  if (report.adjusted > 0) lines.push(`${report.adjusted} values left out of imported records, being out of range:`)
  for (const note of report.adjustedRecords.slice(0, 10)) lines.push(`  record #${note.index}: ${note.reason}`)
  if (report.adjusted > 10) lines.push(`  … and ${report.adjusted - 10} more`)
  return lines
}

export async function runCatalogueCommand (argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h' || rest.includes('--help')) {
    io.out(catalogueHelp)
    return command === undefined ? 2 : 0
  }
  const config = loadConfig(io.env)
  switch (command) {
    case 'import': {
      const acceptNewIds = rest.includes('--accept-new-ids')
      const files = rest.filter((arg) => arg !== '--accept-new-ids')
      const file = files[0]
      if (file === undefined || files.length > 1 || file.startsWith('--')) throw new UsageError('usage: anime-api catalogue import <file> [--accept-new-ids]')
      setAsideIfDamaged(config, io)
      const report = await withUserStore(config, (store) => importCatalogueFile(config.dataDir, file, {
        ids: store.catalogueIds,
        acceptNewIds,
        onProgress: (p) => io.progress(describeProgress(p))
      }))
      stampCatalogue(config.dataDir)
      io.progress('')
      for (const line of describeReport(report)) io.out(line)
      return 0
    }
    case 'update': {
      const { url = config.catalogueUpdateUrl, force, acceptNewIds } = parseUpdateArgs(rest)
      const checked = parseHttpUrl('--url', url)
      io.out(`downloading ${checked}`)
      setAsideIfDamaged(config, io)
      const report = await withUserStore(config, (store) => updateCatalogue(config.dataDir, checked, {
        ids: store.catalogueIds,
        acceptNewIds,
        deadEntries: config.catalogueDeadEntriesUrl,
        ifChanged: !force,
        onProgress: (p) => io.progress(describeDownload(p))
      }))
      stampCatalogue(config.dataDir)
      io.progress('')
      if (report.notModified === true) {
        io.out('the catalogue is up to date: the file has not changed since the last update from this URL (--force imports it anyway)')
        return 0
      }
      io.out(`downloaded ${byteSize(report.downloaded)}${report.compression === null ? '' : ` (${report.compression})`}`)
      const used = report.deadLists.filter((list) => list.ids !== null)
      const missing = report.deadLists.filter((list) => list.ids === null)
      if (used.length > 0) io.out(`dead-entry lists: ${used.map((list) => `${list.site} ${list.ids} ids`).join(', ')}`)
      if (missing.length > 0) io.out(`dead-entry lists not used: ${missing.map((list) => `${list.site} (${list.problem})`).join(', ')}`)
      for (const line of describeReport(report)) io.out(line)
      return 0
    }
    case 'info': {
      const check = checkCatalogue(config.dataDir)
      if (check.state === 'damaged') {
        throw new CatalogueDamagedError(`the catalogue file is damaged (${check.problem}); starting the service rebuilds it from its last import, or run anime-api catalogue import <file>`)
      }
      const db = openCatalogueDb(config.dataDir)
      try {
        const info = createCatalogue(db).info()
        io.out(`data dir:     ${config.dataDir}`)
        io.out(`entries:      ${info.count}`)
        io.out(`version:      ${info.version}`)
        io.out(`imported at:  ${info.importedAt ?? 'never'}`)
        io.out(`file date:    ${info.lastUpdate ?? 'unknown'}`)
        io.out(`release:      ${info.release ?? 'unknown (not named by the URL, or a local file)'}`)
        io.out(`source:       ${info.source ?? 'unknown'}`)
        io.out(`data:         ${info.repository ?? 'unknown'}`)
        io.out(`licence:      ${info.license ?? 'unknown'}`)
      } finally {
        db.close()
      }
      return 0
    }
    default:
      throw new UsageError(`unknown catalogue command "${command}"; see anime-api catalogue --help`)
  }
}
