/**
 * OpenIdClient runs the port's conformance suite against oidc-provider, with the profile read from the userinfo
 * endpoint and from the ID token.
 */
import * as OpenIdClient from "@effect-users/oauth/OpenIdClient"
import * as OAuthClientConformance from "@effect-users/testing/OAuthClientConformance"
import * as TestProvider from "@effect-users/testing/OidcProvider"
import { Effect, Option, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { afterAll, beforeAll } from "vitest"

let provider: TestProvider.OidcProvider
let frozen: { readonly url: string; readonly stop: () => Promise<void> }
let down: string
beforeAll(async () => {
  provider = await TestProvider.start({ idTokenClaims: true })
  frozen = await TestProvider.frozen()
  down = await TestProvider.closedPort()
})
afterAll(async () => {
  await provider.stop()
  await frozen.stop()
})

const client = (issuer: () => string, profileFrom: "userinfo" | "idToken", timeout = "5 seconds" as const) =>
  Effect.suspend(() =>
    OpenIdClient.make({
      name: "openid",
      issuer: issuer(),
      clientId: TestProvider.clientId,
      clientSecret: Redacted.make(TestProvider.clientSecret),
      allowInsecureRequests: true,
      profileFrom,
      timeout
    })
  ).pipe(Effect.provide(FetchHttpClient.layer))

for (const profileFrom of ["userinfo", "idToken"] as const) {
  OAuthClientConformance.suite(`OpenIdClient (profile from ${profileFrom})`, {
    client: client(() => provider.issuer, profileFrom),
    unreachable: client(() => down, profileFrom),
    frozen: Effect.suspend(() =>
      OpenIdClient.make({
        name: "openid",
        issuer: frozen.url,
        clientId: TestProvider.clientId,
        clientSecret: Redacted.make(TestProvider.clientSecret),
        allowInsecureRequests: true,
        timeout: "500 millis"
      })
    ).pipe(Effect.provide(FetchHttpClient.layer)),
    redirectUri: TestProvider.redirectUri,
    signIn: TestProvider.authorize,
    profileOf: (login) => ({ accountId: login, accountEmail: Option.some(`${login}@example.com`) }),
    scope: "openid email",
    sendsIss: true,
    openId: true
  })
}
