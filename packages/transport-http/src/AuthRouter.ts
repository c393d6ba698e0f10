/**
 * The auth router of one backend (FastAPI Users' `get_auth_router(backend, requires_verification)`,
 * docs/moving-from-fastapi-users.md): `POST <prefix>/login` with the OAuth2 password form, answered by the backend's transport
 * (Bearer: 200 with the token; cookie: 204 with `Set-Cookie`), and `POST <prefix>/logout` behind a guard over every
 * backend, destroying the token with this backend's strategy.
 *
 * @since 0.0.0
 */
import { User, UserHooks, UserManager, UserMetrics } from "@effect-users/core"
import { Effect, Option, Schema } from "effect"
import { HttpServerResponse } from "effect/http"
import type { HttpApi, HttpApiGroup as Group } from "effect/http-api"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "effect/http-api"
import * as BruteForceMiddleware from "./BruteForceMiddleware.ts"
import { ErrorCode } from "./ErrorCode.ts"
import { ErrorModel, Forbidden, ServiceUnavailable, Unauthorized } from "./ErrorResponse.ts"
import * as ErrorTable from "./ErrorTable.ts"
import type { HttpTransport } from "./HttpTransport.ts"
import { Backends } from "./internal/Backends.ts"
import * as Endpoints from "./internal/Endpoints.ts"
import * as LoginForm from "./internal/LoginForm.ts"
import { CurrentSession, GuardRequirements, RouterGuard, WithSession } from "./internal/RouterGuard.ts"
import { groupAnnotations } from "./internal/RouterSpec.ts"
import type { RouterSpec } from "./internal/RouterSpec.ts"
import { serveGroup } from "./internal/serve.ts"
import * as RequestBody from "./RequestBody.ts"
import { HTTPValidationError } from "./ValidationError.ts"

/**
 * A path prefix.
 *
 * @since 0.0.0
 * @category models
 */
export type Prefix = `/${string}`

/**
 * The Bearer login response.
 *
 * @since 0.0.0
 * @category schemas
 */
export const BearerResponse = Schema.Struct({
  access_token: Schema.String,
  token_type: Schema.Literal("bearer")
}).annotate({ identifier: "BearerResponse" })

/**
 * The auth router's options.
 *
 * @since 0.0.0
 * @category models
 */
export interface Options<P extends Prefix> {
  readonly prefix: P
  /** Refuse unverified users: login answers `LOGIN_USER_NOT_VERIFIED`, logout 403. */
  readonly requiresVerification?: boolean
}

const loginForm = (backend: string, prefix: Prefix) =>
  LoginForm.schema(`Body_${Endpoints.names(`auth:${backend}.login`, `${prefix}/login`, "POST").operationId}`)

/**
 * Makes the router's group for a backend (its name, whether its transport is the cookie).
 *
 * @since 0.0.0
 * @category constructors
 */
export const make = <const P extends Prefix>(
  backend: { readonly name: string; readonly cookie: boolean },
  options: Options<P>,
  owner: object
) => {
  const requiresVerification = options.requiresVerification === true
  const name = (route: string) => `auth:${backend.name}.${route}`
  const spec: RouterSpec = {
    kind: "auth",
    owner,
    prefix: options.prefix,
    requiresVerification,
    backend: backend.name
  }
  const logoutErrors: ReadonlyArray<typeof Unauthorized | typeof Forbidden | typeof ServiceUnavailable> =
    requiresVerification ? [Unauthorized, Forbidden, ServiceUnavailable] : [Unauthorized, ServiceUnavailable]
  const success: typeof BearerResponse | typeof HttpApiSchema.NoContent = backend.cookie
    ? HttpApiSchema.NoContent
    : BearerResponse
  return HttpApiGroup.make(`auth:${options.prefix}`).add(
    HttpApiEndpoint.post("login", "/login", {
      payload: loginForm(backend.name, options.prefix),
      success,
      error: [ErrorModel, HTTPValidationError, ServiceUnavailable]
    })
      .annotateMerge(Endpoints.annotations(name("login"), `${options.prefix}/login`, "POST"))
      .annotate(RequestBody.BodyKind, "form")
      .annotate(BruteForceMiddleware.Protected, { route: "login", account: "username" })
      .middleware(BruteForceMiddleware.Middleware),
    HttpApiEndpoint.post("logout", "/logout", { success: HttpApiSchema.NoContent, error: logoutErrors })
      .annotateMerge(Endpoints.annotations(name("logout"), `${options.prefix}/logout`, "POST"))
      .annotate(GuardRequirements, { active: true, verified: requiresVerification })
      .annotate(WithSession, true)
      .middleware(RouterGuard)
  )
    .prefix(options.prefix)
    .annotateMerge(groupAnnotations(spec, "auth"))
    .middleware(RequestBody.Middleware)
}

