/**
 * The register router (FastAPI Users' `get_register_router(UserRead, UserCreate)`, docs/moving-from-fastapi-users.md):
 * `POST <prefix>/register` with the model's `UserCreate`, answering 201 with its `UserRead`.
 *
 * @since 0.0.0
 */
import { UserManager } from "@effect-users/core"
import { Effect } from "effect"
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
import type { Schemas } from "./internal/Schemas.ts"
import { toUserCreate } from "./internal/Schemas.ts"
import { serveGroup } from "./internal/serve.ts"
import * as RequestBody from "./RequestBody.ts"
import * as ValidationError from "./ValidationError.ts"

/**
 * The register router's options.
 *
 * @since 0.0.0
 * @category models
 */
export interface Options<P extends Prefix> {
  readonly prefix: P
}

/**
 * Makes the router's group.
 *
 * @since 0.0.0
 * @category constructors
 */
export const make = <const P extends Prefix>(schemas: Schemas, options: Options<P>, owner: object) => {
  const spec: RouterSpec = { kind: "register", owner, prefix: options.prefix, requiresVerification: false }
  return HttpApiGroup.make(`register:${options.prefix}`).add(
    HttpApiEndpoint.post("register", "/register", {
      payload: schemas.create,
      success: schemas.read.pipe(HttpApiSchema.status(201)),
      error: [ErrorModel, ValidationError.HTTPValidationError, ServiceUnavailable]
    })
      .annotateMerge(
        Endpoints.jsonBody("register:register", `${options.prefix}/register`, "POST", {
          shape: "model",
          schema: schemas.create
        })
      )
      .annotate(BruteForceMiddleware.Protected, { route: "register", account: "email" })
      .middleware(BruteForceMiddleware.Middleware)
      .middleware(ValidationError.Middleware)
  )
    .prefix(options.prefix)
    .annotateMerge(groupAnnotations(spec, "auth"))
    .middleware(RequestBody.Middleware)
}

/**
 * The register router's group.
 *
 * @since 0.0.0
 * @category models
 */
export type RegisterGroup<P extends Prefix> = ReturnType<typeof make<P>>

/**
 * What registering answers for each of core's errors.
 *
 * @since 0.0.0
 * @category constants
 */
export const errors = ErrorTable.make<ErrorTable.ErrorOf<UserManager.UserManager["Service"]["create"]>>()({
  InvalidPassword: ErrorTable.withReason(ErrorCode.REGISTER_INVALID_PASSWORD),
  UserAlreadyExists: ErrorTable.code(ErrorCode.REGISTER_USER_ALREADY_EXISTS)
})

/**
 * The router's handlers, for the group as `api` holds it.
 *
 * @since 0.0.0
 * @category layers
 */
export const serve = (api: HttpApi.Constraint, group: Group.Top, spec: RouterSpec, schemas: Schemas, owner: object) => {
  const own = make(schemas, { prefix: spec.prefix }, owner)
  return serveGroup(
    api,
    group,
    own,
    own.identifier,
    (handlers) =>
      Effect.map(
        UserManager.UserManager,
        (manager) =>
          handlers.handle("register", ({ payload }) =>
            manager.create(toUserCreate(payload), { safe: true }).pipe(Effect.catch(errors)))
      )
  )
}
