/**
 * The extension point of the builder: a package above this one (`@effect-users/oauth`) makes groups that the same
 * `Users.layer(api)` serves, without this package knowing what they do. Such a group carries, as its router
 * annotation, its own `serve` function; `layer(api)` finds it in the api like the library's own routers and calls
 * it with the group as the api holds it (prefixes and middlewares the application added included), then provides
 * what the builder holds: the application's backends (their strategies built once, with the others), the library's
 * guard over them, and the 422 and body-limit middlewares.
 *
 * @since 0.0.0
 */
import type { UserHooks, UserManager } from "@effect-users/core"
import type { Context, Layer } from "effect"
import { Effect } from "effect"
import type { HttpApi, HttpApiGroup } from "effect/http-api"
import type { HttpBackend } from "./HttpTransport.ts"
import { Backends } from "./internal/Backends.ts"
import * as Endpoints from "./internal/Endpoints.ts"
import { GuardRequirements, RouterGuard } from "./internal/RouterGuard.ts"
import { groupAnnotations } from "./internal/RouterSpec.ts"
import type { Schemas } from "./internal/Schemas.ts"
import { serveGroup as serveOwnGroup } from "./internal/serve.ts"
import type * as RequestBody from "./RequestBody.ts"
import type * as ValidationError from "./ValidationError.ts"

/**
 * The identifier an extension's group must have, so that `HttpApiBuilder.layer(api)` sees it provided by
 * `Users.layer(api)`: `oauth:<prefix>`.
 *
 * @since 0.0.0
 * @category models
 */
export type Identifier<P extends `/${string}` = `/${string}`> = `oauth:${P}`

/**
 * What a builder (`FastApiUsers.make(...)`) gives an extension, as `Users.extension`: its identity (its `layer(api)`
 * serves only the groups carrying it) and the user read schema its routers answer with.
 *
 * @since 0.0.0
 * @category models
 */
export interface Builder {
  readonly owner: object
  readonly read: Schemas["read"]
}

/**
 * What an extension's `serve` is called with: the api, its group as the api holds it, and the builder's read schema.
 *
 * @since 0.0.0
 * @category models
 */
export interface ServeContext {
  readonly api: HttpApi.Constraint
  readonly group: HttpApiGroup.Top
  readonly read: Schemas["read"]
}

/**
 * What an extension's handlers may require: core's services (from the application) and what `layer(api)` provides
 * itself (the backends, the guard, the request-body and 422 middlewares).
 *
 * @since 0.0.0
 * @category models
 */
export type Services =
  | UserManager.UserManager
  | UserHooks.UserHooks
  | Backends
  | RouterGuard
  | RequestBody.Middleware
  | ValidationError.Middleware

/**
 * The annotations that make a group an extension of `builder`, served by `serve` (add them with
 * `HttpApiGroup.annotateMerge`); the group is listed under FastAPI Users' `auth` tag.
 *
 * @since 0.0.0
 * @category constructors
 */
export const annotations = (
  builder: Builder,
  prefix: `/${string}`,
  serve: (context: ServeContext) => Layer.Layer<never, never, Services>
): Context.Context<never> => groupAnnotations({ kind: "extension", owner: builder.owner, prefix, serve }, "auth")

/**
 * FastAPI's OpenAPI names of a route (its `name`, e.g. `oauth:google.jwt.authorize`, at `path` with `method`): the
 * summary and the operation id FastAPI generates, so clients generated from FastAPI Users' document keep their
 * method names.
 *
 * @since 0.0.0
 * @category constructors
 */
export const endpointAnnotations: (name: string, path: string, method: string) => Context.Context<never> =
  Endpoints.annotations

/**
 * The library's guard (FastAPI Users' `current_user(...)` of its routers): an endpoint with this middleware and a
 * `guardRequirements` annotation gets the `CurrentUser`, or answers 401, 403 or 503 itself.
 *
 * @since 0.0.0
 * @category middleware
 */
export const Guard = RouterGuard

/**
 * The annotation key of what the guard requires of an endpoint's user (`{ active: true }` when absent).
 *
 * @since 0.0.0
 * @category middleware
 */
export const guardRequirements = GuardRequirements

/**
 * The handlers of an extension's group as the api holds it, typed by `own`, the group the extension makes for the
 * same options (`identifier` is its identifier); dies at build time when the api's group has other endpoints.
 *
 * @since 0.0.0
 * @category layers
 */
export const serveGroup = serveOwnGroup

/**
 * The application's backend named `name`, its strategy built (dies when the builder has no such backend).
 *
 * @since 0.0.0
 * @category accessors
 */
export const backend = (name: string): Effect.Effect<HttpBackend, never, Backends> =>
  Effect.flatMap(Backends, ({ backends }) => {
    const found = backends.find((candidate) => candidate.name === name)
    return found === undefined ? Effect.die(new Error(`FastApiUsers: no backend "${name}"`)) : Effect.succeed(found)
  })
