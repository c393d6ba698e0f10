import type { Authenticator } from "@effect-users/core"
import { Context, Effect, Layer, Option } from "effect"
import { HttpServerRequest } from "effect/http"
import { HttpApiMiddleware } from "effect/http-api"
import { CurrentUser } from "../CurrentUser.ts"
import * as Authenticate from "./authenticate.ts"
import { Backends } from "./Backends.ts"

/** The session of a request the library's guard let through (logout destroys its token). */
export class CurrentSession extends Context.Service<CurrentSession, Authenticate.Session>()(
  "@effect-users/transport-http/CurrentSession"
) {}

/** An endpoint whose handler reads the `CurrentSession` (logout): the guard provides it there only. */
export class WithSession extends Context.Service<WithSession, boolean>()("@effect-users/transport-http/WithSession") {}

/** What an endpoint of the library requires of its user (an endpoint annotation, read once at build time). */
export class GuardRequirements extends Context.Service<GuardRequirements, Authenticator.Requirements>()(
  "@effect-users/transport-http/GuardRequirements"
) {}

/**
 * The guard of the library's authenticated routes (logout, the users router): one middleware for every router, each
 * endpoint carrying its requirements as an annotation; it answers 401, 403 and 503 itself, which each endpoint
 * declares exactly (docs/moving-from-fastapi-users.md).
 */
export class RouterGuard extends HttpApiMiddleware.Service<RouterGuard, { provides: CurrentUser | CurrentSession }>()(
  "@effect-users/transport-http/RouterGuard"
) {}

/** The guard's implementation over the builder's authenticator. */
export const layer: Layer.Layer<RouterGuard, never, Backends> = Layer.effect(
  RouterGuard,
  Effect.map(Backends, ({ authenticator }) => (httpEffect, { endpoint }) => {
    const requirements = Option.getOrElse(
      Context.getOption(endpoint.annotations, GuardRequirements),
      (): Authenticator.Requirements => ({ active: true })
    )
    const authenticate = Authenticate.make(authenticator, requirements)
    return Effect.flatMap(
      HttpServerRequest.HttpServerRequest,
      (request) =>
        authenticate(request, (session) =>
          httpEffect.pipe(
            Effect.provideService(CurrentUser, session.user),
            Effect.provideService(CurrentSession, session)
          ))
    )
  })
)
