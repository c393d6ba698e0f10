/**
 * The OAuth client port: how an identity provider is asked to authenticate a user, how its authorization code is
 * exchanged for tokens, and how the account id and e-mail are read (httpx-oauth's `BaseOAuth2` as FastAPI Users uses
 * it, with `get_id_email`). A client is a value: an application has one per provider.
 *
 * @since 0.0.0
 */
import * as Infrastructure from "@effect-users/core/Infrastructure"
import type { OAuthCallback } from "@effect-users/core/UserManager"
import { Option, Redacted, Schema } from "effect"
import type { Effect } from "effect"
import { NodeInspectSymbol } from "effect/Inspectable"

/**
 * The provider could not be reached in time (connection refused or reset, DNS failure, timeout, a 502, 503 or 504
 * answer): the only reason that makes an `OAuthProviderError` an infrastructure error (a 503 at the HTTP layer).
 *
 * @since 0.0.0
 * @category errors
 */
export class Unreachable extends Schema.TaggedError<Unreachable>()("Unreachable", {
  operation: Schema.String,
  cause: Schema.Defect()
}) {}

/**
 * The provider answered, but not with what the protocol requires (malformed metadata or body, unexpected `iss`, an ID
 * token whose signature, audience, issuer, lifetime or `nonce` is wrong, a missing claim).
 *
 * @since 0.0.0
 * @category errors
 */
export class InvalidResponse extends Schema.TaggedError<InvalidResponse>()("InvalidResponse", {
  operation: Schema.String,
  cause: Schema.Defect()
}) {}

/**
 * The provider answered with an OAuth error (`error=invalid_grant`, an `invalid_token` challenge, ...), also when
 * it sends one with a 200 status (GitHub, Reddit), or its API refused a profile request (a non-2xx answer: `error` is
 * the body's `error` string, else `http_<status>`).
 *
 * @since 0.0.0
 * @category errors
 */
export class ProviderError extends Schema.TaggedError<ProviderError>()("ProviderError", {
  operation: Schema.String,
  error: Schema.String,
  description: Schema.NullOr(Schema.String),
  status: Schema.NullOr(Schema.Number)
}) {}

/**
 * Why an OAuth provider call failed.
 *
 * @since 0.0.0
 * @category errors
 */
export const OAuthProviderErrorReason = Schema.Union([Unreachable, InvalidResponse, ProviderError])

/**
 * Why an OAuth provider call failed.
 *
 * @since 0.0.0
 * @category errors
 */
export type OAuthProviderErrorReason = typeof OAuthProviderErrorReason.Type

/**
 * The one error of the port: `provider` is the client's `name`, `reason` says what went wrong
 * (`Effect.catchReason("OAuthProviderError", "Unreachable", f)` handles one reason).
 *
 * The infrastructure mark is a getter derived from `reason`, not a field: it is present (and the error a 503 at the
 * HTTP layer) exactly when the reason is `Unreachable`, however the error was built (constructor or schema decoding),
 * and can never disagree with the reason.
 *
 * @since 0.0.0
 * @category errors
 */
export class OAuthProviderError extends Schema.TaggedError<OAuthProviderError>()("OAuthProviderError", {
  provider: Schema.String,
  reason: OAuthProviderErrorReason
}) {
  /** The infrastructure mark, set only when the provider is unreachable. */
  get [Infrastructure.TypeId](): typeof Infrastructure.TypeId | undefined {
    return this.reason._tag === "Unreachable" ? Infrastructure.TypeId : undefined
  }

  /** The provider, the operation and the reason, on one line. */
  override get message(): string {
    const reason = this.reason
    const detail = reason._tag === "ProviderError"
      ? `${reason.error}${reason.description === null ? "" : ` (${reason.description})`}`
      : describe(reason.cause)
    return `${this.provider} ${reason.operation}: ${reason._tag}: ${detail}`
  }

  /** One line when logged. */
  override [NodeInspectSymbol](): string {
    return `${this._tag}: ${this.message}`
  }
}

const describe = (cause: unknown): string =>
  cause instanceof Error ? cause.message : typeof cause === "string" ? cause : String(cause)

/**
 * What the authorization URL is built from. `codeVerifier` is the PKCE verifier (the URL carries only its S256
 * challenge); `nonce`, for an OpenID Connect client, is echoed by the ID token; `scopes` absent: the client's base
 * scopes.
 *
 * @since 0.0.0
 * @category models
 */
