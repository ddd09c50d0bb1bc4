// `anime-api catalogue …`: import a file, show what is served.
import fs from 'node:fs'
import { ConfigError, loadConfig, parseHttpUrl } from '../config.js'
import { importCatalogueFile, type ImportProgress, type ImportReport } from '../catalogue/import.js'
import { openCatalogueDb } from '../catalogue/db.js'
import { createCatalogue } from '../catalogue/repository.js'
import { updateCatalogue, type UpdateProgress } from '../catalogue/update.js'
import { CommandError, operands, parseCommandLine, prepareDataDir, UsageError, type CliIo } from './io.js'

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

const usage = {
  import: 'anime-api catalogue import <file>',
  update: 'anime-api catalogue update [--url <url>] [--force]',
  info: 'anime-api catalogue info'
}

/** Throws a CommandError saying what is wrong with the file to import, before anything is opened. */
function importable (file: string): void {
  let stats: fs.Stats
  try {
    stats = fs.statSync(file)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new CommandError(`${file}: no such file; give the path of an anime-offline-database file (.json or .jsonl)`)
    throw error
  }
  if (stats.isDirectory()) throw new CommandError(`${file} is a directory; give the path of an anime-offline-database file (.json or .jsonl) in it`)
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
  if (command === undefined || command === '--help' || command === '-h') {
    if (command === undefined) io.err(catalogueHelp)
    else io.out(catalogueHelp)
    return command === undefined ? 2 : 0
  }
  if (!Object.hasOwn(usage, command)) throw new UsageError(`unknown catalogue command "${command}"; see anime-api catalogue --help`)
  const { values, positionals } = parseCommandLine(rest, { url: { type: 'string' }, force: { type: 'boolean' } }, usage[command as keyof typeof usage])
  if (values.help === true) {
    io.out(catalogueHelp)
    return 0
  }
  if (command !== 'update' && (values.url !== undefined || values.force !== undefined)) {
    throw new UsageError(`${values.url !== undefined ? '--url' : '--force'} is an option of catalogue update; usage: ${usage[command as keyof typeof usage]}`)
  }
  const config = loadConfig(io.env)
  switch (command) {
    case 'import': {
      const [file] = operands(positionals, ['file'], usage.import)
      importable(file!)
      prepareDataDir(config.dataDir)
      const report = await importCatalogueFile(config.dataDir, file!, { onProgress: (p) => io.progress(describeProgress(p)) })
      io.progress('')
      for (const line of describeReport(report)) io.out(line)
      return 0
    }
    case 'update': {
      operands(positionals, [], usage.update)
      let checked = config.catalogueUpdateUrl
      try {
        if (values.url !== undefined) checked = parseHttpUrl('--url', values.url)
      } catch (error) {
        throw error instanceof ConfigError ? new UsageError(`${error.message}; usage: ${usage.update}`) : error
      }
      prepareDataDir(config.dataDir)
      io.out(`downloading ${checked}`)
      const report = await updateCatalogue(config.dataDir, checked, { ifChanged: values.force !== true, onProgress: (p) => io.progress(describeDownload(p)) })
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
      operands(positionals, [], usage.info)
      prepareDataDir(config.dataDir)
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
  }
  throw new UsageError(`unknown catalogue command "${command}"`)
}
