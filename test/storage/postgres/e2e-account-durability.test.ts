// test/e2e/account-durability.test.ts on PostgreSQL.
import { runSuiteOnPostgres } from '../../helpers/postgres.js'

await runSuiteOnPostgres('test/e2e/account-durability.test.ts')
