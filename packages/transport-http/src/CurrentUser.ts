/**
 * The current user of a request, for the library's routes and the application's own endpoints (FastAPI Users'
 * `current_user(optional, active, verified, superuser, get_enabled_backends)`, FASTAPI_USERS.md §5).
 *
 * @since 0.0.0
 */
import type { Authenticator, User } from "@effect-users/core"
import { Context, Effect, Layer, Option } from "effect"
import type { Schema } from "effect"
import { HttpServerRequest } from "effect/http"
import { HttpApiMiddleware } from "effect/http-api"
import * as ErrorCode from "./ErrorCode.ts"
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
 * The errors a guard documents.
 *
 * @since 0.0.0
 * @category models
 */
export type GuardErrors = typeof middlewareErrors

/**
 * The errors an optional guard documents.
 *
 * @since 0.0.0
 * @category models
 */
export type OptionalGuardErrors = typeof optionalErrors

const middlewareErrors = [
  ErrorCode.UnauthorizedError,
  ErrorCode.ForbiddenError,
  ErrorCode.ServiceUnavailableError
] as const

const optionalErrors = [ErrorCode.ServiceUnavailableError] as const

/**
 * A middleware key, typed by its id so that two requirement sets are two services.
 *
 * @since 0.0.0
 * @category models
 */
export interface Guard<Id extends string, Provides = CurrentUser, Errors = typeof middlewareErrors> {
  readonly id: Id
  /** The key `HttpApiMiddleware` reads its type parameters from. */
  readonly "~effect/http-api/HttpApiMiddleware": {
    readonly provides: Provides
    readonly requires: never
    readonly error: Errors
    readonly clientError: never
    readonly requiredForClient: false
  }
}

/**
 * The class of a guard middleware (use it in `.middleware(...)`), with its implementation as `layer`.
 *
 * @since 0.0.0
 * @category models
 */
export type GuardClass<Id extends string, Provides, Errors extends ReadonlyArray<Schema.Top>, E = never, R = never> =
  & HttpApiMiddleware.ServiceClass<Guard<Id, Provides, Errors>, Id, {
    requires: never
    provides: Provides
    error: Errors
    clientError: never
    requiredForClient: false
    security: never
  }>
  & { readonly layer: Layer.Layer<Guard<Id, Provides, Errors>, E, R> }

/**
 * A middleware requiring an authenticated user with `requirements` through core's authenticator (all backends unless
 * `requirements.backends` names some), providing `CurrentUser`; it answers 401, 403 or 503 itself. Use as
 * `.middleware(Guard)` on a group or endpoint and provide `Guard.layer`.
 *
 * @since 0.0.0
 * @category constructors
 */
export const middleware = <const Id extends string, E = never, R = never>(
  id: Id,
  authenticator: Effect.Effect<Authenticator.Authenticator<HttpServerRequest.HttpServerRequest>, E, R>,
  requirements: Requirements = {}
): GuardClass<Id, CurrentUser, typeof middlewareErrors, E, R> => {
  class Tag extends HttpApiMiddleware.Service<Guard<Id>, { provides: CurrentUser }>()(id, {
    error: middlewareErrors
  }) {}
  const layer = Layer.effect(
    Tag,
    Effect.map(authenticator, (resolved) => {
      const authenticate = Authenticate.make(resolved, requirements)
      return Tag.of((httpEffect) =>
        Effect.flatMap(
          HttpServerRequest.HttpServerRequest,
          (request) => authenticate(request, (session) => Effect.provideService(httpEffect, CurrentUser, session.user))
        )
      )
    })
  )
  return Object.assign(Tag, { layer })
}

/**
 * A middleware for optional authentication, providing `OptionalCurrentUser` (`None` instead of a 401 or 403).
 *
 * @since 0.0.0
 * @category constructors
 */
export const optionalMiddleware = <const Id extends string, E = never, R = never>(
  id: Id,
  authenticator: Effect.Effect<Authenticator.Authenticator<HttpServerRequest.HttpServerRequest>, E, R>,
  requirements: Requirements = {}
): GuardClass<Id, OptionalCurrentUser, typeof optionalErrors, E, R> => {
  class Tag extends HttpApiMiddleware.Service<
    Guard<Id, OptionalCurrentUser, typeof optionalErrors>,
    { provides: OptionalCurrentUser }
  >()(id, { error: optionalErrors }) {}
  const layer = Layer.effect(
    Tag,
    Effect.map(authenticator, (resolved) => {
      const guard = resolved.guard({ ...requirements, optional: true })
      return Tag.of((httpEffect) =>
        Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
          Effect.matchEffect(guard(request), {
            onFailure: Authenticate.refusal,
            onSuccess: (found) =>
              Effect.provideService(httpEffect, OptionalCurrentUser, Option.map(found, (session) => session.user))
          }))
      )
    })
  )
  return Object.assign(Tag, { layer })
}
