/**
 * Ready clients for well-known providers (httpx-oauth's clients, as FastAPI Users' applications use them): each knows
 * the provider's endpoints, its default scopes, how it authenticates at the token endpoint and where it reads the
 * account id and e-mail. Every endpoint can be overridden (a self-hosted GitLab, GitHub Enterprise, a test double).
 *
 * @since 0.0.0
 */
import { Effect, Option, Schema } from "effect"
import type { Duration, Redacted } from "effect"
import type { HttpClient } from "effect/http"
import * as OAuth2Client from "./OAuth2Client.ts"
import type { OAuthClient } from "./OAuthClient.ts"
import * as OpenIdClient from "./OpenIdClient.ts"

/**
 * The options every preset takes: `name` (the stored `oauth_name`, default the provider's lower-case name),
 * `scopes` (replacing the preset's base scopes), the `timeout` of each request, and `allowInsecureRequests` for
 * `http:` endpoints (tests only).
 *
 * @since 0.0.0
 * @category models
 */
export interface PresetOptions {
  readonly name?: string | undefined
  readonly scopes?: ReadonlyArray<string> | undefined
  readonly timeout?: Duration.Input | undefined
  readonly allowInsecureRequests?: boolean | undefined
}

/**
 * A preset's client: built in the context of the application's `HttpClient`.
 *
 * @since 0.0.0
 * @category models
 */
export type Preset = Effect.Effect<OAuthClient, never, HttpClient.HttpClient>

const common = (options: PresetOptions, name: string, scopes: ReadonlyArray<string>) => ({
  name: options.name ?? name,
  scopes: options.scopes ?? scopes,
  timeout: options.timeout,
  allowInsecureRequests: options.allowInsecureRequests
})

const trim = (url: string) => url.replace(/\/+$/, "")

// Account ids come as strings or as JSON numbers (GitHub, Kakao); stored as strings, as httpx-oauth does.
const Id = Schema.Union([Schema.String.check(Schema.isNonEmpty()), Schema.Number])
const idOf = (id: string | number) => String(id)
const Email = Schema.optional(Schema.NullOr(Schema.String))

// ---------------------------------------------------------------------------------------------------------------
// OpenID Connect providers

/**
 * Google, through OpenID Connect (`https://accounts.google.com`): httpx-oauth's scopes (the user's profile and
 * e-mail), `client_secret_post`; the account id is the OpenID `sub` (httpx-oauth's People API `resourceName` is
 * `people/<sub>`), the e-mail the verified address of the userinfo answer.
 *
 * @since 0.0.0
 * @category presets
 */
export const google = (
  clientId: string,
  clientSecret: Redacted.Redacted<string>,
  options: PresetOptions & { readonly issuer?: string | undefined } = {}
): Preset =>
  OpenIdClient.make({
    ...common(options, "google", [
      "https://www.googleapis.com/auth/userinfo.profile",
      "https://www.googleapis.com/auth/userinfo.email"
    ]),
    issuer: options.issuer ?? "https://accounts.google.com",
    clientId,
    clientSecret,
    clientAuthentication: "client_secret_post"
  })

/**
 * LinkedIn, through its OpenID Connect sign-in (`https://www.linkedin.com/oauth`, scopes `openid profile email`,
 * `client_secret_post`): LinkedIn retired the `r_liteprofile` / `r_emailaddress` API httpx-oauth's client reads.
 *
 * @since 0.0.0
 * @category presets
 */
export const linkedin = (
  clientId: string,
  clientSecret: Redacted.Redacted<string>,
  options: PresetOptions & { readonly issuer?: string | undefined } = {}
): Preset =>
  OpenIdClient.make({
    ...common(options, "linkedin", ["openid", "profile", "email"]),
    issuer: options.issuer ?? "https://www.linkedin.com/oauth",
    clientId,
    clientSecret,
    clientAuthentication: "client_secret_post"
  })

/**
 * GitLab, through OpenID Connect on `baseUrl` (default `https://gitlab.com`, or a self-hosted instance): scopes
 * `openid email`, the account id the `sub` (GitLab's numeric user id), the e-mail from the userinfo answer.
 *
 * @since 0.0.0
 * @category presets
 */
