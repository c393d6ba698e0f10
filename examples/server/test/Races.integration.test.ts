/**
 * `npm test`: one round of the races over HTTP on PostgreSQL and Redis (test/httpRaces.ts), 50 registrations and 20
 * requests per other race; `npm run test:reliability` runs them in rounds at full size.
 */
import { racesSuite } from "./httpRaces.ts"

racesSuite({ rounds: 1, registrations: 50, size: 20 })
