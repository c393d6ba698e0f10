/**
 * The conformance suite of the `OAuthClient` port, run by every client and preset of `@effect-users/oauth` against a
 * provider it drives (a real OpenID provider, or a local fake of a provider's endpoints): PKCE S256 sent and checked
 * by the provider, state echoed, `iss` and `nonce` enforced, the account id and e-mail mapped, an unreachable or
 * frozen provider the port's `Unreachable` reason within a bound.
 *
 * @since 0.0.0
 */
import { isInfrastructureError } from "@effect-users/core/Infrastructure"
import type * as OAuthClient from "@effect-users/oauth/OAuthClient"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Option, Redacted } from "effect"
import { createHash, randomBytes } from "node:crypto"

/**
 * What the suite needs of the provider under test.
 *
 * - `client`: a client of the provider, which is up; `unreachable`: one whose provider refuses connections;
 *   `frozen`: one whose provider accepts connections and never answers, configured with a timeout under 2 s;
 * - `redirectUri`: the redirect URI registered at the provider;
 * - `signIn`: follows an authorization URL through the provider's login as `login`, to the callback URL;
 * - `profileOf`: the account id and e-mail the provider's account `login` must map to;
 * - `scope`: the `scope` parameter the client sends when no scopes are given;
 * - `sendsIss`: the provider sends `iss` on the authorization response (RFC 9207);
 * - `openId`: an OpenID Connect client (the nonce is sent, and checked in the ID token).
 *
 * @since 0.0.0
 * @category models
 */
export interface Harness {
  readonly client: Effect.Effect<OAuthClient.OAuthClient>
  readonly unreachable: Effect.Effect<OAuthClient.OAuthClient>
  readonly frozen: Effect.Effect<OAuthClient.OAuthClient>
  readonly redirectUri: string
  readonly signIn: (authorizationUrl: string, login: string) => Promise<URL>
  readonly profileOf: (login: string) => OAuthClient.OAuthProfile
  readonly scope: string
  readonly sendsIss: boolean
  readonly openId: boolean
}

const random = () => randomBytes(32).toString("base64url")
const s256 = (verifier: string) => createHash("sha256").update(verifier).digest("base64url")

const reasonOf = <A>(effect: Effect.Effect<A, OAuthClient.OAuthProviderError>) =>
  Effect.map(Effect.flip(effect), (error) => ({ error, reason: error.reason }))

/**
 * Registers the `OAuthClient` conformance suite as one `describe` block named `name`.
 *
 * @since 0.0.0
 * @category constructors
 */
