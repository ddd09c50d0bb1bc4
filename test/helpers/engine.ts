// The search engine over a small catalogue, for the engine's own tests: the
// records imported into a temporary DATA_DIR and the index built from the file,
// as the service builds it.
import { openCatalogueDb } from '../../src/catalogue/db.js'
import { Engine } from '../../src/catalogue/engine/engine.js'
import { buildIndexData } from '../../src/catalogue/engine/index-data.js'
import { importCatalogueFile } from '../../src/catalogue/import.js'
import { writeAod, type AodRecord } from './aod.js'
import { tempDir } from './app.js'

interface Teardown { teardown: (fn: () => unknown) => void }

export async function engineOf (t: Teardown, records: AodRecord[]): Promise<Engine> {
  const dir = tempDir(t)
  await importCatalogueFile(dir, writeAod(dir, records))
  const db = openCatalogueDb(dir)
  t.teardown(() => db.close())
  return new Engine(buildIndexData(db))
}
