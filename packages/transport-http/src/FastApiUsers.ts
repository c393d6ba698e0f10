/**
 * The application-facing builder (FastAPI Users' `FastAPIUsers`): from the application's user model and
 * authentication backends, the routers of FASTAPI_USERS.md §3 as `HttpApiGroup`s mounted under prefixes the
 * application chooses, their handlers, `current_user(...)` guards for the application's own endpoints, and the
 * OpenAPI security schemes and docs page.
 *
 * ```ts
 * const Users = FastApiUsers.make({ model: AppUser, backends: [jwt, cookie] })
 * const AuthJwt = Users.authRouter(jwt, { prefix: "/auth/jwt" })
 * const UsersRouter = Users.usersRouter({ prefix: "/users" })
 * const Authenticated = Users.currentUser("Authenticated", { active: true })
 * class Api extends HttpApi.make("app").add(AuthJwt, UsersRouter, MyGroup.middleware(Authenticated))
 *   .annotateMerge(Users.openApiAnnotations({ title: "My app" })) {}
 * const ApiLive = HttpApiBuilder.layer(Api, { openapiPath: "/openapi.json" }).pipe(
 *   Layer.provide([Users.layer(Api), MyGroupLive.pipe(Layer.provide(Authenticated.layer))])
 * )
 * ```
 *
 * @since 0.0.0
 */
import { Authenticator, Email, User, UserHooks, UserManager } from "@effect-users/core"
import { Context, Effect, Layer, Option, Schema } from "effect"
import { HttpRouter, HttpServerError, HttpServerRequest, HttpServerResponse } from "effect/http"
import {
  HttpApi,
  HttpApiBuilder,
  HttpApiEndpoint,
  HttpApiGroup,
  HttpApiMiddleware,
  HttpApiSchema,
  HttpApiSwagger,
  OpenApi
} from "effect/http-api"
import * as CurrentUser from "./CurrentUser.ts"
import * as ErrorCode from "./ErrorCode.ts"
import type { BackendDefinition, HttpBackend, SecurityScheme } from "./HttpTransport.ts"
import { resolve, securitySchemeOf } from "./HttpTransport.ts"
import * as Authenticate from "./internal/authenticate.ts"
import { Backends } from "./internal/backends.ts"
import * as Body from "./internal/body.ts"
import { HTTPValidationError } from "./ValidationError.ts"

/**
 * A path prefix.
 *
 * @since 0.0.0
 * @category models
 */
export type Prefix = `/${string}`

/**
 * The builder's options: the application's user model (custom fields, id kind; core's default model when absent)
 * and its authentication backends, in the order they are tried.
 *
 * @since 0.0.0
 * @category models
 */
export interface Options<E = never, R = never> {
  readonly backends: ReadonlyArray<BackendDefinition<E, R>>
  readonly model?: User.RegisteredModel
}

/**
 * The login form of the OpenAPI document (FastAPI's `OAuth2PasswordRequestForm`).
 *
 * @since 0.0.0
 * @category schemas
 */
export const LoginForm = Schema.Struct({
  grant_type: Schema.optionalKey(Schema.String.check(Schema.isPattern(/^password$/u))),
  username: Schema.String,
  password: Schema.String,
  scope: Schema.optionalKey(Schema.String),
  client_id: Schema.optionalKey(Schema.String),
  client_secret: Schema.optionalKey(Schema.String)
}).annotate({ identifier: "Body_auth_login" }).pipe(HttpApiSchema.asFormUrlEncoded())

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

const EmailBody = Schema.Struct({ email: Email.Email })
const TokenBody = Schema.Struct({ token: Schema.String })
const ResetBody = Schema.Struct({ token: Schema.String, password: Schema.String })
const Accepted = Schema.Null.pipe(HttpApiSchema.status(202))

const authErrors = [ErrorCode.UnauthorizedError, ErrorCode.ForbiddenError, ErrorCode.ServiceUnavailableError] as const
const bodyErrors = [ErrorCode.ErrorModel, HTTPValidationError, ErrorCode.ServiceUnavailableError] as const

const readSchemaOf = (model: User.RegisteredModel) => model.readOAuthAccounts ? model.ReadWithOAuthAccounts : model.Read

