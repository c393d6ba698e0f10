/**
 * A plain OAuth 2.0 client on oauth4webapi, for providers without OpenID Connect discovery: explicit authorization,
 * token and (optional) revocation endpoints, PKCE S256 on every flow, RFC 9207 `iss` checked when the provider's
 * issuer is configured, and a profile mapper that reads the account id and e-mail from the provider's API. Every
 * request goes through the application's `HttpClient`, each limited in time.
 *
 * @since 0.0.0
 */
import { Clock, Duration, Effect, Redacted, Schema } from "effect"
import { HttpClient } from "effect/http"
import * as oauth from "oauth4webapi"
import { ResourceFailure, stringField } from "./internal/failure.ts"
import * as Fetch from "./internal/fetch.ts"
import * as Protocol from "./internal/protocol.ts"
import type {
  AuthorizationRequest,
  ExchangeRequest,
  OAuthClient,
  OAuthProfile,
  OAuthProviderError,
  OAuthTokens
} from "./OAuthClient.ts"

/**
 * How long one HTTP request to the provider may take by default.
 *
 * @since 0.0.0
 * @category constants
 */
export const defaultTimeout: Duration.Duration = Duration.seconds(5)

/**
 * What a profile mapper is given: the exchange's tokens, a reader of the provider's JSON API authenticated with the
 * access token, and the error for an answer the mapper cannot use.
 *
 * `get` sends `GET url` (with `query` appended) with `Authorization: Bearer <access token>` through the client's `HttpClient` and time limit, and decodes the JSON body with `schema`: a non-2xx
 * answer is the provider's error (`ProviderError`), an unreachable provider `Unreachable`, a body the schema refuses
 * `InvalidResponse`.
 *
 * @since 0.0.0
 * @category models
 */
export interface ProfileContext {
  readonly tokens: OAuthTokens
  readonly get: <A>(
    url: string | URL,
    schema: Schema.Decoder<A>,
    options?: { readonly query?: Readonly<Record<string, string>> | undefined }
  ) => Effect.Effect<A, OAuthProviderError>
  readonly invalid: (cause: unknown) => OAuthProviderError
}

/**
 * Reads the account id and e-mail of the tokens' account (httpx-oauth's `get_id_email`).
 *
 * @since 0.0.0
 * @category models
 */
export type ProfileMapper = (context: ProfileContext) => Effect.Effect<OAuthProfile, OAuthProviderError>

/**
 * The options of `make`.
 *
 * - `authorizationEndpoint`, `tokenEndpoint`, `revocationEndpoint`: the provider's endpoints;
 * - `issuer`: the provider's issuer identifier, when it sends `iss` on the authorization response (RFC 9207);
 *   `requireIss` makes a callback without it invalid; without `issuer`, a callback carrying `iss` is refused;
 * - `clientAuthentication`: `client_secret_post` (httpx-oauth's default) or `client_secret_basic`;
 * - `scopes`: the base scopes; `scopeSeparator`: how scopes are joined (default a space);
 * - `authorizationParams`: extra query parameters of the authorization URL (`response_mode`, `access_type`, ...);
 * - `profile`: the profile mapper;
 * - `timeout`: the limit of each HTTP request (default 5 s);
 * - `allowInsecureRequests`: allow `http:` endpoints (local development and tests only).
 *
 * @since 0.0.0
 * @category models
 */
export interface Options {
  readonly name: string
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  readonly authorizationEndpoint: string | URL
  readonly tokenEndpoint: string | URL
  readonly revocationEndpoint?: string | URL | undefined
  readonly issuer?: string | undefined
  readonly requireIss?: boolean | undefined
  readonly clientAuthentication?: "client_secret_basic" | "client_secret_post" | undefined
  readonly scopes?: ReadonlyArray<string> | undefined
  readonly scopeSeparator?: string | undefined
  readonly authorizationParams?: Readonly<Record<string, string>> | undefined
  readonly profile: ProfileMapper
  readonly timeout?: Duration.Input | undefined
  readonly allowInsecureRequests?: boolean | undefined
}

/**
 * An OAuth 2.0 client with the port's `revoke` of an access token when the provider has a revocation endpoint.
 *
 * @since 0.0.0
 * @category models
 */
export interface OAuth2Client extends OAuthClient {
  readonly revoke: (tokens: OAuthTokens) => Effect.Effect<void, OAuthProviderError>
}

/**
 * A plain OAuth 2.0 client for one provider; nothing is requested until the first use.
 *
 * There is no ID token in plain OAuth 2.0, hence no `nonce`: a given one is neither sent nor checked.
 *
 * @since 0.0.0
 * @category constructors
 */
