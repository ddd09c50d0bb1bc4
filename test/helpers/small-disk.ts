// A small file system of its own (tmpfs) that a test fills to the last byte and
// frees again: a full disk for real, the same every run. Mounting needs root
// (CAP_SYS_ADMIN), as the PostgreSQL tests' servers do; where it cannot be had,
// the test fails saying why, it is never skipped.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { dropDatabase, testDatabaseName } from './postgres.js'

interface Teardown { teardown: (fn: () => unknown) => void }

export interface SmallDisk {
  /** Where it is mounted. */
  dir: string
  /** Writes a file until the disk has no byte left. */
  fill (): void
  /** Deletes that file. */
  free (): void
  /** Runs `fn` at teardown before the disk goes (whatever order the test's teardowns run in). */
  beforeUnmount (fn: () => Promise<void>): void
}

export function smallDisk (t: Teardown, bytes: number): SmallDisk {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anime-api-disk-'))
  // Others may need to go through it (a PostgreSQL server running as its own user).
  fs.chmodSync(dir, 0o755)
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0755`, 'tmpfs', dir], { stdio: 'pipe' })
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true })
    throw new Error(`the disk-full tests mount a small tmpfs, which needs root (CAP_SYS_ADMIN): ${(error as { stderr?: Buffer }).stderr ?? (error as Error).message}`)
  }
  const before: Array<() => Promise<void>> = []
  t.teardown(async () => {
    for (const fn of before.reverse()) await fn()
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' })
    fs.rmSync(dir, { recursive: true, force: true })
  })
  const filler = path.join(dir, 'filler')
  return {
    dir,
    fill () {
      const fd = fs.openSync(filler, 'a')
      const chunk = Buffer.alloc(64 * 1024, 1)
      try {
        for (let size = chunk.length; size >= 1; size = Math.floor(size / 2)) {
          for (;;) {
            try {
              fs.writeSync(fd, chunk, 0, size)
            } catch (error) {
              if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error
              break
            }
          }
        }
      } finally {
        fs.closeSync(fd)
      }
    },
    free () {
      fs.rmSync(filler, { force: true })
    },
    beforeUnmount (fn) {
      before.push(fn)
    }
  }
}

/**
 * A database on the PostgreSQL server of `adminUrl` whose files (its tables and
 * catalogs; the server's WAL stays where it is) live on `disk`, in a tablespace there.
 */
export async function databaseOnDisk (adminUrl: string, disk: SmallDisk): Promise<string> {
  const name = testDatabaseName()
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  try {
    // The server writes there as the user its data directory belongs to.
    const { rows } = await admin.query<{ dir: string }>("SELECT current_setting('data_directory') AS dir")
    const { uid, gid } = fs.statSync(rows[0]!.dir)
    const location = path.join(disk.dir, 'pg')
    fs.mkdirSync(location, { mode: 0o700 })
    fs.chownSync(location, uid, gid)
    await admin.query(`CREATE TABLESPACE ${name} LOCATION '${location}'`)
    await admin.query(`CREATE DATABASE ${name} TABLESPACE ${name}`)
  } finally {
    await admin.end()
  }
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  disk.beforeUnmount(async () => {
    await dropDatabase(adminUrl, url.href)
    const cleanup = new pg.Client({ connectionString: adminUrl })
    await cleanup.connect()
    await cleanup.query(`DROP TABLESPACE IF EXISTS ${name}`).finally(() => cleanup.end())
  })
  return url.href
}
