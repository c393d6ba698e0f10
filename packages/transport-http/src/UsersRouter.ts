/**
 * The users router (FastAPI Users' `get_users_router(UserRead, UserUpdate, requires_verification)`,
 * docs/moving-from-fastapi-users.md): `GET`/`PATCH <prefix>/me` for the active user, `GET`/`PATCH`/`DELETE <prefix>/{id}` for a
 * superuser; with `requiresVerification`, only for verified users.
 *
 * @since 0.0.0
 */
import { UserManager } from "@effect-users/core"
import { Effect, Schema } from "effect"
import type { HttpApi, HttpApiGroup as Group } from "effect/http-api"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "effect/http-api"
import type { Prefix } from "./AuthRouter.ts"
import { CurrentUser } from "./CurrentUser.ts"
import { ErrorCode } from "./ErrorCode.ts"
import { ErrorModel, Forbidden, jsonResponse, NotFound, ServiceUnavailable, Unauthorized } from "./ErrorResponse.ts"
import * as ErrorTable from "./ErrorTable.ts"
import { CurrentPassword, CurrentPasswordRequired } from "./internal/CurrentPassword.ts"
import * as Endpoints from "./internal/Endpoints.ts"
import { GuardRequirements, RouterGuard } from "./internal/RouterGuard.ts"
import { groupAnnotations } from "./internal/RouterSpec.ts"
import type { RouterSpec } from "./internal/RouterSpec.ts"
import type { Schemas } from "./internal/Schemas.ts"
import { serveGroup } from "./internal/serve.ts"
import { TargetUser, TargetUserMiddleware } from "./internal/TargetUser.ts"
import * as RequestBody from "./RequestBody.ts"
import * as ValidationError from "./ValidationError.ts"

/**
 * The users router's options.
 *
 * @since 0.0.0
 * @category models
 */
export interface Options<P extends Prefix> {
  readonly prefix: P
  /** Only verified users may use the router (403 otherwise). */
  readonly requiresVerification?: boolean
  /**
   * `PATCH /me` changing the password must carry the current one as `current_password` (400
   * `UPDATE_USER_INVALID_PASSWORD` when missing or wrong); off by default, as in FastAPI Users.
   */
  readonly requireCurrentPassword?: boolean
}

type OwnErrors = ReadonlyArray<typeof Unauthorized | typeof Forbidden | typeof ServiceUnavailable>
type OwnWriteErrors = ReadonlyArray<
  | typeof ErrorModel
  | typeof Unauthorized
  | typeof Forbidden
  | typeof ValidationError.HTTPValidationError
  | typeof ServiceUnavailable
>

/**
 * Makes the router's group.
 *
 * @since 0.0.0
 * @category constructors
 */