export const make = Effect.fn("OAuth2Client.make")(function*(options: Options) {
  const http = yield* HttpClient.HttpClient
  const name = options.name
  const baseScopes = options.scopes ?? []
  const separator = options.scopeSeparator ?? " "
  const fetch = Fetch.make(http, options.timeout ?? defaultTimeout)
  const transport = Protocol.transport(fetch, options.allowInsecureRequests === true)
  const authorizationEndpoint = new URL(options.authorizationEndpoint).href
  // oauth4webapi describes a provider by its metadata; without an issuer, the authorization endpoint's URL stands
  // for it (no `iss` can equal it, so a callback carrying one is refused).
  const server: oauth.AuthorizationServer = {
    issuer: options.issuer ?? authorizationEndpoint,
    authorization_endpoint: authorizationEndpoint,
    token_endpoint: new URL(options.tokenEndpoint).href,
    authorization_response_iss_parameter_supported: options.requireIss === true,
    ...(options.revocationEndpoint === undefined
      ? {}
      : { revocation_endpoint: new URL(options.revocationEndpoint).href })
  }
  const client: oauth.Client = { client_id: options.clientId }
  const secret = Redacted.value(options.clientSecret)
  const clientAuth = options.clientAuthentication === "client_secret_basic"
    ? oauth.ClientSecretBasic(secret)
    : oauth.ClientSecretPost(secret)
  const tools = Protocol.failures(name)
  const { attempt, failure, invalid } = tools

  const authorizationUrl = Effect.fn("OAuth2Client.authorizationUrl")(function*(request: AuthorizationRequest) {
    return yield* Protocol.authorizationUrl(
      authorizationEndpoint,
      client.client_id,
      request,
      (request.scopes ?? baseScopes).join(separator),
      { nonce: false, extra: options.authorizationParams },
      failure("authorizationUrl")
    )
  })

  const exchange = Effect.fn("OAuth2Client.exchange")(function*(request: ExchangeRequest) {
    const tokens = yield* Protocol.codeGrant(
      server,
      client,
      clientAuth,
      request,
      transport,
      tools,
      (response) => oauth.processAuthorizationCodeResponse(server, client, response)
    )
    const now = yield* Clock.currentTimeMillis
    return Protocol.tokensOf(tokens, now, undefined)
  })

  const get = <A>(
    url: string | URL,
    schema: Schema.Decoder<A>,
    accessToken: Redacted.Redacted<string>,
    query: Readonly<Record<string, string>> = {}
  ) =>
    Effect.flatMap(
      attempt("profile", async (signal) => {
        const target = new URL(url)
        for (const [key, value] of Object.entries(query)) target.searchParams.set(key, value)
        const response = await oauth.protectedResourceRequest(
          Redacted.value(accessToken),
          "GET",
          target,
          new Headers({ accept: "application/json" }),
          null,
          transport(signal)
        )
        const body: unknown = await response.json().catch(() => undefined)
        if (!response.ok) {
          throw new ResourceFailure(response.status, errorOf(body, response.status), descriptionOf(body))
        }
        return body
      }),
      (body) => Effect.mapError(Schema.decodeUnknownEffect(schema)(body), (cause) => invalid("profile", cause))
    )

  const profile = (tokens: OAuthTokens) =>
    options.profile({
      tokens,
      get: (url, schema, request) => get(url, schema, tokens.accessToken, request?.query),
      invalid: (cause) => invalid("profile", cause)
    }).pipe(Effect.withSpan("OAuth2Client.profile"))

  const revoke = Effect.fn("OAuth2Client.revoke")(function*(tokens: OAuthTokens) {
    if (server.revocation_endpoint === undefined) {
      return yield* invalid("revoke", "the provider has no revocation endpoint")
    }
    yield* attempt("revoke", async (signal) => {
      const response = await oauth.revocationRequest(
        server,
        client,
        clientAuth,
        Redacted.value(tokens.accessToken),
        transport(signal)
      )
      await oauth.processRevocationResponse(response)
    })
  })

  const result: OAuth2Client = { name, authorizationUrl, exchange, profile, revoke }
  return result
})

// The error a provider's API names in its body (`error`), else the status; its description (`error_description`, or
// the `message` of GitHub's and Discord's APIs).
const errorOf = (body: unknown, status: number) => stringField(body, "error") ?? `http_${status}`

const descriptionOf = (body: unknown) => stringField(body, "error_description") ?? stringField(body, "message") ?? null
