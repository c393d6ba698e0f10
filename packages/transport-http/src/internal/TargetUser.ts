import type { User } from "@effect-users/core"
import { Infrastructure, UserManager } from "@effect-users/core"
import { Context, Effect, Layer } from "effect"
import { HttpRouter } from "effect/http"
import { HttpApiMiddleware } from "effect/http-api"
import { responses } from "../ErrorResponse.ts"
import * as Authenticate from "./authenticate.ts"

/** The user a `/{id}` route of the users router is about. */
export class TargetUser extends Context.Service<TargetUser, User.User>()("@effect-users/transport-http/TargetUser") {}

/**
 * Loads the user of `{id}` after the guard and before the body is validated (FastAPI Users' `get_user_or_404`
 * dependency, docs/moving-from-fastapi-users.md): an id of the wrong kind or an unknown one is the 404.
 */
export class TargetUserMiddleware extends HttpApiMiddleware.Service<TargetUserMiddleware, { provides: TargetUser }>()(
  "@effect-users/transport-http/TargetUser/Middleware"
) {}

const notFound = Effect.succeed(responses.notFound)

/** The middleware's implementation. */
export const layer: Layer.Layer<TargetUserMiddleware, never, UserManager.UserManager> = Layer.effect(
  TargetUserMiddleware,
  Effect.map(
    UserManager.UserManager,
    (manager) => (httpEffect) =>
      Effect.flatMap(HttpRouter.RouteContext, (route) =>
        manager.parseId(route.params["id"]).pipe(
          Effect.flatMap(manager.get),
          Effect.matchEffect({
            onSuccess: (user) => Effect.provideService(httpEffect, TargetUser, user),
            onFailure: (error) =>
              Infrastructure.isInfrastructureError(error) ? Authenticate.unavailable(error) : notFound
          })
        ))
  )
)
