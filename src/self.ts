// How to start this program again as a child process (scheduled catalogue
// updates run `anime-api catalogue update` that way, off the request path):
// the single executable is its own CLI; the production bundle starts again
// through the file node was given (its loader, dist/bundle/start.cjs);
// otherwise node with the same loader flags (tsx in development) and src/cli.ts
// or dist/src/cli.js.
import { fileURLToPath } from 'node:url'

declare global {
  // Set by the single executable's entry (src/sea/main.ts).
  var __animeApiSea: boolean | undefined
  // Set by the production bundle (src/bundle/start.ts, src/bundle/main.ts): the file that starts it.
  var __animeApiEntry: string | undefined
}

export function isSingleExecutable (): boolean {
  return globalThis.__animeApiSea === true
}

export function selfCommand (args: string[]): { file: string, args: string[] } {
  if (isSingleExecutable()) return { file: process.execPath, args }
  const cli = globalThis.__animeApiEntry ?? fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './cli.ts' : './cli.js', import.meta.url))
  // Loader flags carry over; a debugger's would clash on its port.
  const flags = process.execArgv.filter((flag) => !/^--inspect/.test(flag))
  return { file: process.execPath, args: [...flags, cli, ...args] }
}
