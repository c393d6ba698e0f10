/**
 * A generic OpenID Connect client on oauth4webapi: the provider's metadata from its issuer (discovery, cached after
 * the first success), PKCE S256, RFC 9207 `iss` checked, the ID token validated (signature through the provider's
 * JWKS, issuer, audience, lifetime, `nonce`), the account id and e-mail read from the ID token or the userinfo
 * endpoint. Every request goes through the application's `HttpClient`, each limited in time.
 *
 * @since 0.0.0
 */
import { Clock, Duration, Effect, Option, Redacted, Ref, Schema, Semaphore } from "effect"
import { HttpClient } from "effect/http"
import * as oauth from "oauth4webapi"
import * as Fetch from "./internal/fetch.ts"
import * as Protocol from "./internal/protocol.ts"
import type { AuthorizationRequest, ExchangeRequest, OAuthClient, OAuthProfile, OAuthTokens } from "./OAuthClient.ts"

/**
 * How long one HTTP request to the provider may take by default.
 *
 * @since 0.0.0
 * @category constants
 */
export const defaultTimeout: Duration.Duration = Duration.seconds(5)

/**
 * The scopes asked for when the authorization request names none (httpx-oauth's `OpenID` base scopes).
 *
 * @since 0.0.0
 * @category constants
 */
export const defaultScopes: ReadonlyArray<string> = ["openid", "email"]

/**
 * The options of `make`.
 *
 * - `issuer`: the provider's issuer identifier; its metadata is read from `<issuer>/.well-known/openid-configuration`;
 * - `clientAuthentication`: how the client authenticates at the token endpoint, `client_secret_basic` (the OpenID
 *   default) unless `client_secret_post`;
 * - `scopes`: the base scopes (default `openid email`); `openid` is always sent;
 * - `profileFrom`: where the account id and e-mail are read, `userinfo` (the default, as httpx-oauth does; its `sub`
 *   must equal the ID token's) or `idToken` (no request; the provider must put `email` in the ID token); an e-mail
 *   whose `email_verified` is `false` is not taken;
 * - `timeout`: the limit of each HTTP request (default 5 s);
 * - `allowInsecureRequests`: allow an `http:` issuer and endpoints (local development and tests only).
 *
 * @since 0.0.0
 * @category models
 */
export interface Options {
  readonly name: string
  readonly issuer: string | URL
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  readonly clientAuthentication?: "client_secret_basic" | "client_secret_post" | undefined
  readonly scopes?: ReadonlyArray<string> | undefined
  readonly profileFrom?: "userinfo" | "idToken" | undefined
  readonly timeout?: Duration.Input | undefined
  readonly allowInsecureRequests?: boolean | undefined
}

const Claims = Schema.Struct({
  sub: Schema.String.check(Schema.isNonEmpty()),
  email: Schema.optional(Schema.NullOr(Schema.String)),
  // Some providers send the boolean as a string.
  email_verified: Schema.optional(Schema.Union([Schema.Boolean, Schema.String]))
})

/**
 * An OpenID Connect client for one provider; nothing is requested until the first use.
 *
 * @since 0.0.0
 * @category constructors
 */