type Secure = (operation: Record<string, unknown>) => Record<string, unknown>

const makeAuthGroup = (backend: BackendDefinition<unknown, unknown>, prefix: Prefix, secure: Secure) => {
  const identifier = `auth.${backend.name}` as `auth.${string}`
  const logout = HttpApiEndpoint.post("logout", "/logout", { success: HttpApiSchema.NoContent, error: authErrors })
    .annotate(OpenApi.Transform, secure)
  return securitySchemeOf(backend)?.name === "APIKeyCookie"
    ? HttpApiGroup.make(identifier).add(
      HttpApiEndpoint.post("login", "/login", {
        payload: LoginForm,
        success: HttpApiSchema.NoContent,
        error: bodyErrors
      }),
      logout
    ).prefix(prefix)
    : HttpApiGroup.make(identifier).add(
      HttpApiEndpoint.post("login", "/login", { payload: LoginForm, success: BearerResponse, error: bodyErrors }),
      logout
    ).prefix(prefix)
}

const makeRegisterGroup = (model: User.RegisteredModel, prefix: Prefix) =>
  HttpApiGroup.make("register").add(
    HttpApiEndpoint.post("register", "/register", {
      payload: model.Create,
      success: readSchemaOf(model).pipe(HttpApiSchema.status(201)),
      error: bodyErrors
    })
  ).prefix(prefix)

const makeVerifyGroup = (model: User.RegisteredModel, prefix: Prefix) =>
  HttpApiGroup.make("verify").add(
    HttpApiEndpoint.post("request-token", "/request-verify-token", {
      payload: EmailBody,
      success: Accepted,
      error: [HTTPValidationError, ErrorCode.ServiceUnavailableError]
    }),
    HttpApiEndpoint.post("verify", "/verify", { payload: TokenBody, success: readSchemaOf(model), error: bodyErrors })
  ).prefix(prefix)

const makeResetGroup = (prefix: Prefix) =>
  HttpApiGroup.make("reset").add(
    HttpApiEndpoint.post("forgot_password", "/forgot-password", {
      payload: EmailBody,
      success: Accepted,
      error: [HTTPValidationError, ErrorCode.ServiceUnavailableError]
    }),
    HttpApiEndpoint.post("reset_password", "/reset-password", {
      payload: ResetBody,
      success: Schema.Null,
      error: bodyErrors
    })
  ).prefix(prefix)

const IdParams = { id: Schema.String }

/**
 * The users router's guard (a middleware providing `CurrentUser`, one per router).
 *
 * @since 0.0.0
 * @category models
 */
export type UsersGuard = HttpApiMiddleware.ServiceClass<CurrentUser.Guard<"UsersGuard">, string, {
  requires: never
  provides: CurrentUser.CurrentUser
  error: typeof authErrors
  clientError: never
  requiredForClient: false
  security: never
}>

const makeUsersGroup = (model: User.RegisteredModel, prefix: Prefix, secure: Secure, guard: UsersGuard) => {
  const read = readSchemaOf(model)
  const errors = [...authErrors, ErrorCode.NotFoundError] as const
  const writeErrors = [...authErrors, ErrorCode.NotFoundError, ...bodyErrors] as const
  return HttpApiGroup.make("users").add(
    HttpApiEndpoint.get("current_user", "/me", { success: read, error: authErrors }),
    HttpApiEndpoint.patch("patch_current_user", "/me", {
      payload: model.Update,
      success: read,
      error: [...authErrors, ...bodyErrors]
    }),
    HttpApiEndpoint.get("user", "/:id", { params: IdParams, success: read, error: errors }),
    HttpApiEndpoint.patch("patch_user", "/:id", {
      params: IdParams,
      payload: model.Update,
      success: read,
      error: writeErrors
    }),
    HttpApiEndpoint.delete("delete_user", "/:id", {
      params: IdParams,
      success: HttpApiSchema.NoContent,
      error: errors
    })
  ).prefix(prefix).annotateEndpoints(OpenApi.Transform, secure).middleware(guard)
}

/**
 * An auth router's group (one per backend; identifier `auth.<backend name>`).
 *
 * @since 0.0.0
 * @category models
 */
