/**
 * FastAPI Users' OAuth routers on effect-users: `make` is `get_oauth_router(client, backend, state_secret, ...)`
 * (`GET <prefix>/authorize`, `GET <prefix>/callback`: log in, or sign up, with a provider account through one
 * backend) and `associate` is `get_oauth_associate_router(client, UserRead, state_secret, ...)` (link a provider
 * account to the signed-in user). Their groups are served by the builder's own `Users.layer(api)`.
 *
 * Same wire contract as FastAPI Users (the state JWT and its claims, the `fastapiusersoauthcsrf` double-submit
 * cookie, the error codes, the backend's login answer), with these differences: the state and the CSRF cookie are
 * checked before the provider is called (Q5), a state of the wrong audience or an associate state without `sub` is
 * `ACCESS_TOKEN_DECODE_ERROR` (Q3, Q4), one link per provider account (Q7), the callback clears the CSRF cookie
 * (Q11), and every flow uses PKCE S256 and an OpenID nonce derived from the CSRF value under the state secret, so
 * neither appears in the state (Q17).
 *
 * ```ts
 * const google = yield* OpenIdClient.make({ name: "google", issuer: "https://accounts.google.com", ... })
 * const api = HttpApi.make("app")
 *   .add(OAuthRouter.make(Users, google, jwt, { prefix: "/auth/google", stateSecret }))
 *   .add(OAuthRouter.associate(Users, google, { prefix: "/auth/associate/google", stateSecret }))
 * ```
 *
 * @since 0.0.0
 */
import { UserHooks, UserManager, UserMetrics } from "@effect-users/core"
import type { User } from "@effect-users/core"
import { ActionToken } from "@effect-users/core"
import {
  AuthRouter,
  CurrentUser,
  ErrorCode,
  ErrorResponse,
  ErrorTable,
  RouterExtension,
  ValidationError
} from "@effect-users/transport-http"
import type { HttpTransport } from "@effect-users/transport-http"
import { Effect, Schema } from "effect"
import type { Redacted } from "effect"
import { HttpServerRequest } from "effect/http"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema } from "effect/http-api"
import * as Flow from "./internal/flow.ts"
import type { OAuthClient, OAuthTokens } from "./OAuthClient.ts"
import { toCallback as callbackOf } from "./OAuthClient.ts"

/**
 * A path prefix.
 *
 * @since 0.0.0
 * @category models
 */
export type Prefix = `/${string}`

/**
 * The CSRF cookie's attributes (FastAPI Users' `csrf_token_cookie_*`); every default is FastAPI Users'
 * (`fastapiusersoauthcsrf`, path `/`, no domain, `Secure`, `HttpOnly`, `SameSite=lax`; `Max-Age` is the state's hour).
 *
 * @since 0.0.0
 * @category models
 */
export type CsrfCookie = Flow.CsrfCookie

/**
 * The options both routers share.
 *
 * @since 0.0.0
 * @category models
 */
export interface CommonOptions<P extends Prefix> {
  readonly prefix: P
  /** Signs the state and derives the PKCE verifier and the nonce. */
  readonly stateSecret: Redacted.Redacted<string>
  /** The `redirect_uri` sent to the provider; the callback route's URL from the request when absent. */
  readonly redirectUrl?: string
  readonly csrfCookie?: CsrfCookie
}

/**
 * The login router's options (`associate_by_email`, `is_verified_by_default`).
 *
 * @since 0.0.0
 * @category models
 */
export interface Options<P extends Prefix> extends CommonOptions<P> {
  /** Link the provider account to an existing user of the same e-mail instead of `OAUTH_USER_ALREADY_EXISTS`. */
  readonly associateByEmail?: boolean
  /** Users created by this router start verified. */
  readonly isVerifiedByDefault?: boolean
}

/**
 * The associate router's options.
 *
 * @since 0.0.0
 * @category models
 */
export interface AssociateOptions<P extends Prefix> extends CommonOptions<P> {
  /** Refuse unverified users (403). */
  readonly requiresVerification?: boolean
}

/**
 * The authorize answer.
 *
 * @since 0.0.0
 * @category schemas
 */
export const OAuth2AuthorizeResponse = Schema.Struct({ authorization_url: Schema.String }).annotate({
  identifier: "OAuth2AuthorizeResponse"
})

const AuthorizeQuery = {
  scopes: Schema.optionalKey(Schema.Union([Schema.Array(Schema.String), Schema.String]))
}

const CallbackQuery = {
  code: Schema.optionalKey(Schema.String),
  code_verifier: Schema.optionalKey(Schema.String),
  state: Schema.optionalKey(Schema.String),
  error: Schema.optionalKey(Schema.String),
  iss: Schema.optionalKey(Schema.String)
}