export const make = Effect.fn("OpenIdClient.make")(function*(options: Options) {
  const http = yield* HttpClient.HttpClient
  const name = options.name
  const issuer = new URL(options.issuer)
  const baseScopes = options.scopes ?? defaultScopes
  const profileFrom = options.profileFrom ?? "userinfo"
  const fetch = Fetch.make(http, options.timeout ?? defaultTimeout)
  const transport = Protocol.transport(fetch, options.allowInsecureRequests === true)
  const client: oauth.Client = { client_id: options.clientId }
  const secret = Redacted.value(options.clientSecret)
  const clientAuth = options.clientAuthentication === "client_secret_post"
    ? oauth.ClientSecretPost(secret)
    : oauth.ClientSecretBasic(secret)
  // oauth4webapi keeps the provider's key set here between ID token validations.
  const jwks: oauth.JWKSCacheInput = {}

  const tools = Protocol.failures(name)
  const { attempt, failure, invalid } = tools

  // Discovery: one request at a time; a success is kept for the client's lifetime, a failure is not.
  const metadata = yield* Ref.make(Option.none<oauth.AuthorizationServer>())
  const discovering = yield* Semaphore.make(1)
  const discover = Semaphore.withPermit(
    discovering,
    Effect.flatMap(Ref.get(metadata), (cached) =>
      Option.isSome(cached)
        ? Effect.succeed(cached.value)
        : attempt("discovery", async (signal) => {
          const response = await oauth.discoveryRequest(issuer, transport(signal))
          return oauth.processDiscoveryResponse(issuer, response)
        }).pipe(Effect.tap((server) => Ref.set(metadata, Option.some(server)))))
  )

  const scopeOf = (scopes: ReadonlyArray<string>) =>
    (scopes.includes("openid") ? scopes : ["openid", ...scopes]).join(" ")

  const authorizationUrl = Effect.fn("OpenIdClient.authorizationUrl")(function*(request: AuthorizationRequest) {
    const server = yield* discover
    if (server.authorization_endpoint === undefined) {
      return yield* invalid("authorizationUrl", "the provider's metadata has no authorization_endpoint")
    }
    return yield* Protocol.authorizationUrl(
      server.authorization_endpoint,
      client.client_id,
      request,
      scopeOf(request.scopes ?? baseScopes),
      { nonce: true },
      failure("authorizationUrl")
    )
  })

  const exchange = Effect.fn("OpenIdClient.exchange")(function*(request: ExchangeRequest) {
    const server = yield* discover
    const tokens = yield* Protocol.codeGrant(
      server,
      client,
      clientAuth,
      request,
      transport,
      tools,
      async (response, signal) => {
        const result = await oauth.processAuthorizationCodeResponse(server, client, response, {
          expectedNonce: request.nonce ?? oauth.expectNoNonce,
          requireIdToken: true
        })
        await oauth.validateApplicationLevelSignature(server, response, {
          ...transport(signal),
          [oauth.jwksCache]: jwks
        })
        return result
      }
    )
    const now = yield* Clock.currentTimeMillis
    return Protocol.tokensOf(tokens, now, oauth.getValidatedIdTokenClaims(tokens))
  })

  const profileOf = (claims: unknown) =>
    Schema.decodeUnknownEffect(Claims)(claims).pipe(
      Effect.mapError((cause) => invalid("profile", cause)),
      Effect.map((decoded): OAuthProfile => ({
        accountId: decoded.sub,
        // An address the provider says it has not verified is not the account's: FastAPI Users' `associate_by_email`
        // would hand an existing user to whoever typed that address at the provider.
        accountEmail: decoded.email_verified === false || decoded.email_verified === "false"
          ? Option.none()
          : Option.fromNullishOr(decoded.email)
      }))
    )

  const profile = Effect.fn("OpenIdClient.profile")(function*(tokens: OAuthTokens) {
    if (profileFrom === "idToken") {
      if (Option.isNone(tokens.idToken)) return yield* invalid("profile", "the tokens carry no ID token")
      return yield* profileOf(tokens.idToken.value)
    }
    const server = yield* discover
    const subject = Option.match(tokens.idToken, {
      onNone: (): string | typeof oauth.skipSubjectCheck => oauth.skipSubjectCheck,
      onSome: (claims) => typeof claims.sub === "string" ? claims.sub : oauth.skipSubjectCheck
    })
    const info = yield* attempt("profile", async (signal) => {
      const response = await oauth.userInfoRequest(
        server,
        client,
        Redacted.value(tokens.accessToken),
        transport(signal)
      )
      return oauth.processUserInfoResponse(server, client, subject, response)
    })
    return yield* profileOf(info)
  })

  const result: OAuthClient = { name, authorizationUrl, exchange, profile }
  return result
})
