// How to run this program again as a child process (scheduled catalogue updates
// run `anime-api catalogue update` that way, off the request path): a single
// executable is its own command line; otherwise node with the flags it was
// started with (a TypeScript loader in development) and the program's script.
import path from 'node:path'
import { isSea } from 'node:sea'
import { fileURLToPath } from 'node:url'

export interface Command {
  file: string
  args: string[]
}

/**
 * The script: from the sources, src/cli.ts beside this module; in the bundle
 * (scripts/build.ts) this module's file is the program itself. Never
 * process.argv[1], which is whatever script loaded this module (a test, say).
 */
function script (): string {
  const here = fileURLToPath(import.meta.url)
  const extension = path.extname(here)
  return path.basename(here, extension) === 'program' ? path.join(path.dirname(here), `cli${extension}`) : here
}

export function thisProgram (): Command {
  if (isSea()) return { file: process.execPath, args: [] }
  // A debugger's flags would clash on its port.
  const flags = process.execArgv.filter((flag) => !/^--inspect/.test(flag))
  return { file: process.execPath, args: [...flags, script()] }
}