const scopesOf = (scopes: ReadonlyArray<string> | string | undefined): ReadonlyArray<string> | undefined =>
  scopes === undefined ? undefined : typeof scopes === "string" ? [scopes] : scopes

/** The path of the group's `callback` endpoint as the api mounts it. */
const callbackPathOf = (group: { readonly endpoints: Record<string, { readonly path: string }> }, own: string) =>
  Object.values(group.endpoints).find((endpoint) => endpoint.path.endsWith("/callback"))?.path ?? own

const flowOf = (client: OAuthClient, options: CommonOptions<Prefix>) =>
  Effect.map(ActionToken.importKey(options.stateSecret), (key): Flow.Flow => ({
    client,
    key,
    cookie: options.csrfCookie ?? {},
    redirectUrl: options.redirectUrl
  }))

/**
 * The login router of one provider and one backend (`get_oauth_router`); route names
 * `oauth:<provider>.<backend>.authorize` and `.callback`.
 *
 * @since 0.0.0
 * @category constructors
 */
export const make = <const P extends Prefix>(
  users: { readonly extension: RouterExtension.Builder },
  client: OAuthClient,
  backend: { readonly name: string; readonly transport: HttpTransport.HttpTransport },
  options: Options<P>
) => {
  const name = (route: string) => `oauth:${client.name}.${backend.name}.${route}`
  const cookie = backend.transport.securityScheme.name === "APIKeyCookie"
  const success: typeof AuthRouter.BearerResponse | typeof HttpApiSchema.NoContent = cookie
    ? HttpApiSchema.NoContent
    : AuthRouter.BearerResponse
  const identifier: RouterExtension.Identifier<P> = `oauth:${options.prefix}`
  const group = () =>
    HttpApiGroup.make(identifier).add(
      HttpApiEndpoint.get("authorize", "/authorize", {
        query: AuthorizeQuery,
        success: OAuth2AuthorizeResponse,
        error: [ValidationError.HTTPValidationError, ErrorResponse.ServiceUnavailable]
      })
        .annotateMerge(RouterExtension.endpointAnnotations(name("authorize"), `${options.prefix}/authorize`, "GET"))
        .middleware(ValidationError.Middleware),
      HttpApiEndpoint.get("callback", "/callback", {
        query: CallbackQuery,
        success,
        error: [ErrorResponse.ErrorModel, ValidationError.HTTPValidationError, ErrorResponse.ServiceUnavailable]
      })
        .annotateMerge(RouterExtension.endpointAnnotations(name("callback"), `${options.prefix}/callback`, "GET"))
        .middleware(ValidationError.Middleware)
    ).prefix(options.prefix)
  const badCredentials = new ErrorResponse.ErrorModel({ detail: ErrorCode.ErrorCode.LOGIN_BAD_CREDENTIALS })
  const serve = (context: RouterExtension.ServeContext) => {
    const own = group()
    const callbackPath = callbackPathOf(context.group, `${options.prefix}/callback`)
    return RouterExtension.serveGroup(
      context.api,
      context.group,
      own,
      own.identifier,
      (handlers) =>
        Effect.gen(function*() {
          const manager = yield* UserManager.UserManager
          const hooks = yield* UserHooks.UserHooks
          const self = yield* RouterExtension.backend(backend.name)
          const flow = yield* flowOf(client, options)
          return handlers
            .handleRaw("authorize", ({ query }) =>
              Effect.flatMap(
                HttpServerRequest.HttpServerRequest,
                (request) => Flow.authorize(flow, request, callbackPath, scopesOf(query.scopes))
              ))
            .handleRaw("callback", ({ query }) =>
              Effect.gen(function*() {
                const request = yield* HttpServerRequest.HttpServerRequest
                const checked = yield* Flow.check(flow, request, query)
                const { email, profile, tokens } = yield* Flow.exchange(flow, request, callbackPath, query, checked)
                const user: User.User = yield* manager.oauthCallback(
                  toCallback(client, tokens, profile.accountId, email),
                  {
                    associateByEmail: options.associateByEmail === true,
                    isVerifiedByDefault: options.isVerifiedByDefault === true
                  }
                ).pipe(
                  Effect.catchTags({
                    OAuthAccountAlreadyLinked: (e) => Effect.fail(Flow.alreadyExists(e)),
                    UserAlreadyExists: (e) => Effect.fail(Flow.alreadyExists(e))
                  })
                )
                if (!user.is_active) {
                  return yield* Effect.andThen(UserMetrics.loginOutcomes.inactive, Effect.fail(badCredentials))
                }
                const token = yield* self.strategy.writeToken(user)
                const response = yield* self.transport.loginResponse(token)
                yield* UserMetrics.loginOutcomes.success
                yield* hooks.onAfterLogin(user)
                return Flow.clearCsrf(flow)(response)
              }).pipe(ErrorTable.catchInfrastructure))
        })
    )
  }
  return group().annotateMerge(RouterExtension.annotations(users.extension, options.prefix, serve))
}

