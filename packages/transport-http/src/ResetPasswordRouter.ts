/**
 * The reset-password router (FastAPI Users' `get_reset_password_router()`, docs/moving-from-fastapi-users.md):
 * `POST <prefix>/forgot-password` (always 202 `null`) and `POST <prefix>/reset-password` (200 `null`).
 *
 * @since 0.0.0
 */
import { Email, User, UserManager } from "@effect-users/core"
import { Effect, Schema } from "effect"
import type { HttpApi, HttpApiGroup as Group } from "effect/http-api"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "effect/http-api"
import type { Prefix } from "./AuthRouter.ts"
import * as BruteForceMiddleware from "./BruteForceMiddleware.ts"
import { ErrorCode } from "./ErrorCode.ts"
import { ErrorModel, ServiceUnavailable } from "./ErrorResponse.ts"
import * as ErrorTable from "./ErrorTable.ts"
import * as Endpoints from "./internal/Endpoints.ts"
import { groupAnnotations } from "./internal/RouterSpec.ts"
import type { RouterSpec } from "./internal/RouterSpec.ts"
import { serveGroup } from "./internal/serve.ts"
import * as RequestBody from "./RequestBody.ts"
import * as ValidationError from "./ValidationError.ts"

/**
 * The reset-password router's options.
 *
 * @since 0.0.0
 * @category models
 */
export interface Options<P extends Prefix> {
  readonly prefix: P
}

const Accepted = Schema.Null.pipe(HttpApiSchema.status(202))

/**
 * Makes the router's group.
 *
 * @since 0.0.0
 * @category constructors
 */
export const make = <const P extends Prefix>(options: Options<P>, owner: object) => {
  const spec: RouterSpec = { kind: "reset", owner, prefix: options.prefix, requiresVerification: false }
  const forgotPath = `${options.prefix}/forgot-password`
  const resetPath = `${options.prefix}/reset-password`
  const ForgotBody = Endpoints.embeddedBody("reset:forgot_password", forgotPath, { email: Email.Email })
  const ResetBody = Endpoints.embeddedBody("reset:reset_password", resetPath, {
    token: Schema.String,
    password: User.Password
  })
  return HttpApiGroup.make(`reset:${options.prefix}`).add(
    HttpApiEndpoint.post("forgot_password", "/forgot-password", {
      payload: ForgotBody,
      success: Accepted,
      // 400: a body that is not UTF-8 (FastAPI's "There was an error parsing the body"), answered before decoding
      error: [ErrorModel, ValidationError.HTTPValidationError, ServiceUnavailable]
    })
      .annotateMerge(
        Endpoints.jsonBody("reset:forgot_password", forgotPath, "POST", { shape: "embedded", schema: ForgotBody })
      )
      .annotate(BruteForceMiddleware.Protected, { route: "forgot-password", account: "email" })
      .middleware(BruteForceMiddleware.Middleware)
      .middleware(ValidationError.Middleware),
    HttpApiEndpoint.post("reset_password", "/reset-password", {
      payload: ResetBody,
      success: Schema.Null,
      error: [ErrorModel, ValidationError.HTTPValidationError, ServiceUnavailable]
    })
      .annotateMerge(
        Endpoints.jsonBody("reset:reset_password", resetPath, "POST", { shape: "embedded", schema: ResetBody })
      )
      .annotate(BruteForceMiddleware.Protected, { route: "reset-password", account: "none" })
      .middleware(BruteForceMiddleware.Middleware)
      .middleware(ValidationError.Middleware)
  )
    .prefix(options.prefix)
    .annotateMerge(groupAnnotations(spec, "auth"))
    .middleware(RequestBody.Middleware)
}

/**
 * The reset-password router's group.
 *
 * @since 0.0.0
 * @category models
 */
export type ResetPasswordGroup<P extends Prefix> = ReturnType<typeof make<P>>

const badToken = ErrorTable.code(ErrorCode.RESET_PASSWORD_BAD_TOKEN)

/**
 * What resetting a password answers for each of core's errors.
 *
 * @since 0.0.0
 * @category constants
 */
export const errors = ErrorTable.make<ErrorTable.ErrorOf<UserManager.UserManager["Service"]["resetPassword"]>>()({
  InvalidResetPasswordToken: badToken,
  UserNotExists: badToken,
  UserInactive: badToken,
  UserAlreadyExists: badToken,
  InvalidPassword: ErrorTable.withReason(ErrorCode.RESET_PASSWORD_INVALID_PASSWORD)
})

/**
 * The router's handlers, for the group as `api` holds it.
 *
 * @since 0.0.0
 * @category layers
 */
export const serve = (api: HttpApi.Constraint, group: Group.Top, spec: RouterSpec, owner: object) => {
  const own = make({ prefix: spec.prefix }, owner)
  return serveGroup(
    api,
    group,
    own,
    own.identifier,
    (handlers) =>
      Effect.map(UserManager.UserManager, (manager) =>
        handlers
          .handle("forgot_password", ({ payload }) =>
            manager.getByEmail(payload.email).pipe(
              Effect.flatMap(manager.forgotPassword),
              // an unknown or inactive address answers like any other (docs/moving-from-fastapi-users.md)
              Effect.catchTags({ UserNotExists: () => Effect.void, UserInactive: () => Effect.void }),
              ErrorTable.catchInfrastructure,
              Effect.as(null)
            ))
          .handle(
            "reset_password",
            ({ payload }) =>
              manager.resetPassword(payload.token, payload.password).pipe(Effect.as(null), Effect.catch(errors))
          ))
  )
}
