// The quiet collection in a real process: with node's --expose-gc, a service that
// goes quiet after some requests runs a full collection and logs it; with
// QUIET_COLLECTION=off, or without --expose-gc, it never does.
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

t.test('with --expose-gc, a quiet service collects once its memory grew, and goes on answering', async (t) => {
  const server = await spawnServer(t, { NODE_OPTIONS: withGc, LOG_LEVEL: 'debug', QUIET_COLLECTION: '1kb' })
  await someRequests(server.port)
  const lines = await eventually(() => { const found = collectionLines(server.output()); return found.length > 0 ? found : undefined }, 30_000, 100)
  t.ok(lines, 'a quiet collection was logged')
  t.type(lines?.[0]?.heldBeforeMb, 'number')
  t.type(lines?.[0]?.heldAfterMb, 'number')
  t.equal((await getOnce(server.port, '/anime/entry/1')).status, 200)
  // Stopped, not killed: a clean exit also writes the child's coverage.
  server.child.kill('SIGTERM')
  t.same(await server.exited, { code: 0, signal: null }, 'stops cleanly with its timer running')
})

t.test('QUIET_COLLECTION=off, or no --expose-gc: no collection of its own', async (t) => {
  const off = await spawnServer(t, { NODE_OPTIONS: withGc, LOG_LEVEL: 'debug', QUIET_COLLECTION: 'off' })
  const noGc = await spawnServer(t, { LOG_LEVEL: 'debug', QUIET_COLLECTION: '1kb' })
  await Promise.all([someRequests(off.port), someRequests(noGc.port)])
  // Longer than the quiet spell: long enough for a collection the rule would run.
  await new Promise((resolve) => setTimeout(resolve, 8500))
  t.same(collectionLines(off.output()), [], 'off')
  t.same(collectionLines(noGc.output()), [], 'without --expose-gc')
})
