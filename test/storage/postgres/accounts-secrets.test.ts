// test/accounts/secrets.test.ts on PostgreSQL.
import { runSuiteOnPostgres } from '../../helpers/postgres.js'

await runSuiteOnPostgres('test/accounts/secrets.test.ts')
