/**
 * Every preset runs the port's conformance suite: the OAuth 2.0 presets against a local fake of their provider's
 * endpoints (its paths, client authentication method and response shapes), the OpenID Connect presets against
 * oidc-provider; then each preset's own mapping (the account without an e-mail, the unverified address, the
 * provider's error answers).
 */
import type * as OAuthClient from "@effect-users/oauth/OAuthClient"
import * as OAuthProviders from "@effect-users/oauth/OAuthProviders"
import * as OAuthClientConformance from "@effect-users/testing/OAuthClientConformance"
import * as TestProvider from "@effect-users/testing/OidcProvider"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll } from "vitest"
import * as Fake from "./fakeProvider.ts"

type Make = (
  root: string,
  options: OAuthProviders.PresetOptions,
  clientSecret?: Redacted.Redacted<string>
) => OAuthProviders.Preset

interface Spec {
  readonly name: string
  readonly fake: Fake.FakeOptions
  readonly make: Make
  readonly scope: string
  readonly profileOf: (login: string) => OAuthClient.OAuthProfile
  /** Logins whose account has no usable e-mail at this provider. */
  readonly withoutEmail: ReadonlyArray<string>
  /** Parameters of the provider's own the authorization URL must carry. */
  readonly authorizationParams?: Readonly<Record<string, string>>
}

const secret = Redacted.make(Fake.clientSecret)
const email = (login: string, domain = "example.com") => `${login}@${domain}`
const noEmail = (login: string) => login === "noemail" || login === "unverified"

