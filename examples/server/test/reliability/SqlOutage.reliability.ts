/**
 * `npm run test:reliability`: `SQL_OUTAGE_CYCLES` (3) cycles of the example's PostgreSQL and Redis outages
 * (test/sqlOutage.ts).
 */
import { sqlOutageSuite } from "../sqlOutage.ts"

sqlOutageSuite(Number(process.env.SQL_OUTAGE_CYCLES ?? 3))
