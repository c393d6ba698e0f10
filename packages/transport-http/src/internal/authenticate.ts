import type { Authenticator } from "@effect-users/core"
import { Effect, Option } from "effect"
import type { HttpServerRequest, HttpServerResponse } from "effect/http"
import * as ErrorCode from "../ErrorCode.ts"

type Request = HttpServerRequest.HttpServerRequest
type Response = HttpServerResponse.HttpServerResponse

/** The user of a request, the token that authenticated it, and its backend. */
export type Session = Authenticator.Authenticated<Request>

const unauthorized = Effect.succeed(ErrorCode.responses.unauthorized)
const forbidden = Effect.succeed(ErrorCode.responses.forbidden)

/** The answer to a refusal: the bare 401 or 403, or the 503 (logged) for an unavailable store. */
export const refusal = (error: Authenticator.AuthenticationError): Effect.Effect<Response> =>
  error._tag === "Unauthorized"
    ? unauthorized
    : error._tag === "Forbidden"
    ? forbidden
    : ErrorCode.toResponse("users", error)

/**
 * Core's guard for fixed requirements (FASTAPI_USERS.md §5), built once; run it on a request with what to do with the
 * session: every refusal is answered here, in one `matchEffect` (hot path).
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
