// `anime-api catalogue …`: import a file, show what is served.
import { loadConfig, parseHttpUrl } from '../config.js'
import { importCatalogueFile, type ImportProgress, type ImportReport } from '../catalogue/import.js'
import { openCatalogueDb } from '../catalogue/db.js'
import { createCatalogue } from '../catalogue/repository.js'
import { updateCatalogue, type UpdateProgress } from '../catalogue/update.js'
import { UsageError, type CliIo } from './io.js'

export const catalogueHelp = `Usage: anime-api catalogue <command>

Commands:
  import <file>   Import an anime-offline-database file (.json or .jsonl) into
                  the catalogue under DATA_DIR, atomically: a running service
                  keeps serving the old catalogue until the new one is complete.
  update [--url U] [--force]
                  Download the latest anime-offline-database release (.json,
                  .jsonl, or either compressed with zstd) and import it the same
                  way. The URL defaults to CATALOGUE_UPDATE_URL. A failed or
                  truncated download leaves the catalogue as it was. Nothing is
                  downloaded when the server says the file has not changed since
                  the last update from the same URL, unless --force.
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
function parseUpdateArgs (args: string[]): { url?: string, force: boolean } {
  const result: { url?: string, force: boolean } = { force: false }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === '--url' && args[i + 1] !== undefined) result.url = args[++i]
    else if (arg.startsWith('--url=')) result.url = arg.slice('--url='.length)
    else if (arg === '--force') result.force = true
    else throw new UsageError('usage: anime-api catalogue update [--url <url>] [--force]')
  }
  return result
}

export function describeProgress (progress: ImportProgress): string {
  const mb = (progress.bytes / 1e6).toFixed(1)
  if (progress.totalBytes === null || progress.totalBytes === 0) return `importing: ${mb} MB, ${progress.records} records`
  const percent = Math.min(100, Math.floor((progress.bytes / progress.totalBytes) * 100))
  return `importing: ${String(percent).padStart(3)}% (${mb} of ${(progress.totalBytes / 1e6).toFixed(1)} MB), ${progress.records} records`
}

export function describeReport (report: ImportReport): string[] {
  const lines = [
    `imported ${report.format.toUpperCase()}: ${report.added} added, ${report.updated} updated, ${report.kept} kept, ${report.skipped} skipped, ${report.removed} removed; ${report.total} entries served (catalogue version ${report.version})`
  ]
  for (const bad of report.skippedRecords.slice(0, 10)) lines.push(`  skipped record #${bad.index}: ${bad.reason}`)
  if (report.skipped > 10) lines.push(`  … and ${report.skipped - 10} more skipped`)
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
      const file = rest[0]
      if (file === undefined || rest.length > 1) throw new UsageError('usage: anime-api catalogue import <file>')
      const report = await importCatalogueFile(config.dataDir, file, { onProgress: (p) => io.progress(describeProgress(p)) })
      io.progress('')
      for (const line of describeReport(report)) io.out(line)
      return 0
    }
    case 'update': {
      const { url = config.catalogueUpdateUrl, force } = parseUpdateArgs(rest)
      const checked = parseHttpUrl('--url', url)
      io.out(`downloading ${checked}`)
      const report = await updateCatalogue(config.dataDir, checked, { ifChanged: !force, onProgress: (p) => io.progress(describeDownload(p)) })
      io.progress('')
      if (report.notModified === true) {
        io.out('the catalogue is up to date: the file has not changed since the last update from this URL (--force imports it anyway)')
        return 0
      }
      io.out(`downloaded ${byteSize(report.downloaded)}${report.compressed ? ' (zstd)' : ''}`)
      for (const line of describeReport(report)) io.out(line)
      return 0
    }
    case 'info': {
      const db = openCatalogueDb(config.dataDir)
      try {
        const info = createCatalogue(db).info()
        io.out(`data dir:     ${config.dataDir}`)
        io.out(`entries:      ${info.count}`)
        io.out(`version:      ${info.version}`)
        io.out(`imported at:  ${info.importedAt ?? 'never'}`)
        io.out(`file date:    ${info.lastUpdate ?? 'unknown'}`)
        io.out(`source:       ${info.source ?? 'unknown'}`)
      } finally {
        db.close()
      }
      return 0
    }
    default:
      throw new UsageError(`unknown catalogue command "${command}"; see anime-api catalogue --help`)
  }
}
