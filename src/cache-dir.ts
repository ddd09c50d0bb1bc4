// Per-user cache directories: where the single executable extracts its assets
// (src/sea/setup.ts) and where the production bundle keeps its V8 code cache when
// it cannot write beside itself (src/bundle/start.ts). No other module: both
// run before the rest of the program is loaded.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/** `<root>/<name>` for each cache root, preferred first: $XDG_CACHE_HOME/anime-api, ~/.cache/anime-api, then the temp dir. */
export function cacheDirs (name: string): string[] {
  const roots: string[] = []
  if (process.env.XDG_CACHE_HOME) roots.push(path.join(process.env.XDG_CACHE_HOME, 'anime-api'))
  try { roots.push(path.join(os.homedir(), '.cache', 'anime-api')) } catch { /* no home */ }
  roots.push(path.join(os.tmpdir(), `anime-api-${process.getuid?.() ?? 'user'}`))
  return roots.map((root) => path.join(root, name))
}

/** `file`'s stats; throws unless it belongs to this user: a shared temp dir could hold someone else's. */
export function checkOwner (file: string): fs.Stats {
  const stats = fs.statSync(file)
  if (process.getuid !== undefined && stats.uid !== process.getuid()) throw new Error(`${file} belongs to another user`)
  return stats
}

/** Creates `dir` (private to this user) unless it is there, and checks it is this user's. */
export function makeOwnDir (dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
  checkOwner(dir)
}

/** Writes `bytes` to `file` through a temporary file and a rename: readers never see half of it, and racing writers each leave a whole one. */
export function writeAtomically (file: string, bytes: Uint8Array): void {
  const partial = `${file}.${process.pid}.tmp`
  try {
    fs.writeFileSync(partial, bytes, { mode: 0o644 })
    fs.renameSync(partial, file)
  } catch (error) {
    fs.rmSync(partial, { force: true })
    throw error
  }
}
