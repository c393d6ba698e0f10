/**
 * `npm test`: one cycle of the example's PostgreSQL and Redis outages (test/sqlOutage.ts), and its start with
 * PostgreSQL down.
 */
import { sqlOutageSuite, startWithDatabaseDownSuite } from "./sqlOutage.ts"

sqlOutageSuite(1)
startWithDatabaseDownSuite()
