/**
 * The contract of the `OAuthClient` port, as a suite any implementation can run against a provider it drives (to move
 * to `@effect-users/testing` with the presets).
 */
import { isInfrastructureError } from "@effect-users/core/Infrastructure"
import type * as OAuthClient from "@effect-users/oauth/OAuthClient"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, Redacted } from "effect"
import { createHash, randomBytes } from "node:crypto"

export interface Harness {
  /** A client of a provider that is up. */
  readonly client: Effect.Effect<OAuthClient.OAuthClient>
  /** A client of a provider that cannot be reached. */
  readonly unreachable: Effect.Effect<OAuthClient.OAuthClient>
  /** The redirect URI registered at the provider. */
  readonly redirectUri: string
  /** Follows an authorization URL through the provider's login as `login`; the callback URL. */
  readonly signIn: (authorizationUrl: string, login: string) => Promise<URL>
  /** Whether the provider sends `iss` on the authorization response (RFC 9207). */
  readonly sendsIss: boolean
}

const random = () => randomBytes(32).toString("base64url")

export const conformance = (name: string, harness: Harness) =>
  describe(`OAuthClient conformance: ${name}`, () => {
    const flow = Effect.fn(function*(client: OAuthClient.OAuthClient, login: string) {
      const verifier = random()
      const state = random()
      const nonce = random()
      const url = new URL(
        yield* client.authorizationUrl({
          redirectUri: harness.redirectUri,
          state,
          codeVerifier: Redacted.make(verifier),
          nonce
        })
      )
      const callback = (yield* Effect.promise(() => harness.signIn(url.href, login))).searchParams
      const exchange = {
        code: callback.get("code") ?? "",
        iss: callback.get("iss") ?? undefined,
        redirectUri: harness.redirectUri,
        codeVerifier: Redacted.make(verifier),
        nonce
      }
      return { url, callback, verifier, state, nonce, exchange }
    })

    it.live("the authorization URL carries state, redirect_uri, the S256 challenge and the nonce, not the verifier", () =>
      Effect.gen(function*() {
        const { url, verifier, state, nonce, callback } = yield* flow(yield* harness.client, "conformance")
        assert.strictEqual(url.searchParams.get("response_type"), "code")
        assert.strictEqual(url.searchParams.get("state"), state)
        assert.strictEqual(url.searchParams.get("redirect_uri"), harness.redirectUri)
        assert.strictEqual(url.searchParams.get("code_challenge_method"), "S256")
        assert.strictEqual(
          url.searchParams.get("code_challenge"),
          createHash("sha256").update(verifier).digest("base64url")
        )
        assert.strictEqual(url.searchParams.get("nonce"), nonce)
        assert.notInclude(url.href, verifier)
        assert.strictEqual(callback.get("state"), state)
        if (harness.sendsIss) assert.isNotNull(callback.get("iss"))
      }))

    it.live("the code is exchanged and the profile maps a stable account id", () =>
      Effect.gen(function*() {
        const client = yield* harness.client
        const first = yield* flow(client, "conformance")
        const profile = yield* client.profile(yield* client.exchange(first.exchange))
        assert.isAbove(profile.accountId.length, 0)
        assert.isTrue(Option.isSome(profile.accountEmail))
        const second = yield* flow(client, "conformance")
        const again = yield* client.profile(yield* client.exchange(second.exchange))
        assert.strictEqual(again.accountId, profile.accountId)
      }))

    it.live("a wrong nonce is InvalidResponse", () =>
      Effect.gen(function*() {
        const client = yield* harness.client
        const { exchange } = yield* flow(client, "conformance")
        const error = yield* Effect.flip(client.exchange({ ...exchange, nonce: random() }))
        assert.strictEqual(error.reason._tag, "InvalidResponse")
        assert.isFalse(isInfrastructureError(error))
      }))

    it.live("a foreign iss is InvalidResponse", () =>
      Effect.gen(function*() {
        const client = yield* harness.client
        const { exchange } = yield* flow(client, "conformance")
        const error = yield* Effect.flip(client.exchange({ ...exchange, iss: "https://attacker.example" }))
        assert.strictEqual(error.reason._tag, "InvalidResponse")
      }))

    it.live("a wrong verifier is the provider's invalid_grant", () =>
      Effect.gen(function*() {
        const client = yield* harness.client
        const { exchange } = yield* flow(client, "conformance")
        const error = yield* Effect.flip(client.exchange({ ...exchange, codeVerifier: Redacted.make(random()) }))
        assert.strictEqual(error.reason._tag, "ProviderError")
        if (error.reason._tag === "ProviderError") assert.strictEqual(error.reason.error, "invalid_grant")
        assert.isFalse(isInfrastructureError(error))
      }))

    it.live("an unreachable provider is Unreachable, an infrastructure error", () =>
      Effect.gen(function*() {
        const client = yield* harness.unreachable
        const error = yield* Effect.flip(
          client.authorizationUrl({
            redirectUri: harness.redirectUri,
            state: "s",
            codeVerifier: Redacted.make(random())
          })
        )
        assert.strictEqual(error.reason._tag, "Unreachable")
        assert.isTrue(isInfrastructureError(error))
        assert.strictEqual(error.provider, client.name)
      }))
  })
