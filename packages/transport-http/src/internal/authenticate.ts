import type { Authenticator, Strategy, User, UserRepository } from "@effect-users/core"
import { Effect, Option } from "effect"
import type { HttpServerRequest } from "effect/http"
import type { HttpBackend } from "../HttpTransport.ts"

/** The backend that authenticated the request, its token and its user. */
export interface Session {
  readonly user: User.User
  readonly token: string
  readonly backend: HttpBackend
}

/** A session, or the status of a refusal (401 no usable user or inactive, 403 unverified or not a superuser). */
export type Outcome = Session | 401 | 403

const unauthorized: Effect.Effect<Outcome> = Effect.succeed(401)

/**
 * FastAPI Users' `current_user` (FASTAPI_USERS.md §5) as a plain function of the request: the enabled backends in
 * order, the first that resolves a user wins, then the requirements. Written as a flat `flatMap` chain (hot path).
 */
export const make = (
  backends: ReadonlyArray<HttpBackend>,
  requirements: Authenticator.Requirements
): (
  request: HttpServerRequest.HttpServerRequest
) => Effect.Effect<Outcome, Strategy.StrategyError | UserRepository.UserRepositoryError> => {
  const names = requirements.backends
  const enabled = names === undefined ? backends : backends.filter((backend) => names.includes(backend.name))
  const active = requirements.active === true
  const verified = requirements.verified === true
  const superuser = requirements.superuser === true
  const check = (session: Session): Outcome => {
    const user = session.user
    if (active && !user.is_active) return 401
    if ((verified && !user.is_verified) || (superuser && !user.is_superuser)) return 403
    return session
  }
  const count = enabled.length
  const loop = (
    request: HttpServerRequest.HttpServerRequest,
    start: number
  ): Effect.Effect<Outcome, Strategy.StrategyError | UserRepository.UserRepositoryError> => {
    for (let i = start; i < count; i++) {
      const backend = enabled[i]
      const token = backend.transport.readToken(request)
      if (Option.isSome(token)) {
        const value = token.value
        return Effect.flatMap(backend.strategy.readToken(value), (user) =>
          Option.isSome(user)
            ? Effect.succeed(check({ user: user.value, token: value, backend }))
            : loop(request, i + 1))
      }
    }
    return unauthorized
  }
  return (request) => loop(request, 0)
}
