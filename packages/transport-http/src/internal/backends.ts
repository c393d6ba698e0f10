import { Context } from "effect"
import type { HttpBackend } from "../HttpTransport.ts"

/** The application's backends, their strategies built. */
export class Backends extends Context.Service<Backends, ReadonlyArray<HttpBackend>>()(
  "@effect-users/transport-http/FastApiUsers/Backends"
) {}
