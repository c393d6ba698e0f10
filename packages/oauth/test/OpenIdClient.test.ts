/**
 * OpenIdClient against a real OpenID provider (oidc-provider, in-process on loopback): the authorization code flow
 * driven through the provider's own login and consent pages, then the exchange and the profile; the port's contract
 * (PKCE, state, nonce, iss, error reasons, time limits) checked on the same provider.
 */
import { isInfrastructureError } from "@effect-users/core/Infrastructure"
import * as OAuthClient from "@effect-users/oauth/OAuthClient"
import * as OpenIdClient from "@effect-users/oauth/OpenIdClient"
import * as TestProvider from "@effect-users/testing/OidcProvider"
import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Layer, Option, Redacted } from "effect"
import { FetchHttpClient, HttpClient, HttpClientResponse } from "effect/http"
import { createHash, randomBytes } from "node:crypto"
import { afterAll, beforeAll } from "vitest"

const random = () => randomBytes(32).toString("base64url")
const s256 = (verifier: string) => createHash("sha256").update(verifier).digest("base64url")

let provider: TestProvider.OidcProvider
let idTokenProvider: TestProvider.OidcProvider
beforeAll(async () => {
  provider = await TestProvider.start()
  idTokenProvider = await TestProvider.start({ idTokenClaims: true })
})
afterAll(async () => {
  await provider.stop()
  await idTokenProvider.stop()
})

const makeClient = (issuer: string, options: Partial<OpenIdClient.Options> = {}) =>
  OpenIdClient.make({
    name: "openid",
    issuer,
    clientId: TestProvider.clientId,
    clientSecret: Redacted.make(TestProvider.clientSecret),
    allowInsecureRequests: true,
    ...options
  }).pipe(Effect.provide(FetchHttpClient.layer))

