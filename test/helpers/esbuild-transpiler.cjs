// The TypeScript loader of tap's test processes (@tapjs/typescript, which is
// ts-node) transpiles with esbuild through this module instead of with the
// TypeScript compiler (tsconfig.json's "ts-node" section names it). The
// compiler's transpileModule, run again in every test file's process over all of
// src/, was most of each test file's start-up; esbuild is what tsx (npm run dev,
// the scripts, the spawned servers) already uses. It only strips types, as
// transpileModule did: type checking is tsc --noEmit's job in npm test.
// The interface is ts-node's for third-party transpilers: create() returns
// { transpile(code, { fileName }) => { outputText, sourceMapText } }.
'use strict'
const { transformSync } = require('esbuild')

const ES2022 = 9 // ts.ScriptTarget.ES2022

exports.create = function create ({ service, nodeModuleEmitKind }) {
  const options = service.config.options
  // tsc's default: class fields are defined (not assigned) from ES2022 on.
  const useDefineForClassFields = options.useDefineForClassFields ?? (options.target ?? 0) >= ES2022
  return {
    transpile (code, { fileName }) {
      const commonjs = nodeModuleEmitKind === 'nodecjs' || /\.c[jt]sx?$/.test(fileName)
      const { code: outputText, map: sourceMapText } = transformSync(code, {
        loader: /\.[cm]?tsx$/.test(fileName) ? 'tsx' : 'ts',
        // ESM stays as written (package.json says "type": "module"); .cts becomes CommonJS.
        format: commonjs ? 'cjs' : undefined,
        // As tsx does: the Node running the tests, so that what it supports (import attributes) is kept.
        target: `node${process.versions.node}`,
        tsconfigRaw: { compilerOptions: { useDefineForClassFields } },
        sourcemap: 'external',
        sourcefile: fileName
      })
      return { outputText, sourceMapText }
    }
  }
}