const specs: ReadonlyArray<Spec> = [
  {
    name: "github",
    fake: {
      clientAuthentication: "client_secret_post",
      authorizePath: "/login/oauth/authorize",
      tokenPath: "/login/oauth/access_token",
      errorsWith200: true,
      routes: {
        // Only `conformance` has a public address; the others' come from /user/emails.
        "/api/user": (login) => ({
          body: { login, id: Fake.numericId(login), email: login === "conformance" ? email(login) : null }
        }),
        "/api/user/emails": (login) => ({
          body: login === "noemail" ? [] : [
            { email: email(login, "old.example"), primary: false, verified: true, visibility: null },
            {
              email: email(login, "private.example"),
              primary: true,
              verified: login !== "unverified",
              visibility: "private"
            }
          ]
        })
      }
    },
    make: (root, options, clientSecret = secret) =>
      OAuthProviders.github(Fake.clientId, clientSecret, { ...options, baseUrl: root, apiUrl: `${root}/api` }),
    scope: "user user:email",
    profileOf: (login) => ({
      accountId: String(Fake.numericId(login)),
      accountEmail: noEmail(login)
        ? Option.none()
        : Option.some(login === "conformance" ? email(login) : email(login, "private.example"))
    }),
    withoutEmail: ["noemail", "unverified"]
  },
  {
    name: "microsoft",
    fake: {
      clientAuthentication: "client_secret_post",
      authorizePath: "/contoso/oauth2/v2.0/authorize",
      tokenPath: "/contoso/oauth2/v2.0/token",
      routes: {
        "/graph/v1.0/me": (login) => ({
          body: {
            id: `id-${login}`,
            displayName: login,
            mail: null,
            userPrincipalName: login === "noemail" ? null : email(login, "contoso.example")
          }
        })
      },
      unauthorized: { status: 401, body: { error: { code: "InvalidAuthenticationToken", message: "expired" } } }
    },
    make: (root, options, clientSecret = secret) =>
      OAuthProviders.microsoft(Fake.clientId, clientSecret, {
        ...options,
        tenant: "contoso",
        baseUrl: root,
        graphUrl: `${root}/graph`
      }),
    scope: "User.Read",
    authorizationParams: { response_mode: "query" },
    profileOf: (login) => ({
      accountId: `id-${login}`,
      accountEmail: login === "noemail" ? Option.none() : Option.some(email(login, "contoso.example"))
    }),
    withoutEmail: ["noemail"]
  },
  {
    name: "discord",
    fake: {
      clientAuthentication: "client_secret_basic",
      authorizePath: "/api/oauth2/authorize",
      tokenPath: "/api/oauth2/token",
      revokePath: "/api/oauth2/token/revoke",
      routes: {
        "/api/users/@me": (login) => ({
          body: {
            id: String(Fake.numericId(login)),
            username: login,
            email: login === "noemail" ? null : email(login),
            verified: login !== "unverified"
          }
        })
      },
      unauthorized: { status: 401, body: { message: "401: Unauthorized", code: 0 } }
    },
    make: (root, options, clientSecret = secret) =>
      OAuthProviders.discord(Fake.clientId, clientSecret, { ...options, baseUrl: `${root}/api` }),
    scope: "identify email",
    profileOf: (login) => ({
      accountId: String(Fake.numericId(login)),
      accountEmail: noEmail(login) ? Option.none() : Option.some(email(login))
    }),
    withoutEmail: ["noemail", "unverified"]
  },
  {
    name: "facebook",
    fake: {
      clientAuthentication: "client_secret_post",
      authorizePath: "/v5.0/dialog/oauth",
      tokenPath: "/graph/v5.0/oauth/access_token",
      routes: {
        // Graph answers only the fields asked for.
        "/graph/v5.0/me": (login, query) => {
          const fields = (query.get("fields") ?? "").split(",")
          return {
            body: {
              id: String(Fake.numericId(login)),
              ...(fields.includes("email") && login !== "noemail" ? { email: email(login) } : {})
            }
          }
        }
      },
      unauthorized: {
        status: 400,
        body: { error: { message: "Invalid OAuth access token.", type: "OAuthException", code: 190 } }
      }
    },
    make: (root, options, clientSecret = secret) =>
      OAuthProviders.facebook(Fake.clientId, clientSecret, { ...options, baseUrl: root, graphUrl: `${root}/graph` }),
    scope: "email public_profile",
    profileOf: (login) => ({
      accountId: String(Fake.numericId(login)),
      accountEmail: login === "noemail" ? Option.none() : Option.some(email(login))
    }),
    withoutEmail: ["noemail"]
  },
  {
    name: "reddit",
    fake: {
      clientAuthentication: "client_secret_basic",
      authorizePath: "/api/v1/authorize",
      tokenPath: "/api/v1/access_token",
      revokePath: "/api/v1/revoke_token",
      errorsWith200: true,
      routes: { "/oauth/api/v1/me": (login) => ({ body: { name: login, id: `t2_${login}`, verified: true } }) },
      unauthorized: { status: 401, body: { message: "Unauthorized", error: 401 } }
    },
    make: (root, options, clientSecret = secret) =>
      OAuthProviders.reddit(Fake.clientId, clientSecret, { ...options, baseUrl: root, apiUrl: `${root}/oauth` }),
    scope: "identity",
    profileOf: (login) => ({ accountId: login, accountEmail: Option.none() }),
    withoutEmail: ["noemail", "conformance"]
  },
  {
    name: "kakao",
    fake: {
      clientAuthentication: "client_secret_post",
      authorizePath: "/oauth/authorize",
      tokenPath: "/oauth/token",
      routes: {
        "/kapi/v2/user/me": (login, query) => ({
          body: {
            id: Fake.numericId(login),
            connected_at: "2026-01-01T00:00:00Z",
            kakao_account: query.get("property_keys")?.includes("kakao_account.email") === true && login !== "noemail"
              ? { has_email: true, email: email(login) }
              : { has_email: false }
          }
        })
      }
    },
    make: (root, options, clientSecret = secret) =>
      OAuthProviders.kakao(Fake.clientId, clientSecret, { ...options, baseUrl: root, apiUrl: `${root}/kapi` }),
    scope: "profile_nickname account_email",
    profileOf: (login) => ({
      accountId: String(Fake.numericId(login)),
      accountEmail: login === "noemail" ? Option.none() : Option.some(email(login))
    }),
    withoutEmail: ["noemail"]
  },
  {
    name: "naver",
    fake: {
      clientAuthentication: "client_secret_post",
      authorizePath: "/oauth2.0/authorize",
      tokenPath: "/oauth2.0/token",
      routes: {
        "/openapi/v1/nid/me": (login) => ({
          body: {
            resultcode: "00",
            message: "success",
            response: { id: `naver-${login}`, ...(login === "noemail" ? {} : { email: email(login) }) }
          }
        })
      }
    },
    make: (root, options, clientSecret = secret) =>
      OAuthProviders.naver(Fake.clientId, clientSecret, { ...options, baseUrl: root, apiUrl: `${root}/openapi` }),
    scope: "",
    profileOf: (login) => ({
      accountId: `naver-${login}`,
      accountEmail: login === "noemail" ? Option.none() : Option.some(email(login))
    }),
    withoutEmail: ["noemail"]
  }
]

let frozen: { readonly url: string; readonly stop: () => Promise<void> }
let down: string
beforeAll(async () => {
  frozen = await TestProvider.frozen()
  down = await TestProvider.closedPort()
})
afterAll(() => frozen.stop())