export const suite = (name: string, harness: Harness): void => {
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

    it.live("the authorization URL carries state, redirect_uri, scope and the S256 challenge, never the verifier", () =>
      Effect.gen(function*() {
        const client = yield* harness.client
        const { url, verifier, state, nonce, callback } = yield* flow(client, "conformance")
        assert.strictEqual(url.searchParams.get("response_type"), "code")
        assert.strictEqual(url.searchParams.get("state"), state)
        assert.strictEqual(url.searchParams.get("redirect_uri"), harness.redirectUri)
        assert.strictEqual(url.searchParams.get("scope"), harness.scope)
        assert.strictEqual(url.searchParams.get("code_challenge_method"), "S256")
        assert.strictEqual(url.searchParams.get("code_challenge"), s256(verifier))
        assert.strictEqual(url.searchParams.get("nonce"), harness.openId ? nonce : null)
        assert.notInclude(url.href, verifier)
        assert.strictEqual(callback.get("state"), state)
        if (harness.sendsIss) assert.isNotNull(callback.get("iss"))
      }))

    it.live("given scopes replace the base scopes", () =>
      Effect.gen(function*() {
        const client = yield* harness.client
        const url = new URL(
          yield* client.authorizationUrl({
            redirectUri: harness.redirectUri,
            state: random(),
            codeVerifier: Redacted.make(random()),
            scopes: ["conformance-scope"]
          })
        )
        const scope = url.searchParams.get("scope") ?? ""
        assert.include(scope.split(/[ ,]/), "conformance-scope")
        assert.notStrictEqual(scope, harness.scope)
      }))

    it.live("the code is exchanged and the profile maps the account id and e-mail, stable across logins", () =>
      Effect.gen(function*() {
        const client = yield* harness.client
        const first = yield* flow(client, "conformance")
        const tokens = yield* client.exchange(first.exchange)
        assert.isAbove(Redacted.value(tokens.accessToken).length, 0)
        assert.strictEqual(Option.isSome(tokens.idToken), harness.openId)
        const profile = yield* client.profile(tokens)
        const expected = harness.profileOf("conformance")
        assert.strictEqual(profile.accountId, expected.accountId)
        assert.deepStrictEqual(profile.accountEmail, expected.accountEmail)
        const second = yield* flow(client, "conformance")
        const again = yield* client.profile(yield* client.exchange(second.exchange))
        assert.strictEqual(again.accountId, profile.accountId)
        const other = yield* flow(client, "conformance-other")
        const otherProfile = yield* client.profile(yield* client.exchange(other.exchange))
        assert.notStrictEqual(otherProfile.accountId, profile.accountId)
      }))

    if (harness.openId) {
      it.live("a wrong nonce is InvalidResponse", () =>
        Effect.gen(function*() {
          const client = yield* harness.client
          const { exchange } = yield* flow(client, "conformance")
          const { error, reason } = yield* reasonOf(client.exchange({ ...exchange, nonce: random() }))
          assert.strictEqual(reason._tag, "InvalidResponse")
          assert.isFalse(isInfrastructureError(error))
        }))
    }

    it.live("a foreign iss is InvalidResponse", () =>
      Effect.gen(function*() {
        const client = yield* harness.client
        const { exchange } = yield* flow(client, "conformance")
        const { reason } = yield* reasonOf(client.exchange({ ...exchange, iss: "https://attacker.example" }))
        assert.strictEqual(reason._tag, "InvalidResponse")
      }))

    if (harness.sendsIss) {
      it.live("a missing iss is InvalidResponse when the provider sends one", () =>
        Effect.gen(function*() {
          const client = yield* harness.client
          const { exchange } = yield* flow(client, "conformance")
          const { reason } = yield* reasonOf(client.exchange({ ...exchange, iss: undefined }))
          assert.strictEqual(reason._tag, "InvalidResponse")
        }))
    }

    it.live("a wrong verifier is the provider's invalid_grant (the provider checks PKCE)", () =>
      Effect.gen(function*() {
        const client = yield* harness.client
        const { exchange } = yield* flow(client, "conformance")
        const { error, reason } = yield* reasonOf(
          client.exchange({ ...exchange, codeVerifier: Redacted.make(random()) })
        )
        assert.strictEqual(reason._tag, "ProviderError")
        if (reason._tag === "ProviderError") assert.strictEqual(reason.error, "invalid_grant")
        assert.isFalse(isInfrastructureError(error))
      }))

    it.live("an unreachable provider is Unreachable, an infrastructure error", () =>
      Effect.gen(function*() {
        const client = yield* harness.unreachable
        const { error, reason } = yield* reasonOf(client.exchange({
          code: random(),
          redirectUri: harness.redirectUri,
          codeVerifier: Redacted.make(random())
        }))
        assert.strictEqual(reason._tag, "Unreachable")
        assert.isTrue(isInfrastructureError(error))
        assert.strictEqual(error.provider, client.name)
      }))

    it.live("a frozen provider is Unreachable within the client's timeout", () =>
      Effect.gen(function*() {
        const client = yield* harness.frozen
        const [elapsed, { reason }] = yield* Effect.timed(reasonOf(client.exchange({
          code: random(),
          redirectUri: harness.redirectUri,
          codeVerifier: Redacted.make(random())
        })))
        assert.strictEqual(reason._tag, "Unreachable")
        assert.isBelow(Duration.toMillis(elapsed), 3000)
      }))
  })
}