export const gitlab = (
  clientId: string,
  clientSecret: Redacted.Redacted<string>,
  options: PresetOptions & { readonly baseUrl?: string | undefined } = {}
): Preset =>
  OpenIdClient.make({
    ...common(options, "gitlab", ["openid", "email"]),
    issuer: trim(options.baseUrl ?? "https://gitlab.com"),
    clientId,
    clientSecret
  })

/**
 * Okta, through OpenID Connect on the organisation's `domain` (`https://<domain>` is the issuer; `issuer` overrides
 * it, e.g. for a custom authorization server): httpx-oauth's scopes `openid email`.
 *
 * @since 0.0.0
 * @category presets
 */
export const okta = (
  clientId: string,
  clientSecret: Redacted.Redacted<string>,
  options: PresetOptions & { readonly domain: string; readonly issuer?: string | undefined }
): Preset =>
  OpenIdClient.make({
    ...common(options, "okta", ["openid", "email"]),
    issuer: options.issuer ?? `https://${options.domain}`,
    clientId,
    clientSecret
  })

/**
 * Auth0, through OpenID Connect on the tenant's `domain` (the issuer is `https://<domain>/`, with Auth0's trailing
 * slash; `issuer` overrides it, e.g. for a custom domain): scopes `openid email`.
 *
 * @since 0.0.0
 * @category presets
 */
export const auth0 = (
  clientId: string,
  clientSecret: Redacted.Redacted<string>,
  options: PresetOptions & { readonly domain: string; readonly issuer?: string | undefined }
): Preset =>
  OpenIdClient.make({
    ...common(options, "auth0", ["openid", "email"]),
    issuer: options.issuer ?? `https://${options.domain}/`,
    clientId,
    clientSecret
  })

// ---------------------------------------------------------------------------------------------------------------
// OAuth 2.0 providers with their own profile API

const GitHubUser = Schema.Struct({ id: Id, email: Email })
const GitHubEmails = Schema.Array(Schema.Struct({
  email: Schema.String,
  primary: Schema.optional(Schema.Boolean),
  verified: Schema.optional(Schema.Boolean)
}))

/**
 * GitHub (httpx-oauth's endpoints, scopes `user user:email`, `client_secret_post`): the account id is the user's
 * numeric `id` from `GET /user`, the e-mail its public address or, when it has none, the primary address of
 * `GET /user/emails` if GitHub marks it verified. `baseUrl` (default `https://github.com`) and `apiUrl` (default
 * `https://api.github.com`) point it at GitHub Enterprise Server.
 *
 * @since 0.0.0
 * @category presets
 */
export const github = (
  clientId: string,
  clientSecret: Redacted.Redacted<string>,
  options: PresetOptions & { readonly baseUrl?: string | undefined; readonly apiUrl?: string | undefined } = {}
): Preset => {
  const base = trim(options.baseUrl ?? "https://github.com")
  const api = trim(options.apiUrl ?? "https://api.github.com")
  return OAuth2Client.make({
    ...common(options, "github", ["user", "user:email"]),
    clientId,
    clientSecret,
    authorizationEndpoint: `${base}/login/oauth/authorize`,
    tokenEndpoint: `${base}/login/oauth/access_token`,
    clientAuthentication: "client_secret_post",
    profile: Effect.fnUntraced(function*({ get }) {
      const user = yield* get(`${api}/user`, GitHubUser)
      if (typeof user.email === "string") return { accountId: idOf(user.id), accountEmail: Option.some(user.email) }
      // No public address: the private primary one, and only once GitHub has verified it.
      const emails = yield* get(`${api}/user/emails`, GitHubEmails)
      const primary = emails.find((entry) => entry.primary === true && entry.verified === true)
      return { accountId: idOf(user.id), accountEmail: Option.fromNullishOr(primary?.email) }
    })
  })
}

const MicrosoftUser = Schema.Struct({ id: Schema.String.check(Schema.isNonEmpty()), userPrincipalName: Email })

/**
 * Microsoft (Entra ID) through Microsoft Graph, as httpx-oauth does: `<baseUrl>/<tenant>/oauth2/v2.0/...`
 * (`baseUrl` default `https://login.microsoftonline.com`, `tenant` default `common`), scope `User.Read`,
 * `response_mode=query`, `client_secret_post`; the account id and e-mail are `id` and `userPrincipalName` of
 * `GET <graphUrl>/v1.0/me` (`graphUrl` default `https://graph.microsoft.com`). Not OpenID discovery: the
 * multi-tenant endpoints (`common`, `organizations`) name a per-tenant issuer their metadata cannot match.
 *
 * @since 0.0.0
 * @category presets
 */