export const make = <const P extends Prefix>(schemas: Schemas, options: Options<P>, owner: object) => {
  const verified = options.requiresVerification === true
  const spec: RouterSpec = { kind: "users", owner, prefix: options.prefix, requiresVerification: verified }
  const me = `${options.prefix}/me`
  const byId = `${options.prefix}/{id}`
  // Q16: 403 only where a requirement can refuse (verification here; the superuser on `/{id}`)
  const ownErrors: OwnErrors = verified
    ? [Unauthorized, Forbidden, ServiceUnavailable]
    : [Unauthorized, ServiceUnavailable]
  const ownWriteErrors: OwnWriteErrors = verified
    ? [ErrorModel, Unauthorized, Forbidden, ValidationError.HTTPValidationError, ServiceUnavailable]
    : [ErrorModel, Unauthorized, ValidationError.HTTPValidationError, ServiceUnavailable]
  const self = { active: true, verified }
  const superuser = { active: true, verified, superuser: true }
  const body = { shape: "model", schema: schemas.update } as const
  return HttpApiGroup.make(`users:${options.prefix}`).add(
    HttpApiEndpoint.get("current_user", "/me", { success: schemas.read, error: ownErrors })
      .annotateMerge(Endpoints.annotations("users:current_user", me, "GET"))
      .annotate(GuardRequirements, self),
    HttpApiEndpoint.patch("patch_current_user", "/me", {
      payload: schemas.update,
      success: schemas.read,
      error: ownWriteErrors
    })
      .annotateMerge(Endpoints.jsonBody("users:patch_current_user", me, "PATCH", body))
      .annotate(GuardRequirements, self)
      .annotate(CurrentPasswordRequired, options.requireCurrentPassword === true)
      .middleware(CurrentPassword)
      .middleware(ValidationError.Middleware),
    HttpApiEndpoint.get("user", "/:id", {
      params: { id: Schema.String },
      success: schemas.read,
      error: [Unauthorized, Forbidden, NotFound, ServiceUnavailable]
    })
      .annotateMerge(Endpoints.annotations("users:user", byId, "GET"))
      .annotate(GuardRequirements, superuser)
      .middleware(TargetUserMiddleware),
    HttpApiEndpoint.patch("patch_user", "/:id", {
      params: { id: Schema.String },
      payload: schemas.update,
      success: schemas.read,
      error: [ErrorModel, Unauthorized, Forbidden, NotFound, ValidationError.HTTPValidationError, ServiceUnavailable]
    })
      .annotateMerge(Endpoints.jsonBody("users:patch_user", byId, "PATCH", body))
      .annotate(GuardRequirements, superuser)
      .middleware(ValidationError.Middleware)
      .middleware(TargetUserMiddleware),
    HttpApiEndpoint.delete("delete_user", "/:id", {
      params: { id: Schema.String },
      success: HttpApiSchema.NoContent,
      error: [Unauthorized, Forbidden, NotFound, ServiceUnavailable]
    })
      .annotateMerge(Endpoints.annotations("users:delete_user", byId, "DELETE"))
      .annotate(GuardRequirements, superuser)
      .middleware(TargetUserMiddleware)
  )
    .prefix(options.prefix)
    .annotateMerge(groupAnnotations(spec, "users"))
    .middleware(RouterGuard)
    .middleware(RequestBody.Middleware)
}

/**
 * The users router's group.
 *
 * @since 0.0.0
 * @category models
 */
export type UsersGroup<P extends Prefix> = ReturnType<typeof make<P>>

/**
 * What an update answers for each of core's errors.
 *
 * @since 0.0.0
 * @category constants
 */
export const errors = ErrorTable.make<ErrorTable.ErrorOf<UserManager.UserManager["Service"]["update"]>>()({
  UserAlreadyExists: ErrorTable.code(ErrorCode.UPDATE_USER_EMAIL_ALREADY_EXISTS),
  InvalidPassword: ErrorTable.withReason(ErrorCode.UPDATE_USER_INVALID_PASSWORD)
})

/**
 * The router's handlers, for the group as `api` holds it.
 *
 * @since 0.0.0
 * @category layers
 */
export const serve = (api: HttpApi.Constraint, group: Group.Top, spec: RouterSpec, schemas: Schemas, owner: object) => {
  const own = make(schemas, { prefix: spec.prefix, requiresVerification: spec.requiresVerification }, owner)
  // the hot path, `GET /me`: the read schema encodes synchronously into a pre-serialised body
  const encodeRead = Schema.encodeSync(schemas.read)
  return serveGroup(
    api,
    group,
    own,
    own.identifier,
    (handlers) =>
      Effect.map(UserManager.UserManager, (manager) =>
        handlers
          .handleRaw("current_user", () => Effect.map(CurrentUser, (user) => jsonResponse(200, encodeRead(user))))
          .handle(
            "patch_current_user",
            ({ payload }) =>
              Effect.flatMap(CurrentUser, (user) => manager.update(payload, user, { safe: true })).pipe(
                Effect.catch(errors)
              )
          )
          .handle("user", () => TargetUser)
          .handle(
            "patch_user",
            ({ payload }) =>
              Effect.flatMap(TargetUser, (user) => manager.update(payload, user, { safe: false })).pipe(
                Effect.catch(errors)
              )
          )
          .handle(
            "delete_user",
            () => Effect.flatMap(TargetUser, (user) => manager.delete(user)).pipe(ErrorTable.catchInfrastructure)
          ))
  )
}
