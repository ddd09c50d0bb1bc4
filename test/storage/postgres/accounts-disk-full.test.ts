// test/accounts/disk-full.test.ts on PostgreSQL.
import { runSuiteOnPostgres } from '../../helpers/postgres.js'

await runSuiteOnPostgres('test/accounts/disk-full.test.ts')