/**
 * The associate router of one provider (`get_oauth_associate_router`): both routes behind the library's guard
 * (active user, verified when `requiresVerification`); the callback answers 200 with the user (`UserRead`). Route
 * names `oauth-associate:<provider>.authorize` and `.callback`.
 *
 * @since 0.0.0
 * @category constructors
 */
export const associate = <const P extends Prefix>(
  users: { readonly extension: RouterExtension.Builder },
  client: OAuthClient,
  options: AssociateOptions<P>
) => {
  const requiresVerification = options.requiresVerification === true
  const name = (route: string) => `oauth-associate:${client.name}.${route}`
  const guardErrors: ReadonlyArray<
    typeof ErrorResponse.Unauthorized | typeof ErrorResponse.Forbidden | typeof ErrorResponse.ServiceUnavailable
  > = requiresVerification
    ? [ErrorResponse.Unauthorized, ErrorResponse.Forbidden, ErrorResponse.ServiceUnavailable]
    : [ErrorResponse.Unauthorized, ErrorResponse.ServiceUnavailable]
  const identifier: RouterExtension.Identifier<P> = `oauth:${options.prefix}`
  const read = users.extension.read
  const group = () =>
    HttpApiGroup.make(identifier).add(
      HttpApiEndpoint.get("authorize", "/authorize", {
        query: AuthorizeQuery,
        success: OAuth2AuthorizeResponse,
        error: [ValidationError.HTTPValidationError, ...guardErrors]
      })
        .annotateMerge(RouterExtension.endpointAnnotations(name("authorize"), `${options.prefix}/authorize`, "GET"))
        .annotate(RouterExtension.guardRequirements, { active: true, verified: requiresVerification })
        .middleware(ValidationError.Middleware)
        .middleware(RouterExtension.Guard),
      HttpApiEndpoint.get("callback", "/callback", {
        query: CallbackQuery,
        success: read,
        error: [ErrorResponse.ErrorModel, ValidationError.HTTPValidationError, ...guardErrors]
      })
        .annotateMerge(RouterExtension.endpointAnnotations(name("callback"), `${options.prefix}/callback`, "GET"))
        .annotate(RouterExtension.guardRequirements, { active: true, verified: requiresVerification })
        .middleware(ValidationError.Middleware)
        .middleware(RouterExtension.Guard)
    ).prefix(options.prefix)
  const badRequest = new ErrorResponse.ErrorModel({ detail: "Bad Request" })
  const decodeError = new ErrorResponse.ErrorModel({ detail: ErrorCode.ErrorCode.ACCESS_TOKEN_DECODE_ERROR })
  const serve = (context: RouterExtension.ServeContext) => {
    const own = group()
    const callbackPath = callbackPathOf(context.group, `${options.prefix}/callback`)
    const encodeRead = Schema.encodeSync(context.read)
    return RouterExtension.serveGroup(
      context.api,
      context.group,
      own,
      own.identifier,
      (handlers) =>
        Effect.gen(function*() {
          const manager = yield* UserManager.UserManager
          const flow = yield* flowOf(client, options)
          return handlers
            .handleRaw("authorize", ({ query }) =>
              Effect.gen(function*() {
                const request = yield* HttpServerRequest.HttpServerRequest
                const user = yield* CurrentUser.CurrentUser
                return yield* Flow.authorize(flow, request, callbackPath, scopesOf(query.scopes), String(user.id))
              }))
            .handleRaw("callback", ({ query }) =>
              Effect.gen(function*() {
                const request = yield* HttpServerRequest.HttpServerRequest
                const current = yield* CurrentUser.CurrentUser
                const checked = yield* Flow.check(flow, request, query)
                // difference Q4: a state without `sub` (the login router's) is not an associate state
                if (checked.sub === undefined) return yield* Effect.fail(decodeError)
                if (!ActionToken.equalsConstantTime(checked.sub, String(current.id))) {
                  return yield* Effect.fail(badRequest)
                }
                const { email, profile, tokens } = yield* Flow.exchange(flow, request, callbackPath, query, checked)
                const user = yield* manager.oauthAssociateCallback(
                  current,
                  toCallback(client, tokens, profile.accountId, email)
                ).pipe(Effect.catchTag("OAuthAccountAlreadyLinked", (e) => Effect.fail(Flow.alreadyExists(e))))
                return Flow.clearCsrf(flow)(ErrorResponse.jsonResponse(200, encodeRead(user)))
              }).pipe(ErrorTable.catchInfrastructure))
        })
    )
  }
  return group().annotateMerge(RouterExtension.annotations(users.extension, options.prefix, serve))
}

const toCallback = (client: OAuthClient, tokens: OAuthTokens, accountId: string, accountEmail: string) =>
  callbackOf(client, tokens, { accountId, accountEmail })
