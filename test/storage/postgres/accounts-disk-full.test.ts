// test/accounts/disk-full.test.ts on PostgreSQL, on a server of its own: its full
// tablespace fails the server's checkpoints, which other suites' databases need.
import { runSuiteOnPostgres } from '../../helpers/postgres.js'

await runSuiteOnPostgres('test/accounts/disk-full.test.ts', { ownServer: true })