const insecure = { allowInsecureRequests: true } as const
const built = (make: () => OAuthProviders.Preset) => Effect.suspend(make).pipe(Effect.provide(FetchHttpClient.layer))

/** Authorize as `login` at `fake`, exchange, read the profile. */
const loginAs = Effect.fn(function*(client: OAuthClient.OAuthClient, fake: Fake.Fake, login: string) {
  const codeVerifier = Redacted.make(randomBytes(32).toString("base64url"))
  const url = yield* client.authorizationUrl({ redirectUri: Fake.redirectUri, state: "s", codeVerifier })
  const callback = yield* Effect.promise(() => fake.signIn(url, login))
  const tokens = yield* client.exchange({
    code: callback.searchParams.get("code") ?? "",
    redirectUri: Fake.redirectUri,
    codeVerifier
  })
  return { tokens, profile: yield* client.profile(tokens), url: new URL(url) }
})

for (const spec of specs) {
  describe(`OAuthProviders.${spec.name} against a fake of its endpoints`, () => {
    let fake: Fake.Fake
    beforeAll(async () => {
      fake = await Fake.start(spec.fake)
    })
    afterAll(() => fake.stop())

    OAuthClientConformance.suite(`OAuthProviders.${spec.name}`, {
      client: built(() => spec.make(fake.url, insecure)),
      unreachable: built(() => spec.make(down, insecure)),
      frozen: built(() => spec.make(frozen.url, { ...insecure, timeout: "500 millis" })),
      redirectUri: Fake.redirectUri,
      signIn: (url, login) => fake.signIn(url, login),
      profileOf: spec.profileOf,
      scope: spec.scope,
      sendsIss: false,
      openId: false
    })

    it.live("the client is named after the provider unless named", () =>
      Effect.gen(function*() {
        assert.strictEqual((yield* built(() => spec.make(fake.url, insecure))).name, spec.name)
        assert.strictEqual((yield* built(() => spec.make(fake.url, { ...insecure, name: "mine" }))).name, "mine")
      }))

    it.live("an account without a usable e-mail maps to no e-mail", () =>
      Effect.gen(function*() {
        const client = yield* built(() => spec.make(fake.url, insecure))
        for (const login of spec.withoutEmail) {
          const { profile } = yield* loginAs(client, fake, login)
          assert.deepStrictEqual(profile, spec.profileOf(login))
          assert.isTrue(Option.isNone(profile.accountEmail))
        }
      }))

    it.live("a used code is the provider's invalid_grant, whatever status the provider answers it with", () =>
      Effect.gen(function*() {
        const client = yield* built(() => spec.make(fake.url, insecure))
        const codeVerifier = Redacted.make(randomBytes(32).toString("base64url"))
        const url = yield* client.authorizationUrl({ redirectUri: Fake.redirectUri, state: "s", codeVerifier })
        const code = (yield* Effect.promise(() => fake.signIn(url, "conformance"))).searchParams.get("code") ?? ""
        yield* client.exchange({ code, redirectUri: Fake.redirectUri, codeVerifier })
        const error = yield* Effect.flip(client.exchange({ code, redirectUri: Fake.redirectUri, codeVerifier }))
        assert.strictEqual(error.reason._tag, "ProviderError")
        if (error.reason._tag === "ProviderError") assert.strictEqual(error.reason.error, "invalid_grant")
      }))

    it.live("the client authenticates at the token endpoint the way the provider requires", () =>
      Effect.gen(function*() {
        const client = yield* built(() => spec.make(fake.url, insecure))
        const before = fake.requests.length
        const { url } = yield* loginAs(client, fake, "conformance")
        assert.strictEqual(url.pathname, spec.fake.authorizePath)
        for (const [key, value] of Object.entries(spec.authorizationParams ?? {})) {
          assert.strictEqual(url.searchParams.get(key), value)
        }
        const sent = fake.requests.slice(before).find((request) => request.path === spec.fake.tokenPath)
        if (spec.fake.clientAuthentication === "client_secret_basic") {
          assert.isTrue(sent?.headers.authorization?.startsWith("Basic "))
          assert.isFalse(sent?.form.has("client_secret"))
        } else {
          assert.strictEqual(sent?.form.get("client_secret"), Fake.clientSecret)
          assert.isUndefined(sent?.headers.authorization)
        }
      }))

    it.live("a wrong client secret is the provider's invalid_client", () =>
      Effect.gen(function*() {
        const client = yield* built(() => spec.make(fake.url, insecure, Redacted.make("wrong")))
        const error = yield* Effect.flip(loginAs(client, fake, "conformance"))
        assert.strictEqual(error.reason._tag, "ProviderError")
        if (error.reason._tag === "ProviderError") assert.strictEqual(error.reason.error, "invalid_client")
      }))

    it.live("an API answer refusing the token is a ProviderError, not an infrastructure error", () =>
      Effect.gen(function*() {
        const client = yield* built(() => spec.make(fake.url, insecure))
        const { tokens } = yield* loginAs(client, fake, "conformance")
        const error = yield* Effect.flip(client.profile({ ...tokens, accessToken: Redacted.make("revoked") }))
        assert.strictEqual(error.reason._tag, "ProviderError")
        if (error.reason._tag === "ProviderError") assert.isAtLeast(error.reason.status ?? 0, 400)
      }))
  })
}

