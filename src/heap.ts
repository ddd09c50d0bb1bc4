// V8 grows the young generation (where short-lived objects are allocated) up to
// 2 × 16 MiB semi-spaces under allocation pressure and rarely gives it back: a
// server answering small requests never needs that, and it was most of the RSS
// left after load (bench/NOTES.md). Stopping its growth keeps it at V8's initial
// 1 MiB semi-spaces: scavenges come more often but each copies only the objects
// of requests still in flight.
import v8 from 'node:v8'

/** Whether the process was started with its own young-generation size (which then wins). */
const sizedByUser = (): boolean =>
  [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((flag) => /^--(max-)?semi[-_]space[-_]size/.test(flag))

/** Keeps the young generation small for serving (see above) unless HEAP_YOUNG_GENERATION=default. Whether it did. */
export function limitYoungGeneration (setting: 'small' | 'default'): boolean {
  if (setting === 'default' || sizedByUser()) return false
  // Read by V8 each time it considers growing the new space (a runtime flag, unlike --max-semi-space-size).
  v8.setFlagsFromString('--semi-space-growth-factor=1')
  return true
}
