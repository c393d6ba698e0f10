// What the OAuth 2.0 and the OpenID Connect clients share: oauth4webapi's options for one request (the fetch bridge,
// the abort signal), the PKCE challenge, the authorization URL and the port's view of a token response.
import { Effect, Option, Redacted } from "effect"
import * as oauth from "oauth4webapi"
import { InvalidResponse, OAuthProviderError } from "../OAuthClient.ts"
import type { AuthorizationRequest, ExchangeRequest, OAuthTokens } from "../OAuthClient.ts"
import { reasonOf } from "./failure.ts"
import type { Fetch } from "./fetch.ts"

/** oauth4webapi's options for one request through `fetch`. */
export const transport = (fetch: Fetch, allowInsecure: boolean) => (signal: AbortSignal) => ({
  [oauth.customFetch]: fetch,
  [oauth.allowInsecureRequests]: allowInsecure,
  signal
})

/** oauth4webapi's options for one request, given its abort signal. */
export type Transport = ReturnType<ReturnType<typeof transport>>

/** How one provider's failures become the port's error. */
export const failures = (provider: string) => {
  const failure = (operation: string) => (cause: unknown) =>
    new OAuthProviderError({ provider, reason: reasonOf(operation, cause) })
  const invalid = (operation: string, cause: unknown) =>
    new OAuthProviderError({ provider, reason: new InvalidResponse({ operation, cause }) })
  const attempt = <A>(operation: string, run: (signal: AbortSignal) => Promise<A>) =>
    Effect.tryPromise({ try: run, catch: failure(operation) })
  return { failure, invalid, attempt }
}

/**
 * The authorization URL: FastAPI Users' parameters, the S256 challenge of the verifier (never the verifier), the
 * nonce when `nonce` is true and one is given, and the provider's `extra` parameters.
 */
export const authorizationUrl = (
  endpoint: string,
  clientId: string,
  request: AuthorizationRequest,
  scope: string,
  options: { readonly nonce: boolean; readonly extra?: Readonly<Record<string, string>> | undefined },
  fail: (cause: unknown) => OAuthProviderError
) =>
  Effect.map(
    Effect.tryPromise({
      try: () => oauth.calculatePKCECodeChallenge(Redacted.value(request.codeVerifier)),
      catch: fail
    }),
    (challenge) => {
      const url = new URL(endpoint)
      url.searchParams.set("response_type", "code")
      url.searchParams.set("client_id", clientId)
      url.searchParams.set("redirect_uri", request.redirectUri)
      url.searchParams.set("state", request.state)
      url.searchParams.set("scope", scope)
      url.searchParams.set("code_challenge", challenge)
      url.searchParams.set("code_challenge_method", "S256")
      if (options.nonce && request.nonce !== undefined) url.searchParams.set("nonce", request.nonce)
      for (const [key, value] of Object.entries(options.extra ?? {})) url.searchParams.set(key, value)
      return url.href
    }
  )

/** The port's tokens of a processed token response, `now` in milliseconds. */
export const tokensOf = (tokens: oauth.TokenEndpointResponse, now: number, idToken: oauth.IDToken | undefined) => {
  const result: OAuthTokens = {
    accessToken: Redacted.make(tokens.access_token),
    tokenType: tokens.token_type,
    expiresAt: tokens.expires_in === undefined ? null : Math.floor(now / 1000) + tokens.expires_in,
    refreshToken: Option.map(Option.fromNullishOr(tokens.refresh_token), Redacted.make),
    scope: Option.fromNullishOr(tokens.scope),
    idToken: Option.fromNullishOr(idToken === undefined ? undefined : { ...idToken })
  }
  return result
}

/**
 * The code exchange: the callback's `iss` (RFC 9207) checked before the token endpoint is called (the state was
 * checked by the caller), then the token request with the PKCE verifier, its answer processed by `process`.
 */
export const codeGrant = <A>(
  server: oauth.AuthorizationServer,
  client: oauth.Client,
  clientAuth: oauth.ClientAuth,
  request: ExchangeRequest,
  transport: (signal: AbortSignal) => Transport,
  tools: ReturnType<typeof failures>,
  process: (response: Response, signal: AbortSignal) => Promise<A>
) =>
  Effect.gen(function*() {
    const callback = new URLSearchParams({ code: request.code })
    if (request.iss !== undefined) callback.set("iss", request.iss)
    const validated = yield* Effect.try({
      try: () => oauth.validateAuthResponse(server, client, callback, oauth.skipStateCheck),
      catch: tools.failure("exchange")
    })
    return yield* tools.attempt("exchange", async (signal) => {
      const response = await oauth.authorizationCodeGrantRequest(
        server,
        client,
        clientAuth,
        validated,
        request.redirectUri,
        Redacted.value(request.codeVerifier),
        transport(signal)
      )
      return process(response, signal)
    })
  })
