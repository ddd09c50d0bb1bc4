// How to run this program again as a child process (scheduled catalogue updates
// run `anime-api catalogue update` that way, off the request path): a single
// executable is its own command line; otherwise node with the flags and the
// script it was started with (the bundle, or src/cli.ts under a TypeScript loader).
import { isSea } from 'node:sea'

export interface Command {
  file: string
  args: string[]
}

export function thisProgram (): Command {
  if (isSea()) return { file: process.execPath, args: [] }
  // A debugger's flags would clash on its port.
  const flags = process.execArgv.filter((flag) => !/^--inspect/.test(flag))
  return { file: process.execPath, args: [...flags, process.argv[1] ?? ''] }
}
