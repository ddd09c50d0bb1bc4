// `npm run schemas`: writes every TypeBox schema in schemas/ as a JSON Schema
// file (schemas/json/) and the OpenAPI document (schemas/openapi.json).
// test/schemas/generated-files.test.ts fails when the committed files differ from these.
import fs from 'node:fs'
import path from 'node:path'
import { generateSchemaFiles, schemasDir } from './schema-files.js'

const files = await generateSchemaFiles()
fs.rmSync(path.join(schemasDir, 'json'), { recursive: true, force: true })
for (const [name, text] of files) {
  const target = path.join(schemasDir, name)
  fs.mkdirSync(path.dirname(target), { recursive: true })
  fs.writeFileSync(target, text)
}
console.log(`wrote ${files.size} files under ${path.relative(process.cwd(), schemasDir) || '.'}`)
