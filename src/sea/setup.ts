// First module of the single executable (see scripts/build-binary.ts): takes the
// native SQLite binding and the default catalogue out of the executable's SEA
// assets into a cache directory ($XDG_CACHE_HOME/anime-api/<hash>/, else
// ~/.cache/…, else the temp dir), loads the binding for better-sqlite3, and points
// DEFAULT_CATALOGUE at the extracted catalogue unless the environment sets it.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { cacheDirs, makeOwnDir, writeAtomically } from '../cache-dir.js'

declare global {
  var __animeApiSqliteBinding: unknown
}

// node:sea exists only in Node's own module table of a single executable.
const sea = createRequire(process.execPath)('node:sea') as { getAsset: (key: string) => ArrayBuffer }

/** Writes `bytes` to `file` unless exactly they are already there, atomically (other processes may race). */
function materialise (file: string, bytes: Buffer): void {
  try {
    if (fs.readFileSync(file).equals(bytes)) return
  } catch { /* not there yet */ }
  writeAtomically(file, bytes)
}

const binding = Buffer.from(sea.getAsset('better_sqlite3.node'))
const catalogue = Buffer.from(sea.getAsset('anime-offline-database.json'))
const hash = crypto.createHash('sha256').update(binding).update(catalogue).digest('hex').slice(0, 16)

let dir: string | undefined
let lastError: unknown
for (const candidate of cacheDirs(hash)) {
  try {
    makeOwnDir(candidate) // only a directory of our own: a shared temp dir could hold someone else's
    materialise(path.join(candidate, 'better_sqlite3.node'), binding)
    materialise(path.join(candidate, 'anime-offline-database.json'), catalogue)
    dir = candidate
    break
  } catch (error) {
    lastError = error
  }
}
if (dir === undefined) {
  process.stderr.write(`anime-api: cannot write its cache directory (set XDG_CACHE_HOME): ${(lastError as Error).message}\n`)
  process.exit(1)
}

const addon = { exports: {} as unknown }
process.dlopen(addon, path.join(dir, 'better_sqlite3.node'))
globalThis.__animeApiSqliteBinding = addon.exports
globalThis.__animeApiSea = true
if (process.env.DEFAULT_CATALOGUE === undefined || process.env.DEFAULT_CATALOGUE.trim() === '') {
  process.env.DEFAULT_CATALOGUE = path.join(dir, 'anime-offline-database.json')
}
