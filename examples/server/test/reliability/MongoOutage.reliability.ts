/**
 * `npm run test:reliability`: three cycles of the four database faults on the example's private FerretDB
 * (test/mongoOutage.ts).
 */
import { outageSuite } from "../mongoOutage.ts"

outageSuite(Number(process.env.MONGO_OUTAGE_CYCLES ?? 3))
