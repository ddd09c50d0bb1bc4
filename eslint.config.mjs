// ESLint with neostandard: JavaScript Standard Style (the style this code was
// written in: no semicolons, single quotes, a space before a function's
// parentheses) for TypeScript, with @stylistic's formatting rules, so `npm test`
// checks formatting too. Three rules are tuned, each for a pattern the code uses
// on purpose:
// - no-void allows `void promise` as a statement: it marks a promise that is
//   not awaited on purpose (its errors are handled where it is made);
// - quotes allow template literals without placeholders: SQL and messages that
//   hold both kinds of quote read better in backticks than with escapes;
// - no-unmodified-loop-condition is off: it cannot see a flag set by a callback
//   or another async function (`while (!stop) await …`), and each of its hits
//   in this code was such a flag.
import neostandard from 'neostandard'

export default [
  // Built, generated and scratch files.
  { ignores: ['dist/**', 'bench/out/**', '.tap/**', 'coverage/**', 'schemas/json/**'] },
  ...neostandard({ ts: true }),
  {
    rules: {
      'no-void': ['error', { allowAsStatement: true }],
      '@stylistic/quotes': ['error', 'single', { avoidEscape: true, allowTemplateLiterals: 'always' }],
      'no-unmodified-loop-condition': 'off'
    }
  }
]
