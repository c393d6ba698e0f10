/**
 * The example server mounts its OAuth routers when the environment configures an OpenID Connect provider: a real
 * one here (oidc-provider, in-process on loopback), logged into through its own login and consent pages; and mounts
 * none without that configuration.
 */
import * as TestProvider from "@effect-users/testing/OidcProvider"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { RunningServer } from "./blackbox/Servers.ts"
import { freePort, startExample } from "./blackbox/Servers.ts"

describe("the example server's OAuth routers", () => {
  let provider: TestProvider.OidcProvider | undefined
  let server: RunningServer | undefined
  let plain: RunningServer | undefined

  beforeAll(async () => {
    // the example reads the provider's metadata on first use only: it starts before the provider, which must know
    // the example's callback URLs
    const providerPort = await freePort()
    server = await startExample("oauth-example-secret-with-32-or-more-bytes", {
      OAUTH_OIDC_ISSUER: `http://127.0.0.1:${providerPort}`,
      OAUTH_OIDC_CLIENT_ID: TestProvider.clientId,
      OAUTH_OIDC_CLIENT_SECRET: TestProvider.clientSecret,
      OAUTH_OIDC_ALLOW_HTTP: "1"
    })
    provider = await TestProvider.start({
      port: providerPort,
      redirectUris: [`${server.url}/auth/openid/callback`, `${server.url}/auth/associate/openid/callback`],
      clientAuthentication: "client_secret_post"
    })
    plain = await startExample("oauth-example-secret-with-32-or-more-bytes")
  }, 180_000)

  afterAll(async () => {
    await server?.stop()
    await plain?.stop()
    await provider?.stop()
  })

  it("logs in through the provider with the JWT backend, then associates an account", async () => {
    if (server === undefined) throw new Error("setup failed")
    const started = await fetch(`${server.url}/auth/openid/authorize`)
    expect(started.status).toBe(200)
    const { authorization_url } = await started.json() as { authorization_url: string }
    const csrf = /fastapiusersoauthcsrf=([^;]*)/.exec(started.headers.getSetCookie().join("\n"))?.[1] ?? ""
    const back = await TestProvider.authorize(authorization_url, "example-user", `${server.url}/auth/openid/callback`)
    const callback = await fetch(back, { headers: { cookie: `fastapiusersoauthcsrf=${csrf}` } })
    expect(callback.status).toBe(200)
    const { access_token } = await callback.json() as { access_token: string }
    const auth = { authorization: `Bearer ${access_token}` }
    const me = await fetch(`${server.url}/users/me`, { headers: auth })
    expect(((await me.json()) as { email: string }).email).toBe("example-user@example.com")

    const associate = await fetch(`${server.url}/auth/associate/openid/authorize`, { headers: auth })
    expect(associate.status).toBe(200)
    const second = await associate.json() as { authorization_url: string }
    const csrf2 = /fastapiusersoauthcsrf=([^;]*)/.exec(associate.headers.getSetCookie().join("\n"))?.[1] ?? ""
    const back2 = await TestProvider.authorize(
      second.authorization_url,
      "example-second",
      `${server.url}/auth/associate/openid/callback`
    )
    const linked = await fetch(back2, { headers: { ...auth, cookie: `fastapiusersoauthcsrf=${csrf2}` } })
    expect(linked.status).toBe(200)
    expect(((await linked.json()) as { email: string }).email).toBe("example-user@example.com")

    // one api: the OAuth routes are in the application's OpenAPI document, beside FastAPI Users' other routes
    const spec = await (await fetch(`${server.url}/openapi.json`)).json() as { paths: Record<string, unknown> }
    const paths = Object.keys(spec.paths)
    expect(paths.filter((path) => path.includes("openid")).sort()).toEqual([
      "/auth/associate/openid/authorize",
      "/auth/associate/openid/callback",
      "/auth/openid-cookie/authorize",
      "/auth/openid-cookie/callback",
      "/auth/openid/authorize",
      "/auth/openid/callback"
    ])
    expect(paths).toContain("/users/me")
    // and the fallback knows them: a wrong method is a 405 naming the route's, as for every other route
    const wrongMethod = await fetch(`${server.url}/auth/openid/authorize`, { method: "POST" })
    expect(wrongMethod.status).toBe(405)
    expect(wrongMethod.headers.get("allow")).toBe("GET")
  })

  it("mounts no OAuth route without a configured provider", async () => {
    if (plain === undefined) throw new Error("setup failed")
    expect((await fetch(`${plain.url}/auth/openid/authorize`)).status).toBe(404)
    const spec = await (await fetch(`${plain.url}/openapi.json`)).json() as { paths: Record<string, unknown> }
    expect(Object.keys(spec.paths).filter((path) => path.includes("openid"))).toEqual([])
  })
})
