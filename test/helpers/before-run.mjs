// tap's `before` script (package.json): forgets the suites an earlier run skipped
// (test/helpers/postgres.ts records them; after-run.mjs reports them).
import fs from 'node:fs'
import path from 'node:path'

fs.rmSync(path.resolve('.tap', 'skipped-suites'), { recursive: true, force: true })