export type AuthGroup = ReturnType<typeof makeAuthGroup>

/**
 * The register router's group.
 *
 * @since 0.0.0
 * @category models
 */
export type RegisterGroup = ReturnType<typeof makeRegisterGroup>

/**
 * The verify router's group.
 *
 * @since 0.0.0
 * @category models
 */
export type VerifyGroup = ReturnType<typeof makeVerifyGroup>

/**
 * The reset-password router's group.
 *
 * @since 0.0.0
 * @category models
 */
export type ResetPasswordGroup = ReturnType<typeof makeResetGroup>

/**
 * The users router's group.
 *
 * @since 0.0.0
 * @category models
 */
export type UsersGroup = ReturnType<typeof makeUsersGroup>

/**
 * The identifiers of the library's groups.
 *
 * @since 0.0.0
 * @category models
 */
export type GroupIdentifier = `auth.${string}` | "register" | "verify" | "reset" | "users"

/**
 * The services the handlers need.
 *
 * @since 0.0.0
 * @category models
 */
export type Requirements = UserManager.UserManager | UserHooks.UserHooks

/**
 * The builder.
 *
 * @since 0.0.0
 * @category models
 */
export interface FastApiUsers<E = never, R = never> {
  readonly model: User.RegisteredModel
  readonly backends: ReadonlyArray<BackendDefinition<E, R>>
  /** The backends with their strategies built (once per layer build). */
  readonly resolvedBackends: Effect.Effect<ReadonlyArray<HttpBackend>, E, R>
  /** `POST /login` and `POST /logout` for one backend (FastAPI Users' `get_auth_router`). */
  readonly authRouter: (
    backend: BackendDefinition<E, R>,
    options: { readonly prefix: Prefix; readonly requiresVerification?: boolean }
  ) => AuthGroup
  /** `POST /register` (`get_register_router`). */
  readonly registerRouter: (options: { readonly prefix: Prefix }) => RegisterGroup
  /** `POST /request-verify-token` and `POST /verify` (`get_verify_router`). */
  readonly verifyRouter: (options: { readonly prefix: Prefix }) => VerifyGroup
  /** `POST /forgot-password` and `POST /reset-password` (`get_reset_password_router`). */
  readonly resetPasswordRouter: (options: { readonly prefix: Prefix }) => ResetPasswordGroup
  /** `/me` and `/{id}` (`get_users_router`). */
  readonly usersRouter: (
    options: { readonly prefix: Prefix; readonly requiresVerification?: boolean }
  ) => UsersGroup
  /** A guard for the application's endpoints providing `CurrentUser` (`current_user(...)`). */
  readonly currentUser: <const Id extends string>(
    id: Id,
    requirements?: CurrentUser.Requirements
  ) => CurrentUser.GuardClass<Id, CurrentUser.CurrentUser, CurrentUser.GuardErrors, E, R>
  /** A guard for optional authentication providing `OptionalCurrentUser` (`current_user(optional=True, ...)`). */
  readonly optionalCurrentUser: <const Id extends string>(
    id: Id,
    requirements?: CurrentUser.Requirements
  ) => CurrentUser.GuardClass<Id, CurrentUser.OptionalCurrentUser, CurrentUser.OptionalGuardErrors, E, R>
  /** The handlers of every router of this builder that `api` contains. */
  readonly layer: <ApiId extends string, Groups extends HttpApiGroup.Constraint>(
    api: HttpApi.HttpApi<ApiId, Groups>
  ) => Layer.Layer<
    HttpApiGroup.ToService<ApiId, Extract<Groups, { readonly identifier: GroupIdentifier }>>,
    E,
    R | HttpRouter.Request.From<"Requires", Requirements>
  >
  /** Adds the backends' security schemes (the bearer password flow, the cookie) to an OpenAPI document. */
  readonly openApiTransform: (spec: Record<string, unknown>) => Record<string, unknown>
  /** OpenAPI annotations for the application's `HttpApi`: its title and version, and the security schemes. */
  readonly openApiAnnotations: (
    options?: { readonly title?: string; readonly version?: string; readonly description?: string }
  ) => Context.Context<never>
  /**
   * A global router middleware answering FastAPI's bodies for unmatched requests: 405
   * `{"detail": "Method Not Allowed"}` with `Allow` on a path of this builder's routers with another method
   * (`PUT /users/me`, and `HEAD`, which FastAPI routes do not take), 404 `{"detail": "Not Found"}` otherwise
   * (instead of an empty 404).
   */
  readonly layerNotFound: ReturnType<typeof makeNotFound>
  /** The docs page (Swagger UI, assets served from the `effect` package: no CDN) for `api`. */
  readonly docs: <ApiId extends string, Groups extends HttpApiGroup.Constraint>(
    api: HttpApi.HttpApi<ApiId, Groups>,
    options?: { readonly path?: Prefix }
  ) => Layer.Layer<never, never, HttpRouter.HttpRouter>
}

