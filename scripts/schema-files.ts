// Runs from the TypeScript sources (tsx or tap). Generates the contract files under schemas/: one JSON Schema per exported
// TypeBox schema, and the OpenAPI document of the whole app.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import fp from 'fastify-plugin'
import Fastify from 'fastify'
import { Kind } from '@sinclair/typebox'
import app, { serverOptions } from '../src/app.js'
import { projectRoot } from '../src/config.js'

export const schemasDir = path.join(projectRoot, 'schemas')

function isSchema (value: unknown): boolean {
  return typeof value === 'object' && value !== null && Kind in value
}

const json = (value: unknown): string => JSON.stringify(value, null, 2) + '\n'

/** File name (relative to schemas/) → contents. */
export async function generateSchemaFiles (): Promise<Map<string, string>> {
  const files = new Map<string, string>()
  const modules = fs.readdirSync(schemasDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).sort()
  for (const file of modules) {
    const exports = await import(pathToFileURL(path.join(schemasDir, file)).href) as Record<string, unknown>
    for (const [name, value] of Object.entries(exports).sort(([a], [b]) => a.localeCompare(b))) {
      if (isSchema(value)) files.set(`json/${file.replace(/\.ts$/, '')}.${name}.json`, json(value))
    }
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'anime-api-schemas-'))
  const fastify = Fastify({ ...serverOptions, logger: false, pluginTimeout: 120_000 })
  try {
    // The document does not depend on the data: a one-entry catalogue starts fastest.
    const defaultCatalogue = path.join(dataDir, 'one.json')
    fs.writeFileSync(defaultCatalogue, JSON.stringify({ data: [{ sources: ['https://anidb.net/anime/1'], title: 'One' }] }))
    await fastify.register(fp(app), { dataDir, defaultCatalogue })
    await fastify.ready()
    files.set('openapi.json', json((await fastify.inject('/openapi.json')).json()))
  } finally {
    await fastify.close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
  return files
}