interface OpenIdSpec {
  readonly name: string
  readonly clientAuthentication: "client_secret_basic" | "client_secret_post"
  readonly make: (issuer: string, options: OAuthProviders.PresetOptions) => OAuthProviders.Preset
  readonly scope: string
}

const googleEmail = "https://www.googleapis.com/auth/userinfo.email"
const openIdSecret = Redacted.make(TestProvider.clientSecret)

const openIdSpecs: ReadonlyArray<OpenIdSpec> = [
  {
    name: "google",
    clientAuthentication: "client_secret_post",
    make: (issuer, options) => OAuthProviders.google(TestProvider.clientId, openIdSecret, { ...options, issuer }),
    scope: `openid https://www.googleapis.com/auth/userinfo.profile ${googleEmail}`
  },
  {
    name: "linkedin",
    clientAuthentication: "client_secret_post",
    make: (issuer, options) => OAuthProviders.linkedin(TestProvider.clientId, openIdSecret, { ...options, issuer }),
    scope: "openid profile email"
  },
  {
    name: "gitlab",
    clientAuthentication: "client_secret_basic",
    make: (issuer, options) =>
      OAuthProviders.gitlab(TestProvider.clientId, openIdSecret, { ...options, baseUrl: `${issuer}/` }),
    scope: "openid email"
  },
  {
    name: "okta",
    clientAuthentication: "client_secret_basic",
    make: (issuer, options) =>
      OAuthProviders.okta(TestProvider.clientId, openIdSecret, { ...options, domain: "example.okta.com", issuer }),
    scope: "openid email"
  },
  {
    name: "auth0",
    clientAuthentication: "client_secret_basic",
    make: (issuer, options) =>
      OAuthProviders.auth0(TestProvider.clientId, openIdSecret, { ...options, domain: "example.auth0.com", issuer }),
    scope: "openid email"
  }
]

for (const spec of openIdSpecs) {
  describe(`OAuthProviders.${spec.name} against oidc-provider`, () => {
    let provider: TestProvider.OidcProvider
    beforeAll(async () => {
      provider = await TestProvider.start({
        clientAuthentication: spec.clientAuthentication,
        emailScopes: [googleEmail]
      })
    })
    afterAll(() => provider.stop())

    OAuthClientConformance.suite(`OAuthProviders.${spec.name}`, {
      client: built(() => spec.make(provider.issuer, insecure)),
      unreachable: built(() => spec.make(down, insecure)),
      frozen: built(() => spec.make(frozen.url, { ...insecure, timeout: "500 millis" })),
      redirectUri: TestProvider.redirectUri,
      signIn: TestProvider.authorize,
      profileOf: (login) => ({ accountId: login, accountEmail: Option.some(`${login}@example.com`) }),
      scope: spec.scope,
      sendsIss: true,
      openId: true
    })

    it.live("an account without an e-mail, or with one the provider has not verified, maps to no e-mail", () =>
      Effect.gen(function*() {
        const client = yield* built(() => spec.make(provider.issuer, insecure))
        assert.strictEqual(client.name, spec.name)
        for (const login of ["noemail", "unverified"]) {
          const codeVerifier = Redacted.make(randomBytes(32).toString("base64url"))
          const nonce = randomBytes(16).toString("hex")
          const url = yield* client.authorizationUrl({
            redirectUri: TestProvider.redirectUri,
            state: "s",
            codeVerifier,
            nonce
          })
          const callback = (yield* Effect.promise(() => TestProvider.authorize(url, login))).searchParams
          const tokens = yield* client.exchange({
            code: callback.get("code") ?? "",
            iss: callback.get("iss") ?? undefined,
            redirectUri: TestProvider.redirectUri,
            codeVerifier,
            nonce
          })
          const profile = yield* client.profile(tokens)
          assert.deepStrictEqual(profile, { accountId: login, accountEmail: Option.none() })
        }
      }))
  })
}
