import type { Authenticator, Strategy, User, UserRepository } from "@effect-users/core"
import { Effect, Option } from "effect"
import type { HttpServerRequest } from "effect/http"

/** The user of a request and the token that authenticated it. */
export interface Session {
  readonly user: User.User
  readonly token: string
}

/** A session, or the status of a refusal (401 no usable user or inactive, 403 unverified or not a superuser). */
export type Outcome = Session | 401 | 403

type HttpAuthenticator = Authenticator.Authenticator<HttpServerRequest.HttpServerRequest>

const unauthorized: Effect.Effect<Outcome> = Effect.succeed(401)
const forbidden: Effect.Effect<Outcome> = Effect.succeed(403)

const refusal = (
  error: Authenticator.AuthenticationError
): Effect.Effect<Outcome, Strategy.StrategyError | UserRepository.UserRepositoryError> =>
  error._tag === "Unauthorized" ? unauthorized : error._tag === "Forbidden" ? forbidden : Effect.fail(error)

const toOutcome = (found: Option.Option<Authenticator.Authenticated<HttpServerRequest.HttpServerRequest>>): Outcome =>
  Option.isSome(found) ? found.value : 401

/**
 * Core's guard (FASTAPI_USERS.md §5) for fixed requirements, built once, with its refusals as statuses: only an
 * unavailable store fails.
 */
export const make = (
  authenticator: HttpAuthenticator,
  requirements: Authenticator.Requirements
): (
  request: HttpServerRequest.HttpServerRequest
) => Effect.Effect<Outcome, Strategy.StrategyError | UserRepository.UserRepositoryError> => {
  const guard = authenticator.guard({ ...requirements, optional: false })
  return (request) => Effect.catch(Effect.map(guard(request), toOutcome), refusal)
}