const noContent = HttpServerResponse.empty({ status: 204 })
const acceptedNull = ErrorCode.jsonResponse(202, null)
const okNull = ErrorCode.jsonResponse(200, null)
const badCredentials = ErrorCode.responseOf("login", "UserInactive")
const notVerified = ErrorCode.responseOf("login", "UserNotVerified")

const securityOf = (schemes: ReadonlyArray<SecurityScheme>) => (operation: Record<string, unknown>) => ({
  ...operation,
  security: schemes.map((scheme) => ({ [scheme.name]: [] }))
})

interface KnownPath {
  readonly pattern: RegExp
  readonly method: string
}

const makeNotFound = (knownPaths: ReadonlyArray<KnownPath>) => {
  // Starlette answers with the methods of the first route matching the path
  const methodNotAllowed = (path: string, method: string) => {
    const known = knownPaths.find((route) => route.pattern.test(path))
    // (the same method: the router could not match the path at all, e.g. a malformed escape)
    return known === undefined || known.method === method
      ? undefined
      : HttpServerResponse.setHeader(ErrorCode.responses.methodNotAllowed, "allow", known.method)
  }
  return HttpRouter.middleware<{ handles: HttpServerError.HttpServerError }>()(
    (httpEffect) =>
      Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
        // FastAPI routes take no HEAD (the router would answer it with the GET route)
        const head = request.method === "HEAD" ? methodNotAllowed(request.url.split("?")[0], "HEAD") : undefined
        if (head !== undefined) return Effect.succeed(head)
        return Effect.catch(httpEffect, (error) => {
          if (!HttpServerError.isHttpServerError(error) || error.reason._tag !== "RouteNotFound") {
            return Effect.fail(error)
          }
          return Effect.succeed(
            methodNotAllowed(request.url.split("?")[0], request.method) ?? ErrorCode.responses.notFound
          )
        })
      }),
    { global: true }
  )
}

/**
 * Builds the HTTP face of effect-users for an application.
 *
 * @since 0.0.0
 * @category constructors
 */