/** An HttpClient that rewrites the ID token of every token response: its `sub` becomes `mallory`, signature kept. */
const forgingIdTokens = Layer.effect(
  HttpClient.HttpClient,
  Effect.map(
    HttpClient.HttpClient,
    (client) =>
      HttpClient.transform(client, (effect, request) =>
        Effect.gen(function*() {
          const response = yield* effect
          if (!request.url.endsWith("/token")) return response
          const body = yield* response.json
          if (typeof body !== "object" || body === null || !("id_token" in body) || typeof body.id_token !== "string") {
            return response
          }
          const [header, payload, signature] = body.id_token.split(".")
          const claims = Buffer.from(payload ?? "", "base64url").toString("utf8")
          const forged = Buffer.from(claims.replace(/"sub":"[^"]*"/, `"sub":"mallory"`)).toString("base64url")
          const text = JSON.stringify({ ...body, id_token: `${header}.${forged}.${signature}` })
          return HttpClientResponse.fromWeb(
            request,
            new Response(text, { status: response.status, headers: { "content-type": "application/json" } })
          )
        }))
  )
).pipe(Layer.provide(FetchHttpClient.layer))

const reasonOf = <A>(effect: Effect.Effect<A, OAuthClient.OAuthProviderError>) =>
  Effect.map(Effect.flip(effect), (error) => error.reason)

/** Authorization URL → provider login and consent → the callback's parameters. */
const signIn = Effect.fn(function*(client: OAuthClient.OAuthClient, login: string) {
  const verifier = random()
  const state = random()
  const nonce = random()
  const url = yield* client.authorizationUrl({
    redirectUri: TestProvider.redirectUri,
    state,
    codeVerifier: Redacted.make(verifier),
    nonce
  })
  const callback = yield* Effect.promise(() => TestProvider.authorize(url, login))
  return { url: new URL(url), callback: callback.searchParams, verifier, state, nonce }
})

const exchangeOf = (flow: { callback: URLSearchParams; verifier: string; nonce: string }) => ({
  code: flow.callback.get("code") ?? "",
  iss: flow.callback.get("iss") ?? undefined,
  redirectUri: TestProvider.redirectUri,
  codeVerifier: Redacted.make(flow.verifier),
  nonce: flow.nonce
})

describe("OpenIdClient against oidc-provider", () => {
  it.live("authorization code flow: authorize, provider login and consent, exchange, userinfo profile", () =>
    Effect.gen(function*() {
      const client = yield* makeClient(provider.issuer)
      const flow = yield* signIn(client, "alice")
      // The URL carries FastAPI Users' parameters, PKCE S256 of the verifier (never the verifier) and the nonce.
      const query = flow.url.searchParams
      assert.strictEqual(`${flow.url.origin}${flow.url.pathname}`, `${provider.issuer}/auth`)
      assert.deepStrictEqual(
        [...query.keys()],
        [
          "response_type",
          "client_id",
          "redirect_uri",
          "state",
          "scope",
          "code_challenge",
          "code_challenge_method",
          "nonce"
        ]
      )
      assert.strictEqual(query.get("scope"), "openid email")
      assert.strictEqual(query.get("code_challenge"), s256(flow.verifier))
      assert.strictEqual(query.get("code_challenge_method"), "S256")
      assert.notInclude(flow.url.href, flow.verifier)
      // The provider echoes the state and names itself (RFC 9207).
      assert.strictEqual(flow.callback.get("state"), flow.state)
      assert.strictEqual(flow.callback.get("iss"), provider.issuer)

      const before = Math.floor((yield* Clock.currentTimeMillis) / 1000)
      const tokens = yield* client.exchange(exchangeOf(flow))
      assert.strictEqual(tokens.tokenType.toLowerCase(), "bearer")
      assert.isTrue(Redacted.value(tokens.accessToken).length > 0)
      assert.isNotNull(tokens.expiresAt)
      assert.isTrue((tokens.expiresAt ?? 0) > before)
      const claims = Option.getOrThrow(tokens.idToken)
      assert.strictEqual(claims.nonce, flow.nonce)
      assert.strictEqual(claims.sub, "alice")
      assert.strictEqual(claims.iss, provider.issuer)

      const profile = yield* client.profile(tokens)
      assert.strictEqual(profile.accountId, "alice")
      assert.deepStrictEqual(profile.accountEmail, Option.some("alice@example.com"))

      // The domain input built from it.
      const callback = OAuthClient.toCallback(client, tokens, { accountId: "alice", accountEmail: "alice@example.com" })
      assert.strictEqual(callback.oauthName, "openid")
      assert.strictEqual(callback.accessToken, Redacted.value(tokens.accessToken))
      assert.strictEqual(callback.expiresAt, tokens.expiresAt)
    }))

  it.live("discovery is requested once per client", () =>
    Effect.gen(function*() {
      const client = yield* makeClient(provider.issuer)
      const count = () => provider.requests.filter((p) => p === "/.well-known/openid-configuration").length
      const start = count()
      yield* signIn(client, "dora")
      yield* signIn(client, "dora")
      assert.strictEqual(count() - start, 1)
    }))

  it.live("the profile from the ID token: no userinfo request", () =>
    Effect.gen(function*() {
      const client = yield* makeClient(idTokenProvider.issuer, { profileFrom: "idToken" })
      const flow = yield* signIn(client, "bob")
      const tokens = yield* client.exchange(exchangeOf(flow))
      const userinfo = idTokenProvider.requests.filter((p) => p === "/me").length
      const profile = yield* client.profile(tokens)
      assert.deepStrictEqual(profile, { accountId: "bob", accountEmail: Option.some("bob@example.com") })
      assert.strictEqual(idTokenProvider.requests.filter((p) => p === "/me").length, userinfo)
    }))

  it.live("an ID token without e-mail gives no account e-mail", () =>
    Effect.gen(function*() {
      // This provider keeps the e-mail for the userinfo endpoint (conformIdTokenClaims).
      const client = yield* makeClient(provider.issuer, { profileFrom: "idToken" })
      const flow = yield* signIn(client, "carol")
      const profile = yield* client.profile(yield* client.exchange(exchangeOf(flow)))
      assert.deepStrictEqual(profile, { accountId: "carol", accountEmail: Option.none() })
    }))

  it.live("a wrong nonce is refused (InvalidResponse, not infrastructure)", () =>
    Effect.gen(function*() {
      const client = yield* makeClient(provider.issuer)
      const flow = yield* signIn(client, "alice")
      const error = yield* Effect.flip(client.exchange({ ...exchangeOf(flow), nonce: random() }))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
      assert.isFalse(isInfrastructureError(error))
      // No nonce expected but the ID token carries one: refused too.
      const again = yield* signIn(client, "alice")
      const missing = yield* reasonOf(client.exchange({ ...exchangeOf(again), nonce: undefined }))
      assert.strictEqual(missing._tag, "InvalidResponse")
    }))

  it.live("an ID token whose signature does not match its claims is refused", () =>
    Effect.gen(function*() {
      const client = yield* OpenIdClient.make({
        name: "openid",
        issuer: provider.issuer,
        clientId: TestProvider.clientId,
        clientSecret: Redacted.make(TestProvider.clientSecret),
        allowInsecureRequests: true
      }).pipe(Effect.provide(forgingIdTokens))
      const flow = yield* signIn(client, "alice")
      const error = yield* Effect.flip(client.exchange(exchangeOf(flow)))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
      assert.include(error.message.toLowerCase(), "signature")
    }))

  it.live("a wrong or missing iss is refused before the token endpoint is called", () =>
    Effect.gen(function*() {
      const client = yield* makeClient(provider.issuer)
      const flow = yield* signIn(client, "alice")
      const tokenCalls = () => provider.requests.filter((p) => p === "/token").length
      const before = tokenCalls()
      const wrong = yield* reasonOf(client.exchange({ ...exchangeOf(flow), iss: "http://127.0.0.1:1" }))
      assert.strictEqual(wrong._tag, "InvalidResponse")
      // oidc-provider advertises authorization_response_iss_parameter_supported: iss is required.
      const missing = yield* reasonOf(client.exchange({ ...exchangeOf(flow), iss: undefined }))
      assert.strictEqual(missing._tag, "InvalidResponse")
      assert.strictEqual(tokenCalls(), before)
      // The same code still works with the right iss.
      const tokens = yield* client.exchange(exchangeOf(flow))
      assert.isTrue(Option.isSome(tokens.idToken))
    }))

  it.live("the provider's error answer is a ProviderError: wrong verifier, replayed code", () =>
    Effect.gen(function*() {
      const client = yield* makeClient(provider.issuer)
      const flow = yield* signIn(client, "alice")
      const wrongVerifier = yield* reasonOf(
        client.exchange({ ...exchangeOf(flow), codeVerifier: Redacted.make(random()) })
      )
      assert.strictEqual(wrongVerifier._tag, "ProviderError")
      if (wrongVerifier._tag === "ProviderError") {
        assert.strictEqual(wrongVerifier.error, "invalid_grant")
        assert.strictEqual(wrongVerifier.status, 400)
      }
      const second = yield* signIn(client, "alice")
      yield* client.exchange(exchangeOf(second))
      const replayed = yield* Effect.flip(client.exchange(exchangeOf(second)))
      assert.strictEqual(replayed.reason._tag, "ProviderError")
      assert.isFalse(isInfrastructureError(replayed))
      assert.include(replayed.message, "invalid_grant")
    }))

  it.live("a wrong client secret is a ProviderError (invalid_client)", () =>
    Effect.gen(function*() {
      const client = yield* makeClient(provider.issuer, { clientSecret: Redacted.make("wrong") })
      const flow = yield* signIn(client, "alice")
      const reason = yield* reasonOf(client.exchange(exchangeOf(flow)))
      assert.strictEqual(reason._tag, "ProviderError")
      if (reason._tag === "ProviderError") assert.strictEqual(reason.error, "invalid_client")
    }))

  it.live("a revoked or unknown access token at userinfo is a ProviderError", () =>
    Effect.gen(function*() {
      const client = yield* makeClient(provider.issuer)
      const flow = yield* signIn(client, "alice")
      const tokens = yield* client.exchange(exchangeOf(flow))
      const reason = yield* reasonOf(client.profile({ ...tokens, accessToken: Redacted.make(random()) }))
      assert.strictEqual(reason._tag, "ProviderError")
      if (reason._tag === "ProviderError") assert.strictEqual(reason.error, "invalid_token")
    }))
})

describe("OpenIdClient outages", () => {
  it.live("a stopped provider: Unreachable at once, with the infrastructure mark", () =>
    Effect.gen(function*() {
      const stopped = yield* Effect.promise(() => TestProvider.start())
      const client = yield* makeClient(stopped.issuer)
      const flow = yield* signIn(client, "alice")
      yield* Effect.promise(() => stopped.stop())
      const started = yield* Clock.currentTimeMillis
      // Discovery is cached: the token endpoint itself is unreachable.
      const error = yield* Effect.flip(client.exchange(exchangeOf(flow)))
      assert.strictEqual(error.reason._tag, "Unreachable")
      assert.isTrue(isInfrastructureError(error))
      assert.isBelow((yield* Clock.currentTimeMillis) - started, 5_000)
      // A client that never reached it fails on discovery.
      const fresh = yield* makeClient(stopped.issuer)
      const discovery = yield* reasonOf(
        fresh.authorizationUrl({
          redirectUri: TestProvider.redirectUri,
          state: "s",
          codeVerifier: Redacted.make(random())
        })
      )
      assert.strictEqual(discovery._tag, "Unreachable")
      assert.strictEqual(discovery.operation, "discovery")
    }))

  it.live("a frozen provider: Unreachable within the time limit", () =>
    Effect.gen(function*() {
      const server = yield* Effect.promise(() => TestProvider.frozen())
      const client = yield* makeClient(server.url, { timeout: "300 millis" })
      const started = yield* Clock.currentTimeMillis
      const error = yield* Effect.flip(
        client.authorizationUrl({
          redirectUri: TestProvider.redirectUri,
          state: "s",
          codeVerifier: Redacted.make(random())
        })
      )
      const elapsed = (yield* Clock.currentTimeMillis) - started
      yield* Effect.promise(() => server.stop())
      assert.strictEqual(error.reason._tag, "Unreachable")
      assert.isTrue(isInfrastructureError(error))
      assert.isAtLeast(elapsed, 250)
      assert.isBelow(elapsed, 2_000)
    }))

  it.live("a failed discovery is not cached: the client recovers when the provider is back", () =>
    Effect.gen(function*() {
      const url = yield* Effect.promise(() => TestProvider.closedPort())
      const client = yield* makeClient(url)
      const request = { redirectUri: TestProvider.redirectUri, state: "s", codeVerifier: Redacted.make(random()) }
      assert.strictEqual((yield* reasonOf(client.authorizationUrl(request)))._tag, "Unreachable")
      // The provider comes up on that port: the same client now discovers it.
      const back = yield* Effect.promise(() => TestProvider.start({ port: Number(new URL(url).port) }))
      const authorizationUrl = yield* client.authorizationUrl(request).pipe(Effect.ensuring(Effect.promise(back.stop)))
      assert.isTrue(authorizationUrl.startsWith(`${url}/auth?`))
    }))
})

describe("OAuthProviderError", () => {
  it("carries the infrastructure mark exactly when the provider is unreachable", () => {
    const unreachable = new OAuthClient.OAuthProviderError({
      provider: "p",
      reason: new OAuthClient.Unreachable({ operation: "exchange", cause: new Error("ECONNREFUSED") })
    })
    const invalid = new OAuthClient.OAuthProviderError({
      provider: "p",
      reason: new OAuthClient.InvalidResponse({ operation: "exchange", cause: "bad" })
    })
    const refused = new OAuthClient.OAuthProviderError({
      provider: "p",
      reason: new OAuthClient.ProviderError({
        operation: "exchange",
        error: "invalid_grant",
        description: "grant request is invalid",
        status: 400
      })
    })
    assert.isTrue(isInfrastructureError(unreachable))
    assert.isFalse(isInfrastructureError(invalid))
    assert.isFalse(isInfrastructureError(refused))
    assert.strictEqual(refused.message, "p exchange: ProviderError: invalid_grant (grant request is invalid)")
    assert.strictEqual(unreachable.message, "p exchange: Unreachable: ECONNREFUSED")
  })

  it.effect("catchReason handles one reason", () =>
    Effect.gen(function*() {
      const failing = Effect.fail(
        new OAuthClient.OAuthProviderError({
          provider: "p",
          reason: new OAuthClient.Unreachable({ operation: "discovery", cause: "down" })
        })
      )
      const handled = yield* failing.pipe(
        Effect.catchReason("OAuthProviderError", "Unreachable", (reason) => Effect.succeed(reason.operation))
      )
      assert.strictEqual(handled, "discovery")
    }))
})
