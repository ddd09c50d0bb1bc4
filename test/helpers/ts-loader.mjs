// The TypeScript loader of the test processes (package.json's tap "node-arg"):
// esbuild strips the types of each .ts module as Node loads it, with an inline
// source map for stack traces and coverage. It replaces tap's own loader
// (@tapjs/typescript, which is ts-node), which loaded the TypeScript compiler
// twice in every test process (main thread and loader thread) for the same
// esbuild transform; tsx, the other usual choice, minifies its output, which
// leaves tap's coverage report unable to count statements. Type checking is
// tsc --noEmit's job in npm test. Imports name the .js a module compiles to
// (TypeScript's NodeNext rule): resolve tries the .ts beside it.
import { register } from 'node:module'

register(new URL('./ts-loader-hooks.mjs', import.meta.url))
