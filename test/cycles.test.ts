// The module graph of src/ and schemas/, read by dpdm (types included): no
// module imports itself through others, and every module of src/ is reached
// from the program's entries, so a plugin or route file left out of its
// folder's index.ts (src/app.ts) shows here.
import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { parseCircular, parseDependencyTree, type DependencyTree } from 'dpdm'
import { tempDir } from './helpers/app.js'

const root = path.resolve(import.meta.dirname, '..')

/** What starts code of src/: the program, the worker threads (loaded by their path), the single executable's stand-ins (scripts/build.ts). */
const entries = ['src/cli.ts', 'src/catalogue/staging-worker.ts', 'src/watchlists/mal-import-worker.ts', 'src/catalogue/engine/index-worker.ts', 'src/sea/sqlite-binding.ts', 'src/sea/docs-fallback.ts']

const tree = (files: string[], context: string): Promise<DependencyTree> =>
  parseDependencyTree(files, { context, cwd: context, transform: false, skipDynamicImports: false, tsconfig: path.join(root, 'tsconfig.json') })

t.test('no import cycles in src/ and schemas/', async (t) => {
  const graph = await tree(['src/**/*.ts', 'schemas/**/*.ts'], root)
  t.ok(graph['src/app.ts']?.some((dependency) => dependency.id === 'src/plugins/errors.ts'), 'the .js specifiers resolve to the .ts sources')
  t.same(parseCircular(graph).map((cycle) => cycle.join(' -> ')), [])
})

t.test('every module of src/ is reached from an entry', async (t) => {
  const reached = new Set(Object.keys(await tree(entries, root)))
  const modules = fs.readdirSync(path.join(root, 'src'), { recursive: true }).map(String)
    .filter((file) => file.endsWith('.ts')).map((file) => path.posix.join('src', file.split(path.sep).join('/')))
  t.ok(modules.length > 50, `${modules.length} modules`)
  t.same(modules.filter((file) => !reached.has(file)), [], 'unreached: import it where it belongs (a plugin or route group: its folder\'s index.ts)')
})

t.test('the check finds a cycle, through a type import too', async (t) => {
  const dir = tempDir(t)
  fs.writeFileSync(path.join(dir, 'a.ts'), "import { b } from './b.js'\nexport type A = { b: typeof b }\n")
  fs.writeFileSync(path.join(dir, 'b.ts'), "import type { A } from './a.js'\nexport const b = 1\nexport type B = A\n")
  t.same(parseCircular(await tree(['a.ts', 'b.ts'], dir)), [['a.ts', 'b.ts']])
})
