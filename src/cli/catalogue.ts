// `anime-api catalogue …`: import a file, show what is served.
import fs from 'node:fs'
import { ConfigError, loadConfig, parseHttpUrl } from '../config.js'
import { importCatalogueFile, type ImportProgress, type ImportReport } from '../catalogue/import.js'
import { withCatalogue } from '../catalogue/open.js'
import { updateCatalogue, type UpdateProgress } from '../catalogue/update.js'
import { openUserStore, type UserStore } from '../storage/index.js'
import { CatalogueDamagedError, checkCatalogue, moveAside, stampCatalogue } from '../catalogue/integrity.js'
import type { AppConfig } from '../config.js'
import { CommandError, operands, parseCommandLine, prepareDataDir, UsageError, type CliIo } from './io.js'

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

const usage = {
  import: 'anime-api catalogue import <file> [--accept-new-ids]',
  update: 'anime-api catalogue update [--url <url>] [--force] [--accept-new-ids]',
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
  const store = await openUserStore(config)
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
  if (command === undefined || command === '--help' || command === '-h') {
    if (command === undefined) io.err(catalogueHelp)
    else io.out(catalogueHelp)
    return command === undefined ? 2 : 0
  }
  if (!Object.hasOwn(usage, command)) throw new UsageError(`unknown catalogue command "${command}"; see anime-api catalogue --help`)
  const { values, positionals } = parseCommandLine(rest, { url: { type: 'string' }, force: { type: 'boolean' }, 'accept-new-ids': { type: 'boolean' } }, usage[command as keyof typeof usage])
  if (values.help === true) {
    io.out(catalogueHelp)
    return 0
  }
  if (command === 'info' && values['accept-new-ids'] !== undefined) {
    throw new UsageError(`--accept-new-ids is an option of catalogue import and update; usage: ${usage.info}`)
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
      setAsideIfDamaged(config, io)
      const report = await withUserStore(config, (store) => importCatalogueFile(config.dataDir, file!, {
        ids: store.catalogueIds,
        acceptNewIds: values['accept-new-ids'] === true,
        onProgress: (p) => io.progress(describeProgress(p))
      }))
      stampCatalogue(config.dataDir)
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
      setAsideIfDamaged(config, io)
      const report = await withUserStore(config, (store) => updateCatalogue(config.dataDir, checked, {
        ids: store.catalogueIds,
        acceptNewIds: values['accept-new-ids'] === true,
        deadEntries: config.catalogueDeadEntriesUrl,
        ifChanged: values.force !== true,
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
      operands(positionals, [], usage.info)
      prepareDataDir(config.dataDir)
      const check = checkCatalogue(config.dataDir)
      if (check.state === 'damaged') {
        throw new CatalogueDamagedError(`the catalogue file is damaged (${check.problem}); starting the service rebuilds it from its last import, or run anime-api catalogue import <file>`)
      }
      const info = await withCatalogue(config.dataDir, (catalogue) => catalogue.info())
      io.out(`data dir:     ${config.dataDir}`)
      io.out(`entries:      ${info.count}`)
      io.out(`version:      ${info.version}`)
      io.out(`imported at:  ${info.importedAt ?? 'never'}`)
      io.out(`file date:    ${info.lastUpdate ?? 'unknown'}`)
      io.out(`release:      ${info.release ?? 'unknown (not named by the URL, or a local file)'}`)
      io.out(`source:       ${info.source ?? 'unknown'}`)
      io.out(`data:         ${info.repository ?? 'unknown'}`)
      io.out(`licence:      ${info.license ?? 'unknown'}`)
      return 0
    }
  }
  throw new UsageError(`unknown catalogue command "${command}"`)
}
