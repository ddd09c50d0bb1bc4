// test/accounts/login.test.ts on PostgreSQL.
import { runSuiteOnPostgres } from '../../helpers/postgres.js'

await runSuiteOnPostgres('test/accounts/login.test.ts')
