// Files under DATA_DIR hold password hashes, token digests and watchlists: they
// are created private to the service's user (files 0600, directories 0700)
// whatever the umask, and a file an older version left readable is tightened.
import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import Database from 'better-sqlite3'
import { projectRoot } from '../../src/config.js'
import { buildApp, tempDir } from '../helpers/app.js'
import { fixtureCatalogue } from '../helpers/accounts.js'
import { childEnv, program, spawnServer } from '../helpers/server.js'

/** Every file and directory under `dir` (itself included) with its permission bits. */
function modes (dir: string): Map<string, number> {
  const found = new Map<string, number>([[dir, fs.statSync(dir).mode & 0o777]])
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const file = path.join(entry.parentPath, entry.name)
    found.set(file, fs.statSync(file).mode & 0o777)
  }
  return found
}

const octal = (mode: number): string => mode.toString(8).padStart(4, '0')

t.test('with umask 000, the server and `backup` create only 0600 files and 0700 directories', async (t) => {
  const root = tempDir(t)
  const varDir = path.join(root, 'var')
  const dataDir = path.join(varDir, 'data')
  // Children inherit the umask: the most permissive one, as a careless service unit might set.
  const previous = process.umask(0o000)
  let server: Awaited<ReturnType<typeof spawnServer>>
  try {
    server = await spawnServer(t, { DATA_DIR: dataDir })
  } finally {
    process.umask(previous)
  }
  const base = `http://127.0.0.1:${server.port}`
  const res = await fetch(`${base}/account/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'alice', email: 'alice@example.com', password: 'secret-pw' })
  })
  t.equal(res.status, 200, await res.text())
  t.equal((await fetch(`${base}/anime/entry/1`)).status, 200)

  const found = modes(dataDir)
  for (const name of ['accounts.sqlite', 'accounts.sqlite-wal', 'accounts.sqlite-shm', 'catalogue.sqlite', 'catalogue.sqlite-wal', 'catalogue.sqlite-shm']) {
    t.ok(found.has(path.join(dataDir, name)), `${name} exists while the server runs`)
  }
  for (const [file, mode] of found) {
    const isDir = fs.statSync(file).isDirectory()
    t.equal(octal(mode), isDir ? '0700' : '0600', `${path.relative(root, file) || '.'} is ${isDir ? '0700' : '0600'}`)
  }
  t.equal(octal(fs.statSync(varDir).mode & 0o777), '0700', 'a parent the server had to create is private too')

  const backup = path.join(root, 'accounts-backup.sqlite')
  process.umask(0o000)
  let run: ReturnType<typeof spawnSync>
  try {
    run = spawnSync(process.execPath, [...program, 'backup', backup], {
      cwd: projectRoot, env: childEnv({ ...process.env, DATA_DIR: dataDir }), encoding: 'utf8'
    })
  } finally {
    process.umask(previous)
  }
  t.equal(run.status, 0, 'backup exits 0', { stderr: String(run.stderr) })
  t.equal(octal(fs.statSync(backup).mode & 0o777), '0600', 'the backup file')
  t.same(fs.readdirSync(root).sort(), ['accounts-backup.sqlite', 'var'], 'no partial file left beside it')
  server.child.kill('SIGTERM')
  await server.exited
})

t.test('an accounts or catalogue file an older version left world-readable is made private when opened', async (t) => {
  const dataDir = tempDir(t)
  const previous = process.umask(0o022)
  try {
    for (const name of ['accounts.sqlite', 'catalogue.sqlite']) {
      const db = new Database(path.join(dataDir, name))
      db.pragma('journal_mode = WAL')
      db.close()
      t.equal(octal(fs.statSync(path.join(dataDir, name)).mode & 0o777), '0644', `${name} starts 0644`)
    }
  } finally {
    process.umask(previous)
  }
  const app = await buildApp(t, { dataDir, defaultCatalogue: fixtureCatalogue(tempDir(t)) })
  t.equal((await app.inject('/ready')).statusCode, 200)
  for (const [file, mode] of modes(dataDir)) {
    if (fs.statSync(file).isDirectory()) continue
    t.equal(octal(mode), '0600', `${path.basename(file)} tightened`)
  }
})