/**
 * The auth router's group.
 *
 * @since 0.0.0
 * @category models
 */
export type AuthGroup<P extends Prefix> = ReturnType<typeof make<P>>

const badCredentials = new ErrorModel({ detail: ErrorCode.LOGIN_BAD_CREDENTIALS })
const notVerified = new ErrorModel({ detail: ErrorCode.LOGIN_USER_NOT_VERIFIED })

// the login counters (UserMetrics.logins)
const {
  badCredentials: refusedBadCredentials,
  inactive: refusedInactive,
  success: loggedIn,
  unverified: refusedUnverified
} = UserMetrics.loginOutcomes
const noContent = HttpServerResponse.empty({ status: 204 })
/**
 * The router's handlers, for the group as `api` holds it.
 *
 * @since 0.0.0
 * @category layers
 */
export const serve = (
  api: HttpApi.Constraint,
  group: Group.Top,
  spec: RouterSpec,
  definition: { readonly name: string; readonly transport: HttpTransport },
  owner: object
) => {
  const own = make(
    { name: definition.name, cookie: definition.transport.securityScheme.name === "APIKeyCookie" },
    { prefix: spec.prefix, requiresVerification: spec.requiresVerification },
    owner
  )
  return serveGroup(api, group, own, own.identifier, (handlers) =>
    Effect.gen(function*() {
      const manager = yield* UserManager.UserManager
      const hooks = yield* UserHooks.UserHooks
      const { backends } = yield* Backends
      // the router's own backend, built once with the others (FastAPI Users' routers take one of its backends)
      const self = backends.find((backend) => backend.name === definition.name)
      if (self === undefined) return yield* Effect.die(new Error(`FastApiUsers: no backend "${definition.name}"`))
      const form = loginForm(definition.name, spec.prefix)
      return handlers
        .handleRaw("login", ({ request }) =>
          Effect.gen(function*() {
            const credentials = yield* LoginForm.decode(form, request)
            // longer than any password can be: refused before any hashing (FastAPI Users' contract has no limit)
            if (credentials.password.length > User.MAX_PASSWORD_LENGTH) {
              return yield* Effect.andThen(refusedBadCredentials, Effect.fail(badCredentials))
            }
            const found = yield* manager.authenticate(credentials)
            if (Option.isNone(found)) return yield* Effect.andThen(refusedBadCredentials, Effect.fail(badCredentials))
            const user = found.value
            if (!user.is_active) return yield* Effect.andThen(refusedInactive, Effect.fail(badCredentials))
            if (spec.requiresVerification && !user.is_verified) {
              return yield* Effect.andThen(refusedUnverified, Effect.fail(notVerified))
            }
            const token = yield* self.strategy.writeToken(user)
            const response = yield* self.transport.loginResponse(token)
            yield* loggedIn
            yield* hooks.onAfterLogin(user)
            return response
          }).pipe(ErrorTable.catchInfrastructure))
        .handle("logout", () =>
          Effect.gen(function*() {
            const session = yield* CurrentSession
            yield* self.strategy.destroyToken(session.token, session.user).pipe(
              Effect.catchTag("DestroyNotSupported", () => Effect.void)
            )
            return yield* self.transport.logoutResponse
          }).pipe(
            Effect.catchTag("LogoutNotSupported", () => Effect.succeed(noContent)),
            ErrorTable.catchInfrastructure
          ))
    }))
}
