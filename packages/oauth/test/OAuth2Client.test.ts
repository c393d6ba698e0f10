/**
 * OAuth2Client against a local fake provider: the port's conformance suite with a profile mapper reading a userinfo
 * route, then what the generic client adds (issuer and RFC 9207, extra parameters, the scope separator, revocation,
 * a profile answer the mapper refuses, a profile API that is down).
 */
import * as OAuth2Client from "@effect-users/oauth/OAuth2Client"
import * as OAuthClientConformance from "@effect-users/testing/OAuthClientConformance"
import * as TestProvider from "@effect-users/testing/OidcProvider"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, Redacted, Schema } from "effect"
import { FetchHttpClient } from "effect/http"
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll } from "vitest"
import * as Fake from "./fakeProvider.ts"

const UserInfo = Schema.Struct({ sub: Schema.String, email: Schema.optional(Schema.String) })

let fake: Fake.Fake
let frozen: { readonly url: string; readonly stop: () => Promise<void> }
let down: string
beforeAll(async () => {
  fake = await Fake.start({
    clientAuthentication: "client_secret_basic",
    authorizePath: "/authorize",
    tokenPath: "/token",
    revokePath: "/revoke",
    routes: {
      "/userinfo": (login) =>
        login === "outage"
          ? { status: 503, body: { error: "temporarily_unavailable" } }
          : login === "malformed"
          ? { body: { id: 42 } }
          : login === "huge"
          ? { body: { sub: "x".repeat(2 * 1_048_576) } }
          : login === "huge-chunked"
          ? { body: { sub: "x".repeat(2 * 1_048_576) }, headers: { "transfer-encoding": "chunked" } }
          : { body: { sub: `sub-${login}`, email: `${login}@example.com` } }
    }
  })
  frozen = await TestProvider.frozen()
  down = await TestProvider.closedPort()
})
afterAll(async () => {
  await fake.stop()
  await frozen.stop()
})

const make = (root: () => string, options: Partial<OAuth2Client.Options> = {}) =>
  Effect.suspend(() =>
    OAuth2Client.make({
      name: "plain",
      clientId: Fake.clientId,
      clientSecret: Redacted.make(Fake.clientSecret),
      authorizationEndpoint: `${root()}/authorize`,
      tokenEndpoint: `${root()}/token`,
      revocationEndpoint: `${root()}/revoke`,
      clientAuthentication: "client_secret_basic",
      scopes: ["read", "email"],
      allowInsecureRequests: true,
      profile: Effect.fnUntraced(function*({ get }) {
        const info = yield* get(`${root()}/userinfo`, UserInfo)
        return { accountId: info.sub, accountEmail: Option.fromNullishOr(info.email) }
      }),
      ...options
    })
  ).pipe(Effect.provide(FetchHttpClient.layer))

OAuthClientConformance.suite("OAuth2Client", {
  client: make(() => fake.url),
  unreachable: make(() => down),
  frozen: make(() => frozen.url, { timeout: "500 millis" }),
  redirectUri: Fake.redirectUri,
  signIn: (url, login) => fake.signIn(url, login),
  profileOf: (login) => ({ accountId: `sub-${login}`, accountEmail: Option.some(`${login}@example.com`) }),
  scope: "read email",
  sendsIss: false,
  openId: false
})

const authorize = Effect.fn(function*(client: OAuth2Client.OAuth2Client, login: string) {
  const codeVerifier = Redacted.make(randomBytes(32).toString("base64url"))
  const url = yield* client.authorizationUrl({ redirectUri: Fake.redirectUri, state: "s", codeVerifier })
  const callback = yield* Effect.promise(() => fake.signIn(url, login))
  return { url: new URL(url), code: callback.searchParams.get("code") ?? "", codeVerifier }
})