export const microsoft = (
  clientId: string,
  clientSecret: Redacted.Redacted<string>,
  options: PresetOptions & {
    readonly tenant?: string | undefined
    readonly baseUrl?: string | undefined
    readonly graphUrl?: string | undefined
  } = {}
): Preset => {
  const base = `${trim(options.baseUrl ?? "https://login.microsoftonline.com")}/${options.tenant ?? "common"}`
  const graph = trim(options.graphUrl ?? "https://graph.microsoft.com")
  return OAuth2Client.make({
    ...common(options, "microsoft", ["User.Read"]),
    clientId,
    clientSecret,
    authorizationEndpoint: `${base}/oauth2/v2.0/authorize`,
    tokenEndpoint: `${base}/oauth2/v2.0/token`,
    authorizationParams: { response_mode: "query" },
    clientAuthentication: "client_secret_post",
    profile: Effect.fnUntraced(function*({ get }) {
      const me = yield* get(`${graph}/v1.0/me`, MicrosoftUser)
      return { accountId: me.id, accountEmail: Option.fromNullishOr(me.userPrincipalName) }
    })
  })
}

const DiscordUser = Schema.Struct({
  id: Schema.String.check(Schema.isNonEmpty()),
  email: Email,
  verified: Schema.optional(Schema.Boolean)
})

/**
 * Discord (`baseUrl` default `https://discord.com/api`; scopes `identify email`, `client_secret_basic`, token
 * revocation): the account id is `id` of `GET /users/@me`, the e-mail its `email` when `verified`.
 *
 * @since 0.0.0
 * @category presets
 */
export const discord = (
  clientId: string,
  clientSecret: Redacted.Redacted<string>,
  options: PresetOptions & { readonly baseUrl?: string | undefined } = {}
): Preset => {
  const base = trim(options.baseUrl ?? "https://discord.com/api")
  return OAuth2Client.make({
    ...common(options, "discord", ["identify", "email"]),
    clientId,
    clientSecret,
    authorizationEndpoint: `${base}/oauth2/authorize`,
    tokenEndpoint: `${base}/oauth2/token`,
    revocationEndpoint: `${base}/oauth2/token/revoke`,
    clientAuthentication: "client_secret_basic",
    profile: Effect.fnUntraced(function*({ get }) {
      const user = yield* get(`${base}/users/@me`, DiscordUser)
      return {
        accountId: user.id,
        accountEmail: user.verified === true ? Option.fromNullishOr(user.email) : Option.none()
      }
    })
  })
}

const FacebookUser = Schema.Struct({ id: Schema.String.check(Schema.isNonEmpty()), email: Email })

/**
 * Facebook (httpx-oauth's Graph API `version` `v5.0` unless given; `baseUrl` default `https://www.facebook.com`,
 * `graphUrl` default `https://graph.facebook.com`; scopes `email public_profile`, `client_secret_post`): the
 * account id and e-mail are `id` and `email` of `GET /me?fields=id,email` (the token in the header, not the URL).
 *
 * @since 0.0.0
 * @category presets
 */
export const facebook = (
  clientId: string,
  clientSecret: Redacted.Redacted<string>,
  options: PresetOptions & {
    readonly version?: string | undefined
    readonly baseUrl?: string | undefined
    readonly graphUrl?: string | undefined
  } = {}
): Preset => {
  const version = options.version ?? "v5.0"
  const base = trim(options.baseUrl ?? "https://www.facebook.com")
  const graph = `${trim(options.graphUrl ?? "https://graph.facebook.com")}/${version}`
  return OAuth2Client.make({
    ...common(options, "facebook", ["email", "public_profile"]),
    clientId,
    clientSecret,
    authorizationEndpoint: `${base}/${version}/dialog/oauth`,
    tokenEndpoint: `${graph}/oauth/access_token`,
    clientAuthentication: "client_secret_post",
    profile: Effect.fnUntraced(function*({ get }) {
      const me = yield* get(`${graph}/me`, FacebookUser, { query: { fields: "id,email" } })
      return { accountId: me.id, accountEmail: Option.fromNullishOr(me.email) }
    })
  })
}

