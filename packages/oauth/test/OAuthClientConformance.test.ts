/**
 * OpenIdClient runs the port's conformance suite against oidc-provider, with the profile read from the userinfo
 * endpoint and from the ID token.
 */
import * as OpenIdClient from "@effect-users/oauth/OpenIdClient"
import { Effect, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { afterAll, beforeAll } from "vitest"
import { conformance } from "./OAuthClientConformance.ts"
import * as TestProvider from "./provider.ts"

let provider: TestProvider.TestProvider
let down: string
beforeAll(async () => {
  provider = await TestProvider.start({ idTokenClaims: true })
  down = await TestProvider.closedPort()
})
afterAll(() => provider.stop())

const client = (issuer: () => string, profileFrom: "userinfo" | "idToken") =>
  Effect.suspend(() =>
    OpenIdClient.make({
      name: "openid",
      issuer: issuer(),
      clientId: TestProvider.clientId,
      clientSecret: Redacted.make(TestProvider.clientSecret),
      allowInsecureRequests: true,
      profileFrom
    })
  ).pipe(Effect.provide(FetchHttpClient.layer))

for (const profileFrom of ["userinfo", "idToken"] as const) {
  conformance(`OpenIdClient (profile from ${profileFrom})`, {
    client: client(() => provider.issuer, profileFrom),
    unreachable: client(() => down, profileFrom),
    redirectUri: TestProvider.redirectUri,
    signIn: TestProvider.authorize,
    sendsIss: true
  })
}
