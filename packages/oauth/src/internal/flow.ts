// The steps the login and associate routers share: the authorization URL with its CSRF cookie, and the callback's
// checks, all before the provider is called (difference Q5), then the exchange and the profile.
import type { ActionToken } from "@effect-users/core"
import { ActionToken as Token } from "@effect-users/core"
import type { OAuthAccountAlreadyLinked, UserAlreadyExists } from "@effect-users/core/UserError"
import { CookieTransport, ErrorCode, ErrorResponse, ErrorTable } from "@effect-users/transport-http"
import { DateTime, Effect, Option, Redacted, Result } from "effect"
import { HttpServerResponse } from "effect/http"
import type { HttpServerRequest } from "effect/http"
import type { OAuthClient, OAuthProfile, OAuthProviderError, OAuthTokens } from "../OAuthClient.ts"
import * as State from "./state.ts"

/** The CSRF cookie's attributes (FastAPI Users' `csrf_token_cookie_*`); every default is FastAPI Users'. */
export interface CsrfCookie {
  /** Default `fastapiusersoauthcsrf`. */
  readonly name?: string
  /** Default `/`. */
  readonly path?: string
  /** No `Domain` attribute when absent (the default). */
  readonly domain?: string
  /** Default `true`. */
  readonly secure?: boolean
  /** Default `true`. */
  readonly httpOnly?: boolean
  /** Default `lax`. */
  readonly sameSite?: "lax" | "strict" | "none"
}

/** FastAPI Users' CSRF cookie name. */
export const CSRF_COOKIE_NAME = "fastapiusersoauthcsrf"

/** What a router's flow is made of. */
export interface Flow {
  readonly client: OAuthClient
  readonly key: ActionToken.Key
  readonly cookie: CsrfCookie
  readonly redirectUrl: string | undefined
}

type Wire = ErrorResponse.ErrorModel | ErrorResponse.ServiceUnavailable

const fail = (detail: string) => Effect.fail(new ErrorResponse.ErrorModel({ detail }))

/**
 * The `redirect_uri`: the configured URL, else the callback route's absolute URL from the request (FastAPI's
 * `url_for`: the request's host, plain `http` unless a proxy in front says `X-Forwarded-Proto: https`).
 */
export const redirectUri = (flow: Flow, request: HttpServerRequest.HttpServerRequest, callbackPath: string) => {
  if (flow.redirectUrl !== undefined) return flow.redirectUrl
  const forwarded = request.headers["x-forwarded-proto"]
  const scheme = forwarded === "https" ? "https" : "http"
  return `${scheme}://${request.headers["host"] ?? "localhost"}${callbackPath}`
}

/** An unreachable (or, at authorize, unusable) provider: the logged 503. */
const unavailable = (error: OAuthProviderError): Effect.Effect<never, ErrorResponse.ServiceUnavailable> =>
  Effect.andThen(
    Effect.logError(`${error._tag}: answering 503`, error),
    Effect.fail(ErrorTable.serviceUnavailable)
  )

/** The provider's failures: unreachable → the logged 503; any other answer → 400 (logged: the provider is at fault). */
export const providerFailure = (error: OAuthProviderError): Effect.Effect<never, Wire> =>
  error.reason._tag === "Unreachable"
    ? unavailable(error)
    : Effect.andThen(
      Effect.logWarning("OAuth provider refused the callback", error),
      fail(error.reason._tag === "ProviderError" ? error.reason.error : "Bad Request")
    )

/** The authorize answer: `{"authorization_url": ...}` and the CSRF cookie; `sub` binds the state to a user. */
export const authorize = (
  flow: Flow,
  request: HttpServerRequest.HttpServerRequest,
  callbackPath: string,
  scopes: ReadonlyArray<string> | undefined,
  sub?: string
): Effect.Effect<HttpServerResponse.HttpServerResponse, ErrorResponse.ServiceUnavailable> =>
  Effect.gen(function*() {
    const csrf = yield* State.csrfToken
    const state = State.sign(flow.key, csrf, yield* DateTime.now, sub)
    const url = yield* flow.client.authorizationUrl({
      redirectUri: redirectUri(flow, request, callbackPath),
      state,
      codeVerifier: Redacted.make(State.codeVerifier(flow.key, csrf)),
      nonce: State.nonce(flow.key, csrf),
      ...(scopes === undefined || scopes.length === 0 ? {} : { scopes })
    })
    return HttpServerResponse.setHeader(
      ErrorResponse.jsonResponse(200, { authorization_url: url }),
      "set-cookie",
      CookieTransport.serialize(
        { ...flow.cookie, name: flow.cookie.name ?? CSRF_COOKIE_NAME },
        csrf,
        State.LIFETIME_SECONDS
      )
    )
  }).pipe(Effect.catchTag("OAuthProviderError", unavailable))

