/**
 * The example server on a private FerretDB and PostgreSQL: one cycle of the four faults (test/mongoOutage.ts).
 */
import { outageSuite } from "./mongoOutage.ts"

outageSuite(1)