const RedditUser = Schema.Struct({ name: Schema.String.check(Schema.isNonEmpty()) })

/**
 * Reddit (`baseUrl` default `https://www.reddit.com`, `apiUrl` default `https://oauth.reddit.com`; scope
 * `identity`, `client_secret_basic`, token revocation): the account id is the user's `name` from `GET /api/v1/me`;
 * Reddit gives no e-mail, so a login needs an already associated account.
 *
 * @since 0.0.0
 * @category presets
 */
export const reddit = (
  clientId: string,
  clientSecret: Redacted.Redacted<string>,
  options: PresetOptions & { readonly baseUrl?: string | undefined; readonly apiUrl?: string | undefined } = {}
): Preset => {
  const base = trim(options.baseUrl ?? "https://www.reddit.com")
  const api = trim(options.apiUrl ?? "https://oauth.reddit.com")
  return OAuth2Client.make({
    ...common(options, "reddit", ["identity"]),
    clientId,
    clientSecret,
    authorizationEndpoint: `${base}/api/v1/authorize`,
    tokenEndpoint: `${base}/api/v1/access_token`,
    revocationEndpoint: `${base}/api/v1/revoke_token`,
    clientAuthentication: "client_secret_basic",
    profile: Effect.fnUntraced(function*({ get }) {
      const me = yield* get(`${api}/api/v1/me`, RedditUser)
      return { accountId: me.name, accountEmail: Option.none() }
    })
  })
}

const KakaoUser = Schema.Struct({
  id: Id,
  kakao_account: Schema.optional(Schema.Struct({ email: Email }))
})

/**
 * Kakao (`baseUrl` default `https://kauth.kakao.com`, `apiUrl` default `https://kapi.kakao.com`; scopes
 * `profile_nickname account_email`, `client_secret_post`): the account id is `id` of `GET /v2/user/me`, the e-mail
 * `kakao_account.email`.
 *
 * @since 0.0.0
 * @category presets
 */
export const kakao = (
  clientId: string,
  clientSecret: Redacted.Redacted<string>,
  options: PresetOptions & { readonly baseUrl?: string | undefined; readonly apiUrl?: string | undefined } = {}
): Preset => {
  const base = trim(options.baseUrl ?? "https://kauth.kakao.com")
  const api = trim(options.apiUrl ?? "https://kapi.kakao.com")
  return OAuth2Client.make({
    ...common(options, "kakao", ["profile_nickname", "account_email"]),
    clientId,
    clientSecret,
    authorizationEndpoint: `${base}/oauth/authorize`,
    tokenEndpoint: `${base}/oauth/token`,
    clientAuthentication: "client_secret_post",
    profile: Effect.fnUntraced(function*({ get }) {
      const me = yield* get(`${api}/v2/user/me`, KakaoUser, {
        query: { property_keys: JSON.stringify(["kakao_account.email"]) }
      })
      return { accountId: idOf(me.id), accountEmail: Option.fromNullishOr(me.kakao_account?.email) }
    })
  })
}

const NaverUser = Schema.Struct({
  response: Schema.Struct({ id: Schema.String.check(Schema.isNonEmpty()), email: Email })
})

/**
 * Naver (`baseUrl` default `https://nid.naver.com`, `apiUrl` default `https://openapi.naver.com`; no base scopes,
 * `client_secret_post`): the account id and e-mail are `response.id` and `response.email` of `GET /v1/nid/me`.
 *
 * @since 0.0.0
 * @category presets
 */
export const naver = (
  clientId: string,
  clientSecret: Redacted.Redacted<string>,
  options: PresetOptions & { readonly baseUrl?: string | undefined; readonly apiUrl?: string | undefined } = {}
): Preset => {
  const base = trim(options.baseUrl ?? "https://nid.naver.com")
  const api = trim(options.apiUrl ?? "https://openapi.naver.com")
  return OAuth2Client.make({
    ...common(options, "naver", []),
    clientId,
    clientSecret,
    authorizationEndpoint: `${base}/oauth2.0/authorize`,
    tokenEndpoint: `${base}/oauth2.0/token`,
    clientAuthentication: "client_secret_post",
    profile: Effect.fnUntraced(function*({ get }) {
      const me = yield* get(`${api}/v1/nid/me`, NaverUser)
      return { accountId: me.response.id, accountEmail: Option.fromNullishOr(me.response.email) }
    })
  })
}