/** The callback's query, as FastAPI Users reads it (and `iss`, RFC 9207). */
export interface CallbackQuery {
  readonly code?: string | undefined
  readonly state?: string | undefined
  readonly error?: string | undefined
  readonly iss?: string | undefined
}

/** A callback that passed every check, before the provider is called. */
export interface Checked {
  readonly code: string
  readonly csrf: string
  readonly sub: string | undefined
}

/**
 * The callback's checks, in FastAPI Users' order, none calling the provider: the provider's `error` or a missing
 * `code` (400 with the error, or `Bad Request`), the state (`ACCESS_TOKEN_DECODE_ERROR`,
 * `ACCESS_TOKEN_ALREADY_EXPIRED`), the CSRF cookie against the state's `csrftoken` (`OAUTH_INVALID_STATE`).
 */
export const check = (
  flow: Flow,
  request: HttpServerRequest.HttpServerRequest,
  query: CallbackQuery
): Effect.Effect<Checked, ErrorResponse.ErrorModel> =>
  Effect.gen(function*() {
    if (query.error !== undefined) return yield* fail(query.error)
    if (query.code === undefined) return yield* fail("Bad Request")
    if (query.state === undefined) return yield* fail(ErrorCode.ErrorCode.ACCESS_TOKEN_DECODE_ERROR)
    const decoded = yield* State.decode(flow.key, query.state, yield* DateTime.now)
    if (Result.isFailure(decoded)) {
      return yield* fail(
        decoded.failure === "Expired"
          ? ErrorCode.ErrorCode.ACCESS_TOKEN_ALREADY_EXPIRED
          : ErrorCode.ErrorCode.ACCESS_TOKEN_DECODE_ERROR
      )
    }
    const cookie = request.cookies[flow.cookie.name ?? CSRF_COOKIE_NAME] ?? ""
    const csrf = decoded.success.csrftoken ?? ""
    if (cookie === "" || csrf === "" || !Token.equalsConstantTime(cookie, csrf)) {
      return yield* fail(ErrorCode.ErrorCode.OAUTH_INVALID_STATE)
    }
    return { code: query.code, csrf, sub: decoded.success.sub }
  })

/** The code exchange (with the flow's verifier and nonce) and the account; no e-mail → `OAUTH_NOT_AVAILABLE_EMAIL`. */
export const exchange = (
  flow: Flow,
  request: HttpServerRequest.HttpServerRequest,
  callbackPath: string,
  query: CallbackQuery,
  checked: Checked
): Effect.Effect<
  { readonly tokens: OAuthTokens; readonly profile: OAuthProfile; readonly email: string },
  Wire
> =>
  Effect.gen(function*() {
    const tokens = yield* flow.client.exchange({
      code: checked.code,
      redirectUri: redirectUri(flow, request, callbackPath),
      codeVerifier: Redacted.make(State.codeVerifier(flow.key, checked.csrf)),
      nonce: State.nonce(flow.key, checked.csrf),
      ...(query.iss === undefined ? {} : { iss: query.iss })
    })
    const profile = yield* flow.client.profile(tokens)
    if (Option.isNone(profile.accountEmail)) return yield* fail(ErrorCode.ErrorCode.OAUTH_NOT_AVAILABLE_EMAIL)
    return { tokens, profile, email: profile.accountEmail.value }
  }).pipe(Effect.catchTag("OAuthProviderError", providerFailure))

/** Adds the clearing of the CSRF cookie to a callback's answer (difference Q11). */
export const clearCsrf = (flow: Flow) => (response: HttpServerResponse.HttpServerResponse) =>
  HttpServerResponse.setCookieUnsafe(response, flow.cookie.name ?? CSRF_COOKIE_NAME, "", {
    maxAge: 0,
    path: flow.cookie.path ?? "/",
    ...(flow.cookie.domain === undefined ? {} : { domain: flow.cookie.domain }),
    secure: flow.cookie.secure ?? true,
    httpOnly: flow.cookie.httpOnly ?? true,
    sameSite: flow.cookie.sameSite ?? "lax"
  })

/** A provider account linked to another user (difference Q7), or an e-mail taken: `OAUTH_USER_ALREADY_EXISTS`. */
export const alreadyExists: (
  error: OAuthAccountAlreadyLinked | UserAlreadyExists
) => ErrorResponse.ErrorModel = ErrorTable.code(ErrorCode.ErrorCode.OAUTH_USER_ALREADY_EXISTS)
