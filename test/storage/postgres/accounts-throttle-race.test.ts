// test/accounts/throttle-race.test.ts on PostgreSQL.
import { runSuiteOnPostgres } from '../../helpers/postgres.js'

await runSuiteOnPostgres('test/accounts/throttle-race.test.ts')
