// The bundle of the sources that tap's `before` script (test/helpers/before-run.mjs)
// builds into .tap/dist/ for a run without coverage (npm test): the service's
// processes and worker scripts as they ship, which start without a TypeScript loader.
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { projectRoot } from '../../src/config.js'

/** Whether tap measures coverage in this run (npm run coverage; npm test runs without). */
export const measuresCoverage = process.env.TAP_DISABLE_COVERAGE !== '1'

/** The `anime-api` program in the bundle. */
export const testBundle = path.join(projectRoot, '.tap', 'dist', 'anime-api.cjs')

/**
 * A worker script of the service (`index-worker`, `mal-import-worker`) as the
 * bundle builds it, in a run without coverage; undefined (the script beside its
 * module, run from the sources) where tap measures coverage, so that the report
 * counts what it ran.
 */
export const bundledScript = (name: string): URL | undefined =>
  measuresCoverage ? undefined : pathToFileURL(path.join(projectRoot, '.tap', 'dist', `${name}.cjs`))
