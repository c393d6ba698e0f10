import type { Authenticator } from "@effect-users/core"
import { Context } from "effect"
import type { HttpServerRequest } from "effect/http"
import type { HttpBackend } from "../HttpTransport.ts"

/** The application's backends, their strategies built, and core's authenticator over them. */
export class Backends extends Context.Service<Backends, {
  readonly backends: ReadonlyArray<HttpBackend>
  readonly authenticator: Authenticator.Authenticator<HttpServerRequest.HttpServerRequest>
}>()("@effect-users/transport-http/Backends") {}
