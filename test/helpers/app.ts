// Builds the app as the server does, on a temporary DATA_DIR removed afterwards.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import fp from 'fastify-plugin'
import Fastify, { type FastifyInstance } from 'fastify'
import app, { serverOptions, type AppOptions } from '../../src/app.js'

interface Teardown { teardown: (fn: () => unknown) => void }

export function tempDir (t: Teardown, prefix = 'anime-api-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

export async function buildApp (t: Teardown, options: AppOptions = {}): Promise<FastifyInstance> {
  const fastify = Fastify({ ...serverOptions, logger: false })
  await fastify.register(fp(app), { dataDir: options.dataDir ?? tempDir(t), ...options })
  await fastify.ready()
  t.teardown(() => fastify.close())
  return fastify
}
