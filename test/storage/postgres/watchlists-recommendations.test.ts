// test/watchlists/recommendations.test.ts on PostgreSQL.
import { runSuiteOnPostgres } from '../../helpers/postgres.js'

await runSuiteOnPostgres('test/watchlists/recommendations.test.ts')