describe("OAuth2Client", () => {
  it.live("extra authorization parameters and the scope separator shape the URL; no nonce is sent", () =>
    Effect.gen(function*() {
      const client = yield* make(() => fake.url, {
        scopeSeparator: ",",
        authorizationParams: { response_mode: "query" }
      })
      const url = new URL(
        yield* client.authorizationUrl({
          redirectUri: Fake.redirectUri,
          state: "s",
          codeVerifier: Redacted.make(randomBytes(32).toString("base64url")),
          nonce: "n"
        })
      )
      assert.strictEqual(url.searchParams.get("scope"), "read,email")
      assert.strictEqual(url.searchParams.get("response_mode"), "query")
      assert.isNull(url.searchParams.get("nonce"))
    }))

  it.live("with an issuer that requires iss, a callback without it is refused before the token endpoint", () =>
    Effect.gen(function*() {
      const client = yield* make(() => fake.url, { issuer: "https://issuer.example", requireIss: true })
      const { code, codeVerifier } = yield* authorize(client, "iss")
      const before = fake.requests.filter((request) => request.path === "/token").length
      const missing = yield* Effect.flip(client.exchange({ code, codeVerifier, redirectUri: Fake.redirectUri }))
      assert.strictEqual(missing.reason._tag, "InvalidResponse")
      const foreign = yield* Effect.flip(
        client.exchange({ code, codeVerifier, redirectUri: Fake.redirectUri, iss: "https://attacker.example" })
      )
      assert.strictEqual(foreign.reason._tag, "InvalidResponse")
      assert.strictEqual(fake.requests.filter((request) => request.path === "/token").length, before)
      const tokens = yield* client.exchange({
        code,
        codeVerifier,
        redirectUri: Fake.redirectUri,
        iss: "https://issuer.example"
      })
      assert.strictEqual((yield* client.profile(tokens)).accountId, "sub-iss")
    }))

  it.live("the tokens carry the lifetime and the granted scope", () =>
    Effect.gen(function*() {
      const client = yield* make(() => fake.url)
      const { code, codeVerifier } = yield* authorize(client, "tokens")
      const tokens = yield* client.exchange({ code, codeVerifier, redirectUri: Fake.redirectUri })
      assert.strictEqual(tokens.tokenType, "bearer")
      assert.isNotNull(tokens.expiresAt)
      assert.deepStrictEqual(tokens.scope, Option.some("read email"))
      assert.isTrue(Option.isNone(tokens.idToken))
    }))

  it.live("revoke sends the access token to the revocation endpoint; without one it is InvalidResponse", () =>
    Effect.gen(function*() {
      const client = yield* make(() => fake.url)
      const { code, codeVerifier } = yield* authorize(client, "revoke")
      const tokens = yield* client.exchange({ code, codeVerifier, redirectUri: Fake.redirectUri })
      yield* client.revoke(tokens)
      assert.include(fake.revoked, Redacted.value(tokens.accessToken))
      const without = yield* make(() => fake.url, { revocationEndpoint: undefined })
      const error = yield* Effect.flip(without.revoke(tokens))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
    }))

  it.live("a profile answer the mapper's schema refuses is InvalidResponse", () =>
    Effect.gen(function*() {
      const client = yield* make(() => fake.url)
      const { code, codeVerifier } = yield* authorize(client, "malformed")
      const tokens = yield* client.exchange({ code, codeVerifier, redirectUri: Fake.redirectUri })
      const error = yield* Effect.flip(client.profile(tokens))
      assert.strictEqual(error.reason._tag, "InvalidResponse")
      assert.strictEqual(error.reason.operation, "profile")
    }))

  it.live("an answer over 1 MiB is not read: InvalidResponse, declared or streamed", () =>
    Effect.gen(function*() {
      const client = yield* make(() => fake.url)
      for (const login of ["huge", "huge-chunked"]) {
        const { code, codeVerifier } = yield* authorize(client, login)
        const tokens = yield* client.exchange({ code, codeVerifier, redirectUri: Fake.redirectUri })
        const error = yield* Effect.flip(client.profile(tokens))
        assert.strictEqual(error.reason._tag, "InvalidResponse", login)
        assert.include(error.message, "exceeds 1048576 bytes", login)
      }
    }))

  it.live("a profile API answering 503 is Unreachable", () =>
    Effect.gen(function*() {
      const client = yield* make(() => fake.url)
      const { code, codeVerifier } = yield* authorize(client, "outage")
      const tokens = yield* client.exchange({ code, codeVerifier, redirectUri: Fake.redirectUri })
      const error = yield* Effect.flip(client.profile(tokens))
      assert.strictEqual(error.reason._tag, "Unreachable")
    }))
})
