// What a command writes to (tests capture it), the parsing of its arguments,
// and its failures: a failure the user can act on is one line saying what is
// wrong and what to do, and exit code 2 when the command line itself is wrong
// (usage), 1 otherwise. docs/cli.md lists the codes.
import fs from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { makePrivateDir } from '../storage/files.js'

export interface CliIo {
  out: (line: string) => void
  err: (line: string) => void
  /** Progress line, redrawn in place on a terminal. */
  progress: (line: string) => void
  env: NodeJS.ProcessEnv
}

/** The command line is wrong: unknown command or option, missing or extra argument, malformed value. Exit code 2. */
export class UsageError extends Error {}

/** The command cannot do what it was asked, for a reason its message names (no such user, the file exists, …). Exit code 1. */
export class CommandError extends Error {}

/**
 * The process's stdout and stderr. A reader that stops early (`anime-api
 * catalogue info | head -1`) closes the pipe: the rest of the output is
 * dropped and the command still runs to its end, since it may be changing data.
 */
export const processIo = (): CliIo => {
  const open = { out: true, err: true }
  process.stdout.on('error', (error: NodeJS.ErrnoException) => { if (error.code === 'EPIPE') open.out = false; else throw error })
  process.stderr.on('error', (error: NodeJS.ErrnoException) => { if (error.code === 'EPIPE') open.err = false; else throw error })
  const err = (text: string): void => { if (open.err) process.stderr.write(text) }
  return {
    out: (line) => { if (open.out) process.stdout.write(line + '\n') },
    err: (line) => err(line + '\n'),
    progress: process.stderr.isTTY ? (line) => err(`\r\x1b[K${line}`) : (line) => err(line + '\n'),
    env: process.env
  }
}

type Options = NonNullable<ParseArgsConfig['options']>

/**
 * `args` read by node:util's parseArgs: the options given (`--name value`,
 * `--name=value`, flags) and the operands, any number of them; `--help`/`-h`
 * is every command's. What parseArgs refuses is a usage error that ends with
 * `usage`.
 */
export function parseCommandLine<O extends Options> (args: string[], options: O, usage: string) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true })
  } catch (error) {
    if (!String((error as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS')) throw error
    // Its first sentence: the rest explains `--` for operands that start with a dash.
    throw new UsageError(`${(error as Error).message.split('. ')[0]!.replace(/\.$/, '')}; usage: ${usage}`)
  }
}

/** Exactly `names.length` operands, else a usage error. */
export function operands (positionals: string[], names: string[], usage: string): string[] {
  if (positionals.length !== names.length) {
    const expected = names.length === 0 ? 'no operands' : names.map((name) => `<${name}>`).join(' ')
    throw new UsageError(`expected ${expected}, got ${positionals.length === 0 ? 'none' : positionals.map((p) => `"${p}"`).join(' ')}; usage: ${usage}`)
  }
  return positionals
}

/** DATA_DIR, created if missing, or a CommandError saying why it cannot hold the service's files. */
export function prepareDataDir (dir: string): void {
  const fix = 'set DATA_DIR to a directory the service\'s user can write (it is created if missing)'
  try {
    makePrivateDir(dir)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST' || code === 'ENOTDIR') throw new CommandError(`DATA_DIR ${dir} is a file, not a directory; ${fix}`)
    throw new CommandError(`DATA_DIR ${dir} cannot be created: ${systemProblem(error as NodeJS.ErrnoException)}; ${fix}`)
  }
  if (!fs.statSync(dir).isDirectory()) throw new CommandError(`DATA_DIR ${dir} is not a directory; ${fix}`)
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK)
  } catch (error) {
    throw new CommandError(`DATA_DIR ${dir} is not writable: ${systemProblem(error as NodeJS.ErrnoException)}; ${fix}`)
  }
}

const problems: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EEXIST: 'it already exists',
  EMFILE: 'too many open files'
}

/** A system error's cause in words ("permission denied"), its code as the fallback. */
function systemProblem (error: NodeJS.ErrnoException): string {
  return problems[error.code ?? ''] ?? error.code ?? error.message
}

/**
 * The one line to print for an error raised by the system (a path, an address),
 * or null when `error` is not one of those.
 */
export function describeSystemError (error: NodeJS.ErrnoException & { address?: string, port?: number, hostname?: string }): string | null {
  const code = error.code
  if (code === undefined) return null
  if (error.syscall === 'listen' || error.syscall === 'getaddrinfo' || error.syscall === 'bind') {
    const where = error.port !== undefined ? `${error.address ?? error.hostname}:${error.port}` : String(error.address ?? error.hostname)
    if (code === 'EADDRINUSE') return `cannot listen on ${where}: the address is in use by another process; stop it, or set PORT to a free port`
    if (code === 'EADDRNOTAVAIL') return `cannot listen on ${where}: not an address of this machine; set HOST to one of its addresses (127.0.0.1, or 0.0.0.0 for all)`
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') return `cannot listen on ${where}: no such address; set HOST to an address of this machine (127.0.0.1, or 0.0.0.0 for all)`
    if (code === 'EACCES') return `cannot listen on ${where}: permission denied (ports below 1024 need privileges); set PORT to 1024 or above`
    return `cannot listen on ${where}: ${code}`
  }
  if (error.path !== undefined && problems[code] !== undefined) return `${error.path}: ${problems[code]}`
  return null
}

/** True when `moduleUrl` is the script node was started with (not imported by another). */
export function isMain (moduleUrl: string): boolean {
  const arg = process.argv[1]
  if (arg === undefined) return false
  const self = fileURLToPath(moduleUrl)
  for (const candidate of [arg, `${arg}.js`, `${arg}.ts`]) {
    try {
      if (fs.realpathSync(candidate) === fs.realpathSync(self)) return true
    } catch { /* not this one */ }
  }
  return false
}

/** Loads ./.env where there is one; variables already set in the environment win. */
export function loadDotEnv (file = '.env'): void {
  if (!fs.existsSync(file)) return
  const before = { ...process.env }
  process.loadEnvFile(file)
  Object.assign(process.env, before)
}
