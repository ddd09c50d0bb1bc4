// Files under DATA_DIR hold password hashes, token digests and everyone's
// watchlists: they are private to the service's user, files 0600 and the
// directories the service creates 0700, whatever the umask. SQLite creates a
// database's -wal, -shm and -journal files with the database file's own mode,
// so a database file made 0600 before SQLite opens it keeps all of them private.
import fs from 'node:fs'
import path from 'node:path'

export const PRIVATE_FILE_MODE = 0o600
export const PRIVATE_DIR_MODE = 0o700

/** `mkdir -p` whose new directories are 0700 (the umask could only narrow a mode, or zero it). */
export function makePrivateDir (dir: string): void {
  const first = fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE })
  if (first === undefined) return
  // Every directory from the first one created down to `dir`.
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    fs.chmodSync(current, PRIVATE_DIR_MODE)
    if (current === path.resolve(first) || current === path.dirname(current)) break
  }
}

/** Writes `data` to `file`, created 0600; one an older version left readable by others is made 0600. */
export function writePrivateFile (file: string, data: string): void {
  fs.writeFileSync(file, data, { mode: PRIVATE_FILE_MODE })
  tighten(file)
}

/** Makes a file 0600 when it is this user's and readable or writable by others; anything else is left alone. */
function tighten (file: string): void {
  let stats: fs.Stats
  try {
    stats = fs.statSync(file)
  } catch {
    return // not there
  }
  if ((stats.mode & 0o077) === 0 || !stats.isFile()) return
  if (process.getuid !== undefined && stats.uid !== process.getuid()) return
  fs.chmodSync(file, PRIVATE_FILE_MODE)
}

/** Creates `file` empty and 0600 unless it exists; an existing one (and its SQLite side files) from an older version is made 0600. */
export function createPrivateFile (file: string): void {
  try {
    const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, PRIVATE_FILE_MODE)
    try {
      fs.fchmodSync(fd, PRIVATE_FILE_MODE) // exactly 0600, whatever the umask took away
    } finally {
      fs.closeSync(fd)
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    tighten(file)
  }
}

/** Before SQLite opens the database `file` under `dataDir`: the directory and the file exist and are private. */
export function preparePrivateDatabase (file: string): void {
  makePrivateDir(path.dirname(file))
  createPrivateFile(file)
  for (const suffix of ['-wal', '-shm', '-journal']) tighten(file + suffix)
}