export interface AuthorizationRequest {
  readonly redirectUri: string
  readonly state: string
  readonly codeVerifier: Redacted.Redacted<string>
  readonly scopes?: ReadonlyArray<string> | undefined
  readonly nonce?: string | undefined
}

/**
 * What the code exchange is built from: the callback's `code` (and `iss`, RFC 9207, when the provider sent one), the
 * same `redirectUri` as the authorization URL, the PKCE verifier, and the nonce the authorization URL carried.
 *
 * @since 0.0.0
 * @category models
 */
export interface ExchangeRequest {
  readonly code: string
  readonly redirectUri: string
  readonly codeVerifier: Redacted.Redacted<string>
  readonly nonce?: string | undefined
  readonly iss?: string | undefined
}

/**
 * The tokens of a successful exchange. `expiresAt` is Unix seconds (now + `expires_in`, rounded down), or `null` when
 * the provider gave no lifetime; `idToken` holds the validated ID token's claims of an OpenID Connect client.
 *
 * @since 0.0.0
 * @category models
 */
export interface OAuthTokens {
  readonly accessToken: Redacted.Redacted<string>
  readonly tokenType: string
  readonly expiresAt: number | null
  readonly refreshToken: Option.Option<Redacted.Redacted<string>>
  readonly scope: Option.Option<string>
  readonly idToken: Option.Option<Readonly<Record<string, unknown>>>
}

/**
 * The provider's account (FastAPI Users' `get_id_email`): `accountEmail` is `None` when the provider gives no
 * address (`OAUTH_NOT_AVAILABLE_EMAIL` at the HTTP layer).
 *
 * @since 0.0.0
 * @category models
 */
export interface OAuthProfile {
  readonly accountId: string
  readonly accountEmail: Option.Option<string>
}

/**
 * An OAuth 2.0 / OpenID Connect client for one provider.
 *
 * Contract:
 * - `name` is the provider's name as stored in the user's OAuth accounts (`oauth_name`); stable per application;
 * - `authorizationUrl` yields the provider's authorization endpoint with `response_type=code`, `client_id`,
 *   `redirect_uri`, `state`, `scope` (the given scopes, or the client's base scopes), `code_challenge` (S256 of
 *   `codeVerifier`, never the verifier itself) and `code_challenge_method=S256`, and, for an OpenID Connect client,
 *   `nonce` when given (plain OAuth 2.0 has no ID token to echo it); it sends at most the provider's metadata request
 *   (cached after the first success);
 * - `exchange` refuses an `iss` other than the provider's issuer, and a missing `iss` when the provider advertises
 *   RFC 9207, before calling the token endpoint; it sends `code`, `redirect_uri` and `code_verifier`; an OpenID
 *   Connect client requires an ID token, validates it (signature, issuer, audience, lifetime) and requires its `nonce`
 *   to equal the given one (and to be absent when none is given);
 * - `profile` yields a non-empty `accountId`, stable for the account, and the account's e-mail when the provider
 *   gives one;
 * - every failure is an `OAuthProviderError`: `Unreachable` within a bounded time when the provider cannot be
 *   reached (each HTTP call is time-limited), `ProviderError` when the provider answers with an OAuth error, and
 *   `InvalidResponse` for any other answer or failed check.
 *
 * @since 0.0.0
 * @category models
 */
export interface OAuthClient {
  readonly name: string
  readonly authorizationUrl: (request: AuthorizationRequest) => Effect.Effect<string, OAuthProviderError>
  readonly exchange: (request: ExchangeRequest) => Effect.Effect<OAuthTokens, OAuthProviderError>
  readonly profile: (tokens: OAuthTokens) => Effect.Effect<OAuthProfile, OAuthProviderError>
}

/**
 * The input of `UserManager.oauthCallback` and `oauthAssociateCallback` for an account whose e-mail is known.
 *
 * @since 0.0.0
 * @category constructors
 */
export const toCallback = (
  client: Pick<OAuthClient, "name">,
  tokens: OAuthTokens,
  account: { readonly accountId: string; readonly accountEmail: string }
): OAuthCallback => ({
  oauthName: client.name,
  accessToken: Redacted.value(tokens.accessToken),
  accountId: account.accountId,
  accountEmail: account.accountEmail,
  expiresAt: tokens.expiresAt,
  refreshToken: Option.match(tokens.refreshToken, { onNone: () => null, onSome: Redacted.value })
})
