/**
 * The application-facing builder (FastAPI Users' `FastAPIUsers`): from the application's user model and
 * authentication backends, the routers of docs/moving-from-fastapi-users.md as values the application composes freely into one
 * `HttpApi` (any router, any number of times, each at its own prefix), one `layer(api)` serving every router of
 * this builder the api holds, guards for the application's own endpoints, and the OpenAPI security schemes, docs
 * page and FastAPI's fallback answers.
 *
 * ```ts
 * const Users = FastApiUsers.make({ model: AppUser, backends: [jwt, cookie] })
 * class Authenticated extends CurrentUser.Guard<Authenticated>()("Authenticated") {}
 * const api = HttpApi.make("app")
 *   .add(Users.authRouter(jwt, { prefix: "/auth/jwt" }))
 *   .add(Users.authRouter(jwt, { prefix: "/auth/jwtv", requiresVerification: true }))
 *   .add(Users.usersRouter({ prefix: "/users" }))
 *   .add(Users.usersRouter({ prefix: "/users-rv", requiresVerification: true }))
 *   .add(MyGroup.middleware(Authenticated))
 *   .annotateMerge(Users.openApiAnnotations({ title: "My app" }))
 * const ApiLive = HttpApiBuilder.layer(api, { openapiPath: "/openapi.json" }).pipe(
 *   Layer.provide([Users.layer(api), MyGroupLive.pipe(Layer.provide(Users.guard(Authenticated)))])
 * )
 * ```
 *
 * @since 0.0.0
 */
import type { User, UserHooks, UserManager } from "@effect-users/core"
import { Authenticator, User as UserModule } from "@effect-users/core"
import type { Context } from "effect"
import { Effect, Layer } from "effect"
import type { HttpRouter } from "effect/http"
import type { HttpApi, HttpApiGroup } from "effect/http-api"
import { HttpApiSwagger, OpenApi } from "effect/http-api"
import * as AuthRouter from "./AuthRouter.ts"
import * as BruteForceMiddleware from "./BruteForceMiddleware.ts"
import * as CurrentUser from "./CurrentUser.ts"
import type { ServiceUnavailable } from "./ErrorResponse.ts"
import * as Fallback from "./Fallback.ts"
import * as Hardening from "./Hardening.ts"
import type { AnyBackend, BackendError, BackendServices, SecurityScheme } from "./HttpTransport.ts"
import { resolve } from "./HttpTransport.ts"
import { Backends } from "./internal/Backends.ts"
import * as CrossSiteGuard from "./internal/CrossSiteGuard.ts"
import * as CurrentPassword from "./internal/CurrentPassword.ts"
import * as HotPath from "./internal/HotPath.ts"
import * as RouterGuard from "./internal/RouterGuard.ts"
import * as Schemas from "./internal/Schemas.ts"
import type { LibraryGroup } from "./internal/serve.ts"
import { serveApi } from "./internal/serve.ts"
import * as TargetUser from "./internal/TargetUser.ts"
import * as RegisterRouter from "./RegisterRouter.ts"
import * as RequestBody from "./RequestBody.ts"
import * as ResetPasswordRouter from "./ResetPasswordRouter.ts"
import type * as RouterExtension from "./RouterExtension.ts"
import * as UsersRouter from "./UsersRouter.ts"
import * as ValidationError from "./ValidationError.ts"
import * as VerifyRouter from "./VerifyRouter.ts"

/**
 * A path prefix.
 *
 * @since 0.0.0
 * @category models
 */
export type Prefix = AuthRouter.Prefix

/**
 * The builder's options.
 *
 * @since 0.0.0
 * @category models
 */
export interface Options<B extends ReadonlyArray<AnyBackend>> {
  /** The application's registered user model (`User.makeModel(...)`; `User.defaultModel` without custom fields). */
  readonly model: User.RegisteredModel
  /** The authentication backends, in the order they are tried. */
  readonly backends: B
  /** The limits of request bodies (1 MiB, JSON nested 64 levels, by default). */
  readonly limits?: Partial<RequestBody.Limits>
  /**
   * Serve `GET <users prefix>/me` ahead of the router (the same answers, fewer steps: see `docs/architecture.md`);
   * `true` by default.
   */
  readonly hotPath?: boolean
}

