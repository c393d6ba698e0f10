/**
 * `npm run test:reliability`: schemathesis over the example's `/openapi.json` (test/fuzz.ts), `FUZZ_SECONDS` (20) per
 * run: anonymous, a user, a superuser, and a second superuser on PATCH and DELETE of /users/{id}.
 */
import { fuzzSuite } from "../fuzz.ts"

fuzzSuite(Number(process.env.FUZZ_SECONDS ?? 20))
