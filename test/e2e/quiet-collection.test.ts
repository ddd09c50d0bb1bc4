// The quiet collection in a real process: a service that goes quiet after some
// requests runs a full collection and logs it, with node's --expose-gc or
// without it (V8's gc() taken from a context of its own); with
// QUIET_COLLECTION=off it never does.
import t from 'tap'
import { eventually, getOnce, spawnServer } from '../helpers/server.js'

const withGc = `${process.env.NODE_OPTIONS ?? ''} --expose-gc`.trim()
const collectionLines = (output: string): Array<{ heldBeforeMb: unknown, heldAfterMb: unknown, rssMb: unknown }> =>
  output.split('\n').filter((line) => line.includes('"msg":"quiet collection"')).map((line) => JSON.parse(line) as { heldBeforeMb: unknown, heldAfterMb: unknown, rssMb: unknown })

async function someRequests (port: number): Promise<void> {
  for (let i = 0; i < 40; i++) {
    const answer = await getOnce(port, `/anime/entry/${(i % 20) + 1}`)
    if (answer.status !== 200) throw new Error(`GET /anime/entry: ${JSON.stringify(answer)}`)
  }
}

/** A service that answered some requests, and when it went quiet. */
async function quietService (env: NodeJS.ProcessEnv) {
  const server = await spawnServer(t, { ...env, LOG_LEVEL: 'debug' })
  await someRequests(server.port)
  return { server, quietSince: Date.now() }
}

// The three start and go quiet side by side (each waits out a quiet spell of some seconds); each test reads its own.
const services = [
  ['with --expose-gc', quietService({ NODE_OPTIONS: withGc, QUIET_COLLECTION: '1kb' })],
  ['without --expose-gc', quietService({ QUIET_COLLECTION: '1kb' })],
  ['off', quietService({ QUIET_COLLECTION: 'off' })]
] as const
// Read by the tests below; a failed start is their failure, not an unhandled rejection first.
for (const [, started] of services) started.catch(() => {})

for (const [how, started] of services.slice(0, 2)) {
  t.test(`${how}, a quiet service collects once its memory grew, and goes on answering`, async (t) => {
    const { server } = await started
    const lines = await eventually(() => { const found = collectionLines(server.output()); return found.length > 0 ? found : undefined }, 30_000, 100)
    t.ok(lines, 'a quiet collection was logged')
    t.type(lines?.[0]?.heldBeforeMb, 'number')
    t.type(lines?.[0]?.heldAfterMb, 'number')
    t.equal((await getOnce(server.port, '/anime/entry/1')).status, 200)
    // Stopped, not killed: a clean exit also writes the child's coverage.
    server.child.kill('SIGTERM')
    t.same(await server.exited, { code: 0, signal: null }, 'stops cleanly with its timer running')
  })
}

t.test('QUIET_COLLECTION=off: no collection of its own', async (t) => {
  const { server, quietSince } = await services[2][1]
  // Longer than the quiet spell: long enough for a collection the rule would run.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, quietSince + 8500 - Date.now())))
  t.same(collectionLines(server.output()), [], 'off')
  t.equal((await getOnce(server.port, '/anime/entry/1')).status, 200)
})
