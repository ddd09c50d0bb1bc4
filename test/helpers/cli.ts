// A CliIo that records what a command writes, for tests of the command line.
import type { CliIo } from '../../src/cli/io.js'

export function capture (env: Record<string, string>) {
  const out: string[] = []
  const err: string[] = []
  const progress: string[] = []
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), progress: (l) => progress.push(l), env }
  return { io, out, err, progress }
}
