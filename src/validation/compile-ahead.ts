// Compilations done soon after start instead of by a route's first request.
//
// Request validators (src/validation) and response serializers
// (lazy-compilers.ts) compile on a route's first use, which keeps them off the
// start. A route whose first answer should be as quick as the later ones (the
// recommendations) names its schemas with compileSoon; their compilations are
// then done once the service listens, one per turn of the event loop, so a
// request arriving meanwhile waits for one compilation at most.

const wanted = new WeakSet<object>()
const pending = new Set<() => void>()

/** Marks schemas (a route's querystring, body or response schemas) whose validators and serializers compile soon after start. Call it before the routes are built. */
export function compileSoon (...schemas: object[]): void {
  for (const schema of schemas) wanted.add(schema)
}

/**
 * Told by the lazy compilers of each compilation they put off, `compile`
 * (which compiles once however often it is called): kept for compilePending
 * when its schema was marked by compileSoon.
 */
export function putOff (schema: unknown, compile: () => void): void {
  if (typeof schema === 'object' && schema !== null && wanted.has(schema)) pending.add(compile)
}

/** The compilations put off for compilePending and not run yet. */
export const pendingCompilations = (): number => pending.size

/**
 * Runs the compilations put off so far, one per turn of the event loop (or
 * as `schedule` runs them: the service's foreground, so that a client waiting
 * is answered before the next one); resolves when they are done. One that
 * throws (a schema ajv cannot compile) is left to fail its route's requests,
 * as it would without compileSoon.
 */
export async function compilePending (schedule: (next: () => void) => void = setImmediate): Promise<void> {
  for (const compile of [...pending]) {
    await new Promise<void>((resolve) => { schedule(resolve) })
    pending.delete(compile)
    try {
      compile()
    } catch {}
  }
}
