// The committed contract files under schemas/ must be what the code generates.
import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { generateSchemaFiles, schemasDir } from '../../scripts/schema-files.js'

t.test('schemas/ matches the TypeBox schemas and routes (run `npm run schemas` after changing them)', async (t) => {
  const generated = await generateSchemaFiles()
  const committed = new Map<string, string>()
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (entry.name.endsWith('.json')) committed.set(path.relative(schemasDir, full), fs.readFileSync(full, 'utf8'))
    }
  }
  walk(schemasDir)
  t.same([...committed.keys()].sort(), [...generated.keys()].sort(), 'the same files')
  for (const [name, text] of generated) t.equal(committed.get(name), text, name)
  const openapi = JSON.parse(generated.get('openapi.json')!)
  t.ok(openapi.paths['/anime/entry/{id}'].get, 'entry documented')
  t.ok(openapi.paths['/anime/random'].get, 'random documented')
})
