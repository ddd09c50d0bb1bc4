// What `require('bindings')` gives better-sqlite3 inside the single executable
// (esbuild's alias, scripts/build.ts): a function, as the package it stands in for.
module.exports = require('./sqlite-binding.ts').default
