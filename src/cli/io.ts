// What a CLI command writes to, so that tests can capture it.
import fs from 'node:fs'
import { fileURLToPath } from 'node:url'
export interface CliIo {
  out: (line: string) => void
  err: (line: string) => void
  /** Progress line, redrawn in place on a terminal. */
  progress: (line: string) => void
  env: NodeJS.ProcessEnv
}

/** A mistake of the user's: printed as one line, exit code 2, no stack trace. */
export class UsageError extends Error {}

export const processIo = (): CliIo => ({
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  progress: process.stderr.isTTY
    ? (line) => process.stderr.write(`\r\x1b[K${line}`)
    : (line) => process.stderr.write(line + '\n'),
  env: process.env
})

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
