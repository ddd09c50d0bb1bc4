// The single executable's assets (scripts/build-binary.ts puts them in): the
// native SQLite addon and the default catalogue. node loads an addon, and the
// importer reads a catalogue, only from a file, so each is written out once to
// a per-user cache directory named by its content hash ($XDG_CACHE_HOME/anime-api,
// else ~/.cache/anime-api, else the temp dir), and found there on later starts.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { getAsset, isSea } from 'node:sea'

/** No cache directory could take an asset. */
export class AssetError extends Error {}

/** The content hashes of the assets, written by the build (asset 'manifest.json'). */
let manifest: Record<string, string> | undefined

function cacheRoots (): string[] {
  const roots: string[] = []
  if (process.env.XDG_CACHE_HOME) roots.push(path.join(process.env.XDG_CACHE_HOME, 'anime-api'))
  try { roots.push(path.join(os.homedir(), '.cache', 'anime-api')) } catch { /* no home */ }
  roots.push(path.join(os.tmpdir(), `anime-api-${process.getuid?.() ?? 'user'}`))
  return roots
}

/** Throws unless `file` belongs to this user: a shared temp dir could hold someone else's. */
function checkOwner (file: string): fs.Stats {
  const stats = fs.statSync(file)
  if (process.getuid !== undefined && stats.uid !== process.getuid()) throw new Error(`${file} belongs to another user`)
  return stats
}

/** Writes through a temporary file and a rename: other processes racing to write see a whole file or none. */
function writeAtomically (file: string, bytes: Uint8Array): void {
  const partial = `${file}.${process.pid}.tmp`
  try {
    fs.writeFileSync(partial, bytes, { mode: 0o644 })
    fs.renameSync(partial, file)
  } catch (error) {
    fs.rmSync(partial, { force: true })
    throw error
  }
}

/** The path of asset `name` on disk, written out on first use; null outside a single executable. */
export function seaAssetFile (name: string): string | null {
  if (!isSea()) return null
  manifest ??= JSON.parse(getAsset('manifest.json', 'utf8')) as Record<string, string>
  const hash = manifest[name]
  if (hash === undefined) throw new AssetError(`the executable has no asset ${name}`)
  const problems: string[] = []
  for (const root of cacheRoots()) {
    const dir = path.join(root, hash)
    const file = path.join(dir, name)
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
      checkOwner(dir)
      try {
        if (checkOwner(file).isFile()) return file
      } catch { /* not written yet */ }
      writeAtomically(file, new Uint8Array(getAsset(name)))
      return file
    } catch (error) {
      problems.push(`${dir}: ${(error as Error).message}`)
    }
  }
  throw new AssetError(`cannot write ${name} to a cache directory (${problems.join('; ')}); set XDG_CACHE_HOME to a directory this user can write`)
}