/**
 * The core services the routers' handlers use.
 *
 * @since 0.0.0
 * @category models
 */
export type Requirements = UserManager.UserManager | UserHooks.UserHooks

const securityOf = (schemes: ReadonlyArray<SecurityScheme>) => (operation: Record<string, unknown>) => ({
  ...operation,
  security: schemes.map((scheme) => ({ [scheme.name]: [] }))
})

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const recordAt = (value: Record<string, unknown>, key: string): Record<string, unknown> => {
  const found = value[key]
  return isRecord(found) ? found : {}
}

/**
 * Builds the HTTP face of effect-users for an application.
 *
 * @since 0.0.0
 * @category constructors
 */
export const make = <const B extends ReadonlyArray<AnyBackend>>(options: Options<B>) => {
  type E = BackendError<B[number]>
  type R = BackendServices<B[number]>
  // the identity of this builder: its routers carry it, and its `layer(api)` serves only them
  const owner = {}
  const model = options.model
  const limits: RequestBody.Limits = { ...RequestBody.defaultLimits, ...options.limits }
  const schemas = Schemas.make(model)
  const definitions: ReadonlyArray<B[number]> = options.backends
  // strategies built once per layer build (a layer is memoised by reference); two backends of one name are a
  // start-up defect (FastAPI Users raises `DuplicateBackendNamesError`)
  const backendsLayer: Layer.Layer<Backends, E, R> = Layer.effect(
    Backends,
    Effect.flatMap(
      resolve(definitions),
      (backends) =>
        Effect.map(Effect.orDie(Authenticator.make(backends)), (authenticator) => ({ backends, authenticator }))
    )
  )
  const authenticator = Effect.map(Backends, (resolved) => resolved.authenticator)
  // the auth cookies of the backends, for the cross-site check
  const cookieNames: Array<string> = []
  for (const backend of definitions) {
    const scheme = backend.transport.securityScheme
    if (scheme.name === "APIKeyCookie" && typeof scheme.scheme["name"] === "string") {
      cookieNames.push(scheme.scheme["name"])
    }
  }
  const schemes: Array<SecurityScheme> = []
  for (const backend of definitions) {
    const scheme = backend.transport.securityScheme
    if (!schemes.some((s) => s.name === scheme.name)) schemes.push(scheme)
  }
  const middlewares = Layer.mergeAll(
    RouterGuard.layer,
    TargetUser.layer,
    BruteForceMiddleware.layer,
    CurrentPassword.layer,
    RequestBody.layer(limits),
    ValidationError.layer
  )

  const openApiTransform = (spec: Record<string, unknown>): Record<string, unknown> => {
    const components = recordAt(spec, "components")
    const securitySchemes: Record<string, unknown> = { ...recordAt(components, "securitySchemes") }
    for (const scheme of schemes) securitySchemes[scheme.name] = scheme.scheme
    // every operation that can answer 401 documents the backends' schemes, so the docs page sends its token
    const paths: Record<string, unknown> = {}
    for (const [path, operations] of Object.entries(recordAt(spec, "paths"))) {
      const secured: Record<string, unknown> = {}
      for (const [method, operation] of Object.entries(isRecord(operations) ? operations : {})) {
        if (!isRecord(operation)) continue
        const security = operation["security"]
        const unsecured = security === undefined || (Array.isArray(security) && security.length === 0)
        secured[method] = "401" in recordAt(operation, "responses") && unsecured
          ? securityOf(schemes)(operation)
          : operation
      }
      paths[path] = secured
    }
    // the user flags accept Pydantic's lax booleans ("yes", 1...) and are documented as FastAPI documents them
    const schemasOf = { ...recordAt(components, "schemas") }
    for (const [name, nullable] of [["UserCreate", true], ["UserUpdate", false]] as const) {
      const schema = recordAt(schemasOf, name)
      const properties = { ...recordAt(schema, "properties") }
      for (const flag of ["is_active", "is_superuser", "is_verified"]) {
        if (flag in properties) {
          properties[flag] = nullable ? { anyOf: [{ type: "boolean" }, { type: "null" }] } : { type: "boolean" }
        }
      }
      if (name in schemasOf) schemasOf[name] = { ...schema, properties }
    }
    // one tag per name (effect lists a tag per group; several routers share FastAPI Users' "auth" and "users")
    const tags: Array<unknown> = []
    const names = new Set<unknown>()
    for (const tag of Array.isArray(spec["tags"]) ? spec["tags"] : []) {
      const name = isRecord(tag) ? tag["name"] : tag
      if (!names.has(name)) tags.push(tag)
      names.add(name)
    }
    return { ...spec, paths, tags, components: { ...components, schemas: schemasOf, securitySchemes } }
  }

  return {
    /** The registered model the builder was given. */
    model,
    /** The model as a layer, for the storage adapters (the model is given once, here). */
    layerModel: UserModule.layerModel(model),
    /** The backends, in the order they are tried. */
    backends: definitions,
    /** What a router made by another package needs to be served by this builder's `layer(api)` (`RouterExtension`). */
    extension: { owner, read: schemas.read } satisfies RouterExtension.Builder,
    /** `POST /login` and `POST /logout` for one of the backends (`get_auth_router`). */
    authRouter: <const P extends Prefix>(backend: B[number], routerOptions: AuthRouter.Options<P>) =>
      AuthRouter.make(
        { name: backend.name, cookie: backend.transport.securityScheme.name === "APIKeyCookie" },
        routerOptions,
        owner
      ),
    /** `POST /register` (`get_register_router`). */
    registerRouter: <const P extends Prefix>(routerOptions: RegisterRouter.Options<P>) =>
      RegisterRouter.make(schemas, routerOptions, owner),
    /** `POST /request-verify-token` and `POST /verify` (`get_verify_router`). */
    verifyRouter: <const P extends Prefix>(routerOptions: VerifyRouter.Options<P>) =>
      VerifyRouter.make(schemas, routerOptions, owner),
    /** `POST /forgot-password` and `POST /reset-password` (`get_reset_password_router`). */
    resetPasswordRouter: <const P extends Prefix>(routerOptions: ResetPasswordRouter.Options<P>) =>
      ResetPasswordRouter.make(routerOptions, owner),
    /** `/me` and `/{id}` (`get_users_router`). */
    usersRouter: <const P extends Prefix>(routerOptions: UsersRouter.Options<P>) =>
      UsersRouter.make(schemas, routerOptions, owner),
    /** The implementation of a guard declared with `CurrentUser.Guard` (`current_user(...)`). */
    guard: <Self, Id extends string>(
      guard: CurrentUser.GuardClass<Self, Id, CurrentUser.CurrentUser, CurrentUser.GuardErrors>
    ): Layer.Layer<Self, E, R> => CurrentUser.layer(guard, authenticator).pipe(Layer.provide(backendsLayer)),
    /** The implementation of a guard declared with `CurrentUser.OptionalGuard` (`current_user(optional=True)`). */
    optionalGuard: <Self, Id extends string>(
      guard: CurrentUser.GuardClass<
        Self,
        Id,
        CurrentUser.OptionalCurrentUser,
        readonly [typeof ServiceUnavailable]
      >
    ): Layer.Layer<Self, E, R> => CurrentUser.layerOptional(guard, authenticator).pipe(Layer.provide(backendsLayer)),
    /** The handlers of every router of this builder that `api` holds, wherever the api mounts them. */
    layer: <ApiId extends string, Groups extends HttpApiGroup.Constraint>(api: HttpApi.HttpApi<ApiId, Groups>) => {
      const meRoutes: Array<HotPath.MeRoute> = []
      // the logins a cookie answers, for the cross-site check (login CSRF)
      const cookieLogins: Array<string> = []
      const served = serveApi(api, owner, (group, spec) => {
        if (spec.kind === "extension") return spec.serve({ api, group, read: schemas.read })
        switch (spec.kind) {
          case "auth": {
            const definition = definitions.find((backend) => backend.name === spec.backend)
            if (definition === undefined) {
              return Layer.effectDiscard(Effect.die(new Error(`FastApiUsers: no backend "${spec.backend}"`)))
            }
            if (definition.transport.securityScheme.name === "APIKeyCookie") {
              const login = Object.values(group.endpoints).find((endpoint) => endpoint.identifier === "login")
              if (login !== undefined) cookieLogins.push(login.path)
            }
            return AuthRouter.serve(api, group, spec, definition, owner)
          }
          case "register":
            return RegisterRouter.serve(api, group, spec, schemas, owner)
          case "verify":
            return VerifyRouter.serve(api, group, spec, schemas, owner)
          case "reset":
            return ResetPasswordRouter.serve(api, group, spec, owner)
          case "users": {
            const me = Object.values(group.endpoints).find((endpoint) => endpoint.identifier === "current_user")
            // only where the route runs the library's middlewares alone: a middleware the application added to the
            // group (or the api) must run, so the HttpApi route serves it
            const own = me !== undefined && [...me.middlewares].every((key) => HotPath.ownMiddlewares.has(key))
            if (me !== undefined && own) {
              meRoutes.push({ path: me.path, requirements: { active: true, verified: spec.requiresVerification } })
            }
            return UsersRouter.serve(api, group, spec, schemas, owner)
          }
        }
      })
      const hot = options.hotPath === false || meRoutes.length === 0
        ? Layer.empty
        : HotPath.layer(meRoutes, schemas.read)
      return Layer.mergeAll(served, hot, CrossSiteGuard.layer(cookieNames, cookieLogins)).pipe(
        Layer.provide(middlewares),
        Layer.provide(backendsLayer)
      )
    },
    /** Adds the backends' security schemes (the bearer password flow, the cookie) to an OpenAPI document. */
    openApiTransform,
    /** OpenAPI annotations for the application's `HttpApi`: its title and version, and the security schemes. */
    openApiAnnotations: (
      annotations: { readonly title?: string; readonly version?: string; readonly description?: string } = {}
    ): Context.Context<never> =>
      OpenApi.annotations({
        title: annotations.title ?? "FastAPI",
        version: annotations.version ?? "0.1.0",
        ...(annotations.description === undefined ? {} : { description: annotations.description }),
        transform: openApiTransform
      }),
    /**
     * FastAPI's answers for unmatched requests (404, 405 with `Allow`, 307 for a trailing slash) derived from `api`
     * and the routes served beside it, with the server's hardening (body limit, strict paths, logged 500s); serve
     * with `Hardening.routerConfig`.
     */
    fallback: <ApiId extends string, Groups extends HttpApiGroup.Constraint>(
      api: HttpApi.HttpApi<ApiId, Groups>,
      extra: ReadonlyArray<readonly [string, string]> = []
    ) => Hardening.layer({ maxBodySize: limits.maxBodySize, routes: Fallback.routesOf(api, extra) }),
    /** The docs page (Swagger UI, assets served from the `effect` package: no CDN) for `api`. */
    docs: <ApiId extends string, Groups extends HttpApiGroup.Constraint>(
      api: HttpApi.HttpApi<ApiId, Groups>,
      docsOptions?: { readonly path?: Prefix }
    ): Layer.Layer<never, never, HttpRouter.HttpRouter> =>
      HttpApiSwagger.layer(api, { path: docsOptions?.path ?? "/docs" })
  }
}

/**
 * A builder.
 *
 * @since 0.0.0
 * @category models
 */
export type FastApiUsers<B extends ReadonlyArray<AnyBackend>> = ReturnType<typeof make<B>>

/**
 * The library's groups in an api (for typing what `layer(api)` provides).
 *
 * @since 0.0.0
 * @category models
 */
export type RouterGroups<Groups> = Extract<Groups, LibraryGroup>
