// Entry of the production bundle (dist/bundle/anime-api.cjs, made by npm run
// build, see scripts/bundle.ts): the `anime-api` command line. Its loader
// (start.ts, the file `npm start` runs) compiles it with V8's code cache;
// `node dist/bundle/anime-api.cjs …` runs it without one.
import { main } from '../cli.js'

globalThis.__animeApiEntry ??= __filename
main(process.argv.slice(2))
