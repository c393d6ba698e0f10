/**
 * `npm run test:reliability`: `RELIABILITY_ROUNDS` (5) rounds of the races over HTTP on PostgreSQL and Redis
 * (test/httpRaces.ts): 200 concurrent registrations of one address in case variants, 50 requests per other race.
 */
import { racesSuite } from "../httpRaces.ts"

racesSuite({ rounds: Number(process.env.RELIABILITY_ROUNDS ?? 5), registrations: 200, size: 50 })
