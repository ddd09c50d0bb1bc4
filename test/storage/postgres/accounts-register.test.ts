// test/accounts/register.test.ts on PostgreSQL.
import { runSuiteOnPostgres } from '../../helpers/postgres.js'

await runSuiteOnPostgres('test/accounts/register.test.ts')
