/**
 * The verify router (FastAPI Users' `get_verify_router(UserRead)`, docs/moving-from-fastapi-users.md):
 * `POST <prefix>/request-verify-token` (always 202 `null`: it reveals nothing) and `POST <prefix>/verify`.
 *
 * @since 0.0.0
 */
import { Email, UserManager } from "@effect-users/core"
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
import type { Schemas } from "./internal/Schemas.ts"
import { serveGroup } from "./internal/serve.ts"
import * as RequestBody from "./RequestBody.ts"
import * as ValidationError from "./ValidationError.ts"

/**
 * The verify router's options.
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
export const make = <const P extends Prefix>(schemas: Schemas, options: Options<P>, owner: object) => {
  const spec: RouterSpec = { kind: "verify", owner, prefix: options.prefix, requiresVerification: false }
  const requestPath = `${options.prefix}/request-verify-token`
  const verifyPath = `${options.prefix}/verify`
  const RequestBodySchema = Endpoints.embeddedBody("verify:request-token", requestPath, { email: Email.Email })
  const VerifyBodySchema = Endpoints.embeddedBody("verify:verify", verifyPath, { token: Schema.String })
  return HttpApiGroup.make(`verify:${options.prefix}`).add(
    HttpApiEndpoint.post("request-token", "/request-verify-token", {
      payload: RequestBodySchema,
      success: Accepted,
      // 400: a body that is not UTF-8 (FastAPI's "There was an error parsing the body"), answered before decoding
      error: [ErrorModel, ValidationError.HTTPValidationError, ServiceUnavailable]
    })
      .annotateMerge(
        Endpoints.jsonBody("verify:request-token", requestPath, "POST", {
          shape: "embedded",
          schema: RequestBodySchema
        })
      )
      .annotate(BruteForceMiddleware.Protected, { route: "request-verify-token", account: "email" })
      .middleware(BruteForceMiddleware.Middleware)
      .middleware(ValidationError.Middleware),
    HttpApiEndpoint.post("verify", "/verify", {
      payload: VerifyBodySchema,
      success: schemas.read,
      error: [ErrorModel, ValidationError.HTTPValidationError, ServiceUnavailable]
    })
      .annotateMerge(
        Endpoints.jsonBody("verify:verify", verifyPath, "POST", { shape: "embedded", schema: VerifyBodySchema })
      )
      .annotate(BruteForceMiddleware.Protected, { route: "verify", account: "none" })
      .middleware(BruteForceMiddleware.Middleware)
      .middleware(ValidationError.Middleware)
  )
    .prefix(options.prefix)
    .annotateMerge(groupAnnotations(spec, "auth"))
    .middleware(RequestBody.Middleware)
}

/**
 * The verify router's group.
 *
 * @since 0.0.0
 * @category models
 */
export type VerifyGroup<P extends Prefix> = ReturnType<typeof make<P>>

/**
 * What verifying answers for each of core's errors.
 *
 * @since 0.0.0
 * @category constants
 */
export const errors = ErrorTable.make<ErrorTable.ErrorOf<UserManager.UserManager["Service"]["verify"]>>()({
  InvalidVerifyToken: ErrorTable.code(ErrorCode.VERIFY_USER_BAD_TOKEN),
  UserAlreadyVerified: ErrorTable.code(ErrorCode.VERIFY_USER_ALREADY_VERIFIED)
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
      Effect.map(UserManager.UserManager, (manager) =>
        handlers
          .handle("request-token", ({ payload }) =>
            manager.getByEmail(payload.email).pipe(
              Effect.flatMap(manager.requestVerify),
              // an unknown, inactive or verified address answers like any other (docs/moving-from-fastapi-users.md)
              Effect.catchTags({
                UserNotExists: () => Effect.void,
                UserInactive: () => Effect.void,
                UserAlreadyVerified: () => Effect.void
              }),
              ErrorTable.catchInfrastructure,
              Effect.as(null)
            ))
          .handle("verify", ({ payload }) => manager.verify(payload.token).pipe(Effect.catch(errors))))
  )
}