export const make = <E = never, R = never>(options: Options<E, R>): FastApiUsers<E, R> => {
  type Handled = Layer.Layer<unknown, E, R | HttpRouter.Request.From<"Requires", Requirements>>
  const model = options.model ?? (User.defaultModel as User.RegisteredModel)
  const definitions = options.backends
  // strategies built once per layer build; two backend names equal once sanitised are a start-up defect (FastAPI
  // Users raises `DuplicateBackendNamesError` at start-up)
  const backendsLayer = Layer.effect(
    Backends,
    Effect.flatMap(
      resolve(definitions),
      (backends) =>
        Effect.map(Effect.orDie(Authenticator.make(backends)), (authenticator) => ({ backends, authenticator }))
    )
  )
  const authenticatorOf = Effect.map(Backends, (resolved) => resolved.authenticator)
  const resolvedBackends = Effect.provide(Effect.map(Backends, (resolved) => resolved.backends), backendsLayer)
  const read = readSchemaOf(model)
  const encodeRead = Schema.encodeSync(read)
  const userResponse = (status: number, user: User.User) => ErrorCode.jsonResponse(status, encodeRead(user))
  const schemes: Array<SecurityScheme> = []
  for (const backend of definitions) {
    const scheme = securitySchemeOf(backend)
    if (scheme !== undefined && !schemes.some((s) => s.name === scheme.name)) schemes.push(scheme)
  }
  const secured = securityOf(schemes)
  const handlers = new Map<string, Handled>()
  const knownPaths: Array<KnownPath> = []
  // each router's routes ("METHOD path"), to check that an `HttpApi` serves them where its document says
  const routesOf = (group: { readonly endpoints: object }): string =>
    Object.values(group.endpoints as Record<string, { readonly path: string; readonly method: string }>)
      .map((endpoint) => `${endpoint.method.toUpperCase()} ${endpoint.path}`).sort().join(", ")
  const declared = new Map<string, string>()
  const remember = (group: { readonly identifier: string; readonly endpoints: object }) => {
    declared.set(group.identifier, routesOf(group))
    const endpoints = group.endpoints as Record<string, { readonly path: string; readonly method: string }>
    for (const endpoint of Object.values(endpoints)) {
      const pattern = endpoint.path.replace(/[.*+?^${}()|[\]\\]/gu, "\\$&").replace(/:[A-Za-z0-9_]+/gu, "[^/]+")
      knownPaths.push({ pattern: new RegExp(`^${pattern}$`, "u"), method: endpoint.method.toUpperCase() })
    }
  }
  const localApi = HttpApi.make("effect-users")

  const authRouter: FastApiUsers<E, R>["authRouter"] = (definition, routerOptions) => {
    const group = makeAuthGroup(definition, routerOptions.prefix, secured)
    const requiresVerification = routerOptions.requiresVerification === true
    const login = (backend: HttpBackend, request: HttpServerRequest.HttpServerRequest) =>
      Effect.gen(function*() {
        const form = yield* Body.decodeLoginForm(request)
        if (form._tag === "Invalid") return form.response
        const manager = yield* UserManager.UserManager
        const found = yield* manager.authenticate(form.value)
        if (Option.isNone(found) || !found.value.is_active) return badCredentials
        const user = found.value
        if (requiresVerification && !user.is_verified) return notVerified
        const token = yield* backend.strategy.writeToken(user)
        const response = yield* backend.transport.loginResponse(token)
        const hooks = yield* UserHooks.UserHooks
        yield* hooks.onAfterLogin(user)
        return response
      }).pipe(Effect.catch((error) => ErrorCode.toResponse("login", error)))
    // logout: the guard looks at every backend, the route's own strategy destroys the token (FASTAPI_USERS.md §3.1)
    const logout = (backend: HttpBackend) => (session: Authenticate.Session) =>
      backend.strategy.destroyToken(session.token, session.user).pipe(
        Effect.catchTag("DestroyNotSupported", () => Effect.void),
        Effect.andThen(backend.transport.logoutResponse),
        Effect.catchTag("LogoutNotSupported", () => Effect.succeed(noContent)),
        Effect.catch((error) => ErrorCode.toResponse("users", error))
      )
    handlers.set(
      group.identifier,
      HttpApiBuilder.group(
        localApi.add(group),
        group.identifier,
        (h) =>
          Effect.gen(function*() {
            const { authenticator, backends } = yield* Backends
            // the router's own backend: one of the builder's, or built here (FastAPI Users takes any backend)
            const known = backends.find((b) => b.name === definition.name && b.transport === definition.transport)
            const self = known ?? (yield* resolve([definition]))[0]
            const authenticate = Authenticate.make(authenticator, { active: true, verified: requiresVerification })
            const logoutSelf = logout(self)
            return h
              .handleRaw("login", ({ request }) => login(self, request))
              .handleRaw("logout", ({ request }) => authenticate(request, logoutSelf))
          })
      ).pipe(Layer.provide(backendsLayer)) as Handled
    )
    remember(group)
    return group
  }

  const registerRouter: FastApiUsers<E, R>["registerRouter"] = (routerOptions) => {
    const group = makeRegisterGroup(model, routerOptions.prefix)
    const register = (request: HttpServerRequest.HttpServerRequest) =>
      Effect.gen(function*() {
        const body = yield* Body.decodeJson(model.Create, request, Body.laxFlags(true))
        if (body._tag === "Invalid") return body.response
        const manager = yield* UserManager.UserManager
        const user = yield* manager.create(body.value, { safe: true })
        return userResponse(201, user)
      }).pipe(Effect.catch((error) => ErrorCode.toResponse("register", error)))
    handlers.set(
      group.identifier,
      HttpApiBuilder.group(
        localApi.add(group),
        "register",
        (h) => h.handleRaw("register", ({ request }) => register(request))
      ) as Handled
    )
    remember(group)
    return group
  }

  const verifyRouter: FastApiUsers<E, R>["verifyRouter"] = (routerOptions) => {
    const group = makeVerifyGroup(model, routerOptions.prefix)
    const requestToken = (request: HttpServerRequest.HttpServerRequest) =>
      Effect.gen(function*() {
        const body = yield* Body.decodeEmbedded(EmailBody, request)
        if (body._tag === "Invalid") return body.response
        const manager = yield* UserManager.UserManager
        yield* manager.getByEmail(body.value.email).pipe(
          Effect.flatMap((user) => manager.requestVerify(user)),
          Effect.catchTags({
            UserNotExists: () => Effect.void,
            UserInactive: () => Effect.void,
            UserAlreadyVerified: () => Effect.void
          })
        )
        return acceptedNull
      }).pipe(Effect.catch((error) => ErrorCode.toResponse("verify", error)))
    const verify = (request: HttpServerRequest.HttpServerRequest) =>
      Effect.gen(function*() {
        const body = yield* Body.decodeEmbedded(TokenBody, request)
        if (body._tag === "Invalid") return body.response
        const manager = yield* UserManager.UserManager
        const user = yield* manager.verify(body.value.token)
        return userResponse(200, user)
      }).pipe(Effect.catch((error) => ErrorCode.toResponse("verify", error)))
    handlers.set(
      group.identifier,
      HttpApiBuilder.group(localApi.add(group), "verify", (h) =>
        h
          .handleRaw("request-token", ({ request }) => requestToken(request))
          .handleRaw("verify", ({ request }) => verify(request))) as Handled
    )
    remember(group)
    return group
  }

  const resetPasswordRouter: FastApiUsers<E, R>["resetPasswordRouter"] = (routerOptions) => {
    const group = makeResetGroup(routerOptions.prefix)
    const forgot = (request: HttpServerRequest.HttpServerRequest) =>
      Effect.gen(function*() {
        const body = yield* Body.decodeEmbedded(EmailBody, request)
        if (body._tag === "Invalid") return body.response
        const manager = yield* UserManager.UserManager
        yield* manager.getByEmail(body.value.email).pipe(
          Effect.flatMap((user) => manager.forgotPassword(user)),
          Effect.catchTags({ UserNotExists: () => Effect.void, UserInactive: () => Effect.void })
        )
        return acceptedNull
      }).pipe(Effect.catch((error) => ErrorCode.toResponse("resetPassword", error)))
    const reset = (request: HttpServerRequest.HttpServerRequest) =>
      Effect.gen(function*() {
        const body = yield* Body.decodeEmbedded(ResetBody, request)
        if (body._tag === "Invalid") return body.response
        const manager = yield* UserManager.UserManager
        yield* manager.resetPassword(body.value.token, body.value.password)
        return okNull
      }).pipe(Effect.catch((error) => ErrorCode.toResponse("resetPassword", error)))
    handlers.set(
      group.identifier,
      HttpApiBuilder.group(localApi.add(group), "reset", (h) =>
        h
          .handleRaw("forgot_password", ({ request }) => forgot(request))
          .handleRaw("reset_password", ({ request }) => reset(request))) as Handled
    )
    remember(group)
    return group
  }

  const usersRouter: FastApiUsers<E, R>["usersRouter"] = (routerOptions) => {
    const requiresVerification = routerOptions.requiresVerification === true
    const UsersGuard: UsersGuard = HttpApiMiddleware.Service<
      CurrentUser.Guard<"UsersGuard">,
      { provides: CurrentUser.CurrentUser }
    >()(`@effect-users/transport-http/FastApiUsers/UsersGuard${routerOptions.prefix}`, { error: authErrors })
    const group = makeUsersGroup(model, routerOptions.prefix, secured, UsersGuard)
    const guardLayer = Layer.effect(
      UsersGuard,
      Effect.map(Backends, ({ authenticator }) => {
        const me = Authenticate.make(authenticator, { active: true, verified: requiresVerification })
        const byId = Authenticate.make(authenticator, { active: true, verified: requiresVerification, superuser: true })
        return UsersGuard.of((httpEffect, { endpoint }) =>
          Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
            const ownUser = endpoint.identifier === "current_user" || endpoint.identifier === "patch_current_user"
            const guarded = (ownUser ? me : byId)(
              request,
              (session) => Effect.provideService(httpEffect, CurrentUser.CurrentUser, session.user)
            )
            // FastAPI parses the JSON body before authenticating (FASTAPI_USERS.md §2.4)
            return endpoint.method === "PATCH"
              ? Effect.flatMap(
                Body.parseJson(request),
                (body) => body._tag === "Invalid" ? Effect.succeed(body.response) : guarded
              )
              : guarded
          })
        )
      })
    ).pipe(Layer.provide(backendsLayer))
    const loadUser = (id: string) =>
      Option.match(model.id.parse(id), {
        onNone: () => Effect.succeed(Option.none<User.User>()),
        onSome: (parsed) =>
          Effect.flatMap(UserManager.UserManager, (manager) =>
            manager.get(parsed).pipe(
              Effect.map(Option.some),
              Effect.catchTag("UserNotExists", () => Effect.succeed(Option.none<User.User>()))
            ))
      })
    const me = Effect.map(CurrentUser.CurrentUser, (user) => userResponse(200, user))
    const update = (request: HttpServerRequest.HttpServerRequest, user: User.User, safe: boolean) =>
      Effect.gen(function*() {
        const body = yield* Body.decodeJson(model.Update, request, Body.laxFlags(false))
        if (body._tag === "Invalid") return body.response
        const manager = yield* UserManager.UserManager
        const updated = yield* manager.update(body.value, user, { safe })
        return userResponse(200, updated)
      })
    const onError = (error: { readonly _tag: string }) => ErrorCode.toResponse("update", error)
    // The hot path, `GET /me`: a plain router route (one flatMap chain, pre-built refusals, no HttpApi
    // machinery); the endpoint stays declared in the group, so the OpenAPI document is unchanged.
    const mePath: Prefix = `${routerOptions.prefix}/me`
    const rawMe = (authenticator: Authenticator.Authenticator<HttpServerRequest.HttpServerRequest>) => {
      const guard = authenticator.guard({ active: true, verified: requiresVerification })
      const unauthorized = Effect.succeed(ErrorCode.responses.unauthorized)
      // core's guard and one matchEffect: the fewest steps between the request and the answer
      const handlers = {
        onSuccess: (
          found: Option.Option<Authenticator.Authenticated<HttpServerRequest.HttpServerRequest>>
        ) => Option.isSome(found) ? Effect.succeed(userResponse(200, found.value.user)) : unauthorized,
        onFailure: Authenticate.refusal
      }
      return HttpRouter.route("GET", mePath, (request) => Effect.matchEffect(guard(request), handlers))
    }
    const usersHandlers = HttpApiBuilder.group(localApi.add(group), "users", (h) =>
      h
        .handleRaw("current_user", () => me)
        .handleRaw("patch_current_user", ({ request }) =>
          Effect.flatMap(CurrentUser.CurrentUser, (user) =>
            update(request, user, true)).pipe(Effect.catch(onError)))
        .handleRaw("user", ({ params }) =>
          loadUser(params.id).pipe(
            Effect.map((user) =>
              Option.isSome(user) ? userResponse(200, user.value) : ErrorCode.responses.notFound
            ),
            Effect.catch(onError)
          ))
        .handleRaw("patch_user", ({ params, request }) =>
          loadUser(params.id).pipe(
            Effect.flatMap((user) =>
              Option.isSome(user) ? update(request, user.value, false) : Effect.succeed(ErrorCode.responses.notFound)
            ),
            Effect.catch(onError)
          ))
        .handleRaw("delete_user", ({ params }) =>
          loadUser(params.id).pipe(
            Effect.flatMap((user) =>
              Option.isSome(user)
                ? Effect.as(Effect.flatMap(UserManager.UserManager, (m) => m.delete(user.value)), noContent)
                : Effect.succeed(ErrorCode.responses.notFound)
            ),
            Effect.catch(onError)
          ))).pipe(Layer.provide(guardLayer))
    handlers.set(
      group.identifier,
      Layer.effectContext(Effect.gen(function*() {
        const context = yield* Layer.build(usersHandlers)
        const { authenticator } = yield* Backends
        const service: { readonly routes: ReadonlyArray<HttpRouter.Route<unknown, unknown>> } = context.mapUnsafe
          .get(group.key)
        const routes = service.routes.map((route) =>
          route.method === "GET" && route.path === mePath ? rawMe(authenticator) : route
        )
        return Context.makeUnsafe<never>(new Map([[group.key, { ...service, routes }]]))
      })).pipe(Layer.provide(backendsLayer)) as Handled
    )
    remember(group)
    return group
  }

  const openApiTransform = (spec: Record<string, unknown>): Record<string, unknown> => {
    const components = (spec["components"] ?? {}) as Record<string, unknown>
    const existing = (components["securitySchemes"] ?? {}) as Record<string, unknown>
    const securitySchemes: Record<string, unknown> = { ...existing }
    for (const scheme of schemes) securitySchemes[scheme.name] = scheme.scheme
    // the application's endpoints behind a `currentUser` guard document its 401: they get the backends' schemes,
    // so the docs page sends the token it authorized with
    const paths: Record<string, Record<string, Record<string, unknown>>> = {}
    const source = (spec["paths"] ?? {}) as Record<string, Record<string, Record<string, unknown>>>
    for (const [path, operations] of Object.entries(source)) {
      const secured: Record<string, Record<string, unknown>> = {}
      for (const [method, operation] of Object.entries(operations)) {
        const responses = (operation["responses"] ?? {}) as Record<string, unknown>
        const security = operation["security"]
        const unsecured = security === undefined || (Array.isArray(security) && security.length === 0)
        secured[method] = "401" in responses && unsecured ? securityOf(schemes)(operation) : operation
      }
      paths[path] = secured
    }
    return { ...spec, paths, components: { ...components, securitySchemes } }
  }

  return {
    model,
    backends: definitions,
    resolvedBackends,
    authRouter,
    registerRouter,
    verifyRouter,
    resetPasswordRouter,
    usersRouter,
    currentUser: (id, requirements) => {
      const guard = CurrentUser.middleware(id, authenticatorOf, requirements)
      return Object.assign(guard, { layer: guard.layer.pipe(Layer.provide(backendsLayer)) })
    },
    optionalCurrentUser: (id, requirements) => {
      const guard = CurrentUser.optionalMiddleware(id, authenticatorOf, requirements)
      return Object.assign(guard, { layer: guard.layer.pipe(Layer.provide(backendsLayer)) })
    },
    layer: (api): Handled => {
      let layer: Handled = Layer.empty as Layer.Layer<unknown>
      const groups: Readonly<Record<string, { readonly endpoints: object }>> = api.groups
      for (const [identifier, group] of Object.entries(groups)) {
        const handled = handlers.get(identifier)
        if (handled === undefined) continue
        const served = declared.get(identifier)
        if (served !== routesOf(group)) {
          // the routes are the builder's (prefix included): a re-prefixed or altered group would be documented at
          // paths nobody serves
          return Layer.effectDiscard(Effect.die(
            new Error(
              `FastApiUsers: the HttpApi's group "${identifier}" (${routesOf(group)}) differs from the one the ` +
                `builder made (${served}); add the builder's groups as they are and give prefixes to the builder`
            )
          )) as Layer.Layer<unknown>
        }
        layer = Layer.merge(layer, handled)
      }
      return layer
    },
    openApiTransform,
    openApiAnnotations: (annotations = {}) =>
      OpenApi.annotations({
        title: annotations.title ?? "FastAPI",
        version: annotations.version ?? "0.1.0",
        ...(annotations.description === undefined ? {} : { description: annotations.description }),
        transform: openApiTransform
      }),
    layerNotFound: makeNotFound(knownPaths),
    docs: (api, docsOptions) => HttpApiSwagger.layer(api, { path: docsOptions?.path ?? "/docs" })
  }
}
