/**
 * The current user of a request, for the library's routes and the application's own endpoints (FastAPI Users'
 * `current_user(optional, active, verified, superuser, get_enabled_backends)`, docs/moving-from-fastapi-users.md).
 *
 * ```ts
 * class Authenticated extends CurrentUser.Guard<Authenticated>()("Authenticated", { active: true }) {}
 * const MyGroup = HttpApiGroup.make("app").add(HttpApiEndpoint.get("me", "/hello")).middleware(Authenticated)
 * // provide Users.guard(Authenticated) with the group's handlers
 * ```
 *
 * @since 0.0.0
 */
import type { Authenticator, User } from "@effect-users/core"
import { Context, Effect, Layer, Option } from "effect"
import { HttpServerRequest } from "effect/http"
import { HttpApiMiddleware } from "effect/http-api"
import { Forbidden, ServiceUnavailable, Unauthorized } from "./ErrorResponse.ts"
import * as Authenticate from "./internal/authenticate.ts"

/**
 * The authenticated user (typed by the application's registered model).
 *
 * @since 0.0.0
 * @category services
 */
export class CurrentUser
  extends Context.Service<CurrentUser, User.User>()("@effect-users/transport-http/CurrentUser")
{}

/**
 * The user of a request whose authentication is optional: `None` where a required one would answer 401 or 403.
 *
 * @since 0.0.0
 * @category services
 */
export class OptionalCurrentUser extends Context.Service<OptionalCurrentUser, Option.Option<User.User>>()(
  "@effect-users/transport-http/OptionalCurrentUser"
) {}

/**
 * What an endpoint requires of its user (`optional` is chosen by the constructor used).
 *
 * @since 0.0.0
 * @category models
 */
export type Requirements = Omit<Authenticator.Requirements, "optional">

/**
 * The errors a guard documents: 401, 403 (only where it requires a verified user or a superuser) and 503.
 *
 * @since 0.0.0
 * @category models
 */
export type GuardErrors =
  | readonly [typeof Unauthorized, typeof ServiceUnavailable]
  | readonly [typeof Unauthorized, typeof Forbidden, typeof ServiceUnavailable]

const errorsOf = (requirements: Requirements): GuardErrors =>
  requirements.verified === true || requirements.superuser === true
    ? [Unauthorized, Forbidden, ServiceUnavailable]
    : [Unauthorized, ServiceUnavailable]

/**
 * A guard's class: an `HttpApiMiddleware` key providing `Provides`, with the requirements it was declared with.
 *
 * @since 0.0.0
 * @category models
 */
export type GuardClass<
  Self,
  Id extends string,
  Provides,
  Errors extends GuardErrors | readonly [typeof ServiceUnavailable]
> =
  & HttpApiMiddleware.ServiceClass<Self, Id, {
    requires: never
    provides: Provides
    error: Errors
    clientError: never
    requiredForClient: false
    security: never
  }>
  & { readonly requirements: Requirements }

/**
 * Declares a guard requiring an authenticated user with `requirements` (all backends unless `requirements.backends`
 * names some), providing {@link CurrentUser}; it answers 401, 403 or 503 itself. Extend it as a class, use it as
 * `.middleware(Guard)` and provide its implementation with `FastApiUsers`' `guard(Guard)`.
 *
 * @since 0.0.0
 * @category constructors
 */
export const Guard = <Self>() =>
<const Id extends string>(
  id: Id,
  requirements: Requirements = { active: true }
): GuardClass<Self, Id, CurrentUser, GuardErrors> =>
  Object.assign(
    HttpApiMiddleware.Service<Self, { provides: CurrentUser }>()(id, { error: errorsOf(requirements) }),
    { requirements }
  )

/**
 * Declares a guard for optional authentication, providing {@link OptionalCurrentUser} (`None` instead of a 401 or
 * 403).
 *
 * @since 0.0.0
 * @category constructors
 */
export const OptionalGuard = <Self>() =>
<const Id extends string>(
  id: Id,
  requirements: Requirements = { active: true }
): GuardClass<Self, Id, OptionalCurrentUser, readonly [typeof ServiceUnavailable]> =>
  Object.assign(
    HttpApiMiddleware.Service<Self, { provides: OptionalCurrentUser }>()(id, { error: [ServiceUnavailable] }),
    { requirements }
  )

type Carrier = HttpServerRequest.HttpServerRequest

/**
 * The implementation of a guard declared with {@link Guard}, over core's authenticator.
 *
 * @since 0.0.0
 * @category layers
 */
export const layer = <Self, Id extends string, E, R>(
  guard: GuardClass<Self, Id, CurrentUser, GuardErrors>,
  authenticator: Effect.Effect<Authenticator.Authenticator<Carrier>, E, R>
): Layer.Layer<Self, E, R> =>
  Layer.effect(
    guard,
    Effect.map(authenticator, (resolved) => {
      const authenticate = Authenticate.make(resolved, guard.requirements)
      return (httpEffect) =>
        Effect.flatMap(
          HttpServerRequest.HttpServerRequest,
          (request) => authenticate(request, (session) => Effect.provideService(httpEffect, CurrentUser, session.user))
        )
    })
  )

/**
 * The implementation of a guard declared with {@link OptionalGuard}.
 *
 * @since 0.0.0
 * @category layers
 */
export const layerOptional = <Self, Id extends string, E, R>(
  guard: GuardClass<Self, Id, OptionalCurrentUser, readonly [typeof ServiceUnavailable]>,
  authenticator: Effect.Effect<Authenticator.Authenticator<Carrier>, E, R>
): Layer.Layer<Self, E, R> =>
  Layer.effect(
    guard,
    Effect.map(authenticator, (resolved) => {
      const check = resolved.guard({ ...guard.requirements, optional: true })
      return (httpEffect) =>
        Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
          Effect.matchEffect(check(request), {
            onFailure: Authenticate.refusal,
            onSuccess: (found) =>
              Effect.provideService(httpEffect, OptionalCurrentUser, Option.map(found, (session) => session.user))
          }))
    })
  )
