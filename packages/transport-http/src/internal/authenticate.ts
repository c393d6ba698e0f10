import type { Authenticator } from "@effect-users/core"
import { Infrastructure } from "@effect-users/core"
import { Effect, Option } from "effect"
import type { HttpServerRequest, HttpServerResponse } from "effect/http"
import { responses } from "../ErrorResponse.ts"
import * as ErrorTable from "../ErrorTable.ts"

type Request = HttpServerRequest.HttpServerRequest
type Response = HttpServerResponse.HttpServerResponse

/** The user of a request, the token that authenticated it, and its backend. */
export type Session = Authenticator.Authenticated<Request>

const unauthorized = Effect.succeed(responses.unauthorized)
const forbidden = Effect.succeed(responses.forbidden)

/** The 503 of an unavailable dependency, logged once (the error names the port and method; no secrets). */
export const unavailable = (error: Infrastructure.InfrastructureError): Effect.Effect<Response> =>
  Effect.as(ErrorTable.unavailable(error), responses.serviceUnavailable)

/** The answer to a refusal: the bare 401 or 403, or the logged 503 of an unavailable store. */
export const refusal = (error: Authenticator.AuthenticationError): Effect.Effect<Response> =>
  error._tag === "Unauthorized"
    ? unauthorized
    : error._tag === "Forbidden"
    ? forbidden
    : Infrastructure.isInfrastructureError(error)
    ? unavailable(error)
    : Effect.die(error)

/**
 * Core's guard for fixed requirements (docs/moving-from-fastapi-users.md), built once; run it on a request with what to do with the
 * session: every refusal is answered here, in one `matchEffect` (the hot path).
 */
export const make = (
  authenticator: Authenticator.Authenticator<Request>,
  requirements: Authenticator.Requirements
) => {
  const guard = authenticator.guard({ ...requirements, optional: false })
  return <E, R>(
    request: Request,
    onSession: (session: Session) => Effect.Effect<Response, E, R>
  ): Effect.Effect<Response, E, R> =>
    Effect.matchEffect(guard(request), {
      onFailure: refusal,
      onSuccess: (found) => Option.isSome(found) ? onSession(found.value) : unauthorized
    })
}
