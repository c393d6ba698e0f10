/**
 * The OAuth login and associate routers end to end, on real parts: a real OpenID provider (oidc-provider with its
 * login and consent pages, on loopback), the example's storage (the SQL adapter on an embedded PostgreSQL), JWT
 * bearer and cookie backends. Every error code of FastAPI Users' OAuth routers is produced here, and the provider's
 * own request log shows that a forged, replayed or expired callback never reaches it.
 */
import * as ActionToken from "@effect-users/core/ActionToken"
import * as UserManager from "@effect-users/core/UserManager"
import * as TestProvider from "@effect-users/testing/OidcProvider"
import { freePort } from "@effect-users/testing/TestServices"
import { DateTime, Effect, ManagedRuntime, Metric, Redacted } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as App from "./app.ts"

let provider: TestProvider.OidcProvider
let frozen: { readonly url: string; readonly stop: () => Promise<void> }
let runtime: ManagedRuntime.ManagedRuntime<UserManager.UserManager, unknown>
let base: string

beforeAll(async () => {
  const port = await freePort()
  provider = await TestProvider.start({ redirectUris: App.callbacks(port) })
  frozen = await TestProvider.frozen()
  base = `http://127.0.0.1:${port}`
  runtime = ManagedRuntime.make(App.layer({ port, issuer: provider.issuer, downIssuer: frozen.url }))
  await runtime.runPromise(Effect.void)
}, 60_000)

afterAll(async () => {
  await runtime.dispose()
  await provider.stop()
  await frozen.stop()
})

const cookieOf = (response: Response, name: string): string | undefined =>
  response.headers.getSetCookie().find((line) => line.startsWith(`${name}=`))

const claimsOf = (jwt: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8"))

interface Started {
  readonly url: URL
  readonly csrf: string
  readonly setCookie: string
}

/** `GET <prefix>/authorize` (with `headers`, e.g. a bearer token). */
const authorize = async (prefix: string, headers: Record<string, string> = {}, query = ""): Promise<Started> => {
  const response = await fetch(`${base}${prefix}/authorize${query}`, { headers })
  expect(response.status).toBe(200)
  const body = await response.json() as { authorization_url: string }
  expect(Object.keys(body)).toEqual(["authorization_url"])
  const setCookie = cookieOf(response, "fastapiusersoauthcsrf") ?? ""
  const csrf = /^fastapiusersoauthcsrf=([^;]*)/.exec(setCookie)?.[1] ?? ""
  return { url: new URL(body.authorization_url), csrf, setCookie }
}

/** Authorize, log in at the provider as `login`, and return the callback URL the provider redirected to. */
const providerLogin = async (prefix: string, login: string, headers: Record<string, string> = {}) => {
  const started = await authorize(prefix, headers)
  const callback = await TestProvider.authorize(started.url.href, login, `${base}${prefix}/callback`)
  return { ...started, callback }
}

const callback = (url: URL | string, headers: Record<string, string> = {}) =>
  fetch(url, { headers, redirect: "manual" })

const detail = async (response: Response) => ((await response.json()) as { detail: unknown }).detail

/** The provider requests made while `run` runs, other than the browser's own steps. */
const providerCalls = async <A>(
  run: () => Promise<A>
): Promise<{ readonly result: A; readonly calls: Array<string> }> => {
  const before = provider.requests.length
  const result = await run()
  return { result, calls: provider.requests.slice(before) }
}

const signState = async (claims: ActionToken.Claims, secret = App.STATE_SECRET) => {
  const key = await Effect.runPromise(ActionToken.importKey(Redacted.make(secret)))
  return ActionToken.signSync(key, claims)
}
const nowSeconds = async () => Math.floor(DateTime.toEpochMillis(await Effect.runPromise(DateTime.now)) / 1000)

const register = async (email: string) => {
  const response = await fetch(`${base}/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: "secret-password" })
  })
  expect(response.status).toBe(201)
  const login = await fetch(`${base}/auth/jwt/login`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username: email, password: "secret-password" })
  })
  expect(login.status).toBe(200)
  const { access_token } = await login.json() as { access_token: string }
  return { authorization: `Bearer ${access_token}` }
}

describe("authorize", () => {
  it("answers FastAPI Users' body, state and CSRF cookie, with PKCE S256 and a nonce (Q17)", async () => {
    const started = await authorize(App.prefixes.bearer, {}, "?scopes=openid&scopes=email")
    expect(started.setCookie).toMatch(
      /^fastapiusersoauthcsrf=[A-Za-z0-9_-]{43}; HttpOnly; Max-Age=3600; Path=\/; SameSite=lax; Secure$/
    )
    const params = started.url.searchParams
    expect(`${started.url.origin}${started.url.pathname}`).toBe(`${provider.issuer}/auth`)
    expect(params.get("response_type")).toBe("code")
    expect(params.get("client_id")).toBe(TestProvider.clientId)
    expect(params.get("redirect_uri")).toBe(`${base}${App.prefixes.bearer}/callback`)
    expect(params.get("scope")).toBe("openid email")
    expect(params.get("code_challenge_method")).toBe("S256")
    expect(params.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(params.get("nonce")?.length).toBeGreaterThanOrEqual(16)
    const state = params.get("state") ?? ""
    const header = JSON.parse(Buffer.from(state.split(".")[0] ?? "", "base64url").toString("utf8"))
    expect(header).toEqual({ alg: "HS256", typ: "JWT" })
    const claims = claimsOf(state)
    // exactly FastAPI Users' claims, in its order; no verifier, no nonce
    expect(Object.keys(claims)).toEqual(["csrftoken", "aud", "exp"])
    expect(claims["csrftoken"]).toBe(started.csrf)
    expect(claims["aud"]).toBe("fastapi-users:oauth-state")
    expect(Number(claims["exp"]) - (await nowSeconds())).toBeGreaterThan(3590)
    expect(state).not.toContain(params.get("nonce") ?? "-")
    // each authorize draws a fresh CSRF value, hence a fresh challenge and nonce
    const again = await authorize(App.prefixes.bearer)
    expect(again.csrf).not.toBe(started.csrf)
    expect(again.url.searchParams.get("code_challenge")).not.toBe(params.get("code_challenge"))
    expect(again.url.searchParams.get("nonce")).not.toBe(params.get("nonce"))
  })
})

describe("login callback", () => {
  it("bearer: provider login → callback → a bearer token for a new user; clears the CSRF cookie (Q11)", async () => {
    const flow = await providerLogin(App.prefixes.bearer, "alice")
    const response = await callback(flow.callback, { cookie: `fastapiusersoauthcsrf=${flow.csrf}` })
    expect(response.status).toBe(200)
    const body = await response.json() as { access_token: string; token_type: string }
    expect(body.token_type).toBe("bearer")
    expect(cookieOf(response, "fastapiusersoauthcsrf")).toMatch(/Max-Age=0/)
    const me = await fetch(`${base}/users/me`, { headers: { authorization: `Bearer ${body.access_token}` } })
    const user = await me.json() as {
      email: string
      is_verified: boolean
      oauth_accounts: Array<Record<string, unknown>>
    }
    expect(user.email).toBe("alice@example.com")
    expect(user.is_verified).toBe(false)
    expect(user.oauth_accounts.map((a) => [a["oauth_name"], a["account_id"], a["account_email"]])).toEqual([
      ["oidc", "alice", "alice@example.com"]
    ])
    expect(App.seen.register).toContain("alice@example.com")
    expect(App.seen.login).toContain("alice@example.com")
    // the provider was asked for the token with the PKCE verifier (it requires PKCE) and for the userinfo
    expect(provider.requests).toContain("/token")
  })

  it("cookie: the callback answers 204 with the auth cookie, and the CSRF cookie cleared", async () => {
    const flow = await providerLogin(App.prefixes.cookie, "bruno")
    const response = await callback(flow.callback, { cookie: `fastapiusersoauthcsrf=${flow.csrf}` })
    expect(response.status).toBe(204)
    const auth = cookieOf(response, "fastapiusersauth") ?? ""
    expect(auth).toMatch(/^fastapiusersauth=[^;]+; HttpOnly; Max-Age=3600; Path=\/; SameSite=lax$/)
    expect(cookieOf(response, "fastapiusersoauthcsrf")).toMatch(/Max-Age=0/)
    const me = await fetch(`${base}/users/me`, { headers: { cookie: auth.split(";")[0] ?? "" } })
    expect(((await me.json()) as { email: string }).email).toBe("bruno@example.com")
  })

  it("a second login of the same account finds the same user and refreshes its link", async () => {
    const first = await providerLogin(App.prefixes.bearer, "carla")
    const one = await callback(first.callback, { cookie: `fastapiusersoauthcsrf=${first.csrf}` })
    const second = await providerLogin(App.prefixes.bearer, "carla")
    const two = await callback(second.callback, { cookie: `fastapiusersoauthcsrf=${second.csrf}` })
    const me = async (response: Response) => {
      const { access_token } = await response.json() as { access_token: string }
      const user = await fetch(`${base}/users/me`, { headers: { authorization: `Bearer ${access_token}` } })
      return user.json() as Promise<{ id: string; oauth_accounts: Array<unknown> }>
    }
    const a = await me(one)
    const b = await me(two)
    expect(b.id).toBe(a.id)
    expect(b.oauth_accounts).toHaveLength(1)
  })

  it("associate_by_email: an existing e-mail is OAUTH_USER_ALREADY_EXISTS, or linked when the router allows it", async () => {
    await register("dora@example.com")
    const refused = await providerLogin(App.prefixes.bearer, "dora")
    const answer = await callback(refused.callback, { cookie: `fastapiusersoauthcsrf=${refused.csrf}` })
    expect(answer.status).toBe(400)
    expect(await detail(answer)).toBe("OAUTH_USER_ALREADY_EXISTS")
    const linked = await providerLogin(App.prefixes.byEmail, "dora")
    const ok = await callback(linked.callback, { cookie: `fastapiusersoauthcsrf=${linked.csrf}` })
    expect(ok.status).toBe(200)
    const { access_token } = await ok.json() as { access_token: string }
    const me = await fetch(`${base}/users/me`, { headers: { authorization: `Bearer ${access_token}` } })
    const user = await me.json() as { email: string; is_verified: boolean; oauth_accounts: Array<unknown> }
    expect(user.email).toBe("dora@example.com")
    // associating by e-mail does not verify an existing user
    expect(user.is_verified).toBe(false)
    expect(user.oauth_accounts).toHaveLength(1)
  })

  it("is_verified_by_default: users the router creates start verified", async () => {
    const flow = await providerLogin(App.prefixes.byEmail, "emil")
    const ok = await callback(flow.callback, { cookie: `fastapiusersoauthcsrf=${flow.csrf}` })
    const { access_token } = await ok.json() as { access_token: string }
    const me = await fetch(`${base}/users/me`, { headers: { authorization: `Bearer ${access_token}` } })
    expect(((await me.json()) as { is_verified: boolean }).is_verified).toBe(true)
  })

  it("an account without e-mail is OAUTH_NOT_AVAILABLE_EMAIL", async () => {
    const flow = await providerLogin(App.prefixes.bearer, "noemail-1")
    const response = await callback(flow.callback, { cookie: `fastapiusersoauthcsrf=${flow.csrf}` })
    expect(response.status).toBe(400)
    expect(await detail(response)).toBe("OAUTH_NOT_AVAILABLE_EMAIL")
  })

  it("an inactive user is LOGIN_BAD_CREDENTIALS; both callbacks are counted as logins", async () => {
    const first = await providerLogin(App.prefixes.bearer, "fritz")
    const before = await logins()
    const ok = await callback(first.callback, { cookie: `fastapiusersoauthcsrf=${first.csrf}` })
    const { access_token } = await ok.json() as { access_token: string }
    expect(await logins()).toEqual({ ...before, success: before.success + 1 })
    const me = await fetch(`${base}/users/me`, { headers: { authorization: `Bearer ${access_token}` } })
    const { id } = await me.json() as { id: string }
    await runtimeDeactivate(id)
    const second = await providerLogin(App.prefixes.bearer, "fritz")
    const refused = await callback(second.callback, { cookie: `fastapiusersoauthcsrf=${second.csrf}` })
    expect(refused.status).toBe(400)
    expect(await detail(refused)).toBe("LOGIN_BAD_CREDENTIALS")
    expect(await logins()).toEqual({ success: before.success + 1, inactive: before.inactive + 1 })
  })

  it("the provider's error and a missing code are 400 with the error, or Bad Request, before any provider call", async () => {
    const { calls, result } = await providerCalls(async () => {
      const denied = await callback(`${base}${App.prefixes.bearer}/callback?error=access_denied&state=x`)
      const missing = await callback(`${base}${App.prefixes.bearer}/callback?state=x`)
      return [denied.status, await detail(denied), missing.status, await detail(missing)]
    })
    expect(result).toEqual([400, "access_denied", 400, "Bad Request"])
    expect(calls).toEqual([])
  })
})

describe("forged, replayed and expired callbacks never reach the provider (Q5)", () => {
  it("rejects each before the provider is called", async () => {
    const flow = await providerLogin(App.prefixes.bearer, "gina")
    const code = flow.callback.searchParams.get("code") ?? ""
    const state = flow.callback.searchParams.get("state") ?? ""
    const cookie = { cookie: `fastapiusersoauthcsrf=${flow.csrf}` }
    const at = (query: Record<string, string>) => `${base}${App.prefixes.bearer}/callback?${new URLSearchParams(query)}`
    const exp = (await nowSeconds()) + 600
    const cases: Array<[string, string, Record<string, string>, unknown]> = [
      ["no state", at({ code }), cookie, "ACCESS_TOKEN_DECODE_ERROR"],
      ["garbage state", at({ code, state: "not-a-jwt" }), cookie, "ACCESS_TOKEN_DECODE_ERROR"],
      [
        "state signed with another secret",
        at({ code, state: await signState({ csrftoken: flow.csrf, aud: "fastapi-users:oauth-state", exp }, "other") }),
        cookie,
        "ACCESS_TOKEN_DECODE_ERROR"
      ],
      [
        "state of another audience (Q3)",
        at({ code, state: await signState({ csrftoken: flow.csrf, aud: "fastapi-users:verify", exp }) }),
        cookie,
        "ACCESS_TOKEN_DECODE_ERROR"
      ],
      [
        "state whose audience list names another purpose too",
        at({
          code,
          state: await signState({
            csrftoken: flow.csrf,
            aud: ["fastapi-users:oauth-state", "fastapi-users:verify"],
            exp
          })
        }),
        cookie,
        "ACCESS_TOKEN_DECODE_ERROR"
      ],
      [
        "state without audience (Q3)",
        at({ code, state: await signState({ csrftoken: flow.csrf, exp }) }),
        cookie,
        "ACCESS_TOKEN_DECODE_ERROR"
      ],
      [
        "expired state",
        at({
          code,
          state: await signState({ csrftoken: flow.csrf, aud: "fastapi-users:oauth-state", exp: exp - 4000 })
        }),
        cookie,
        "ACCESS_TOKEN_ALREADY_EXPIRED"
      ],
      ["no CSRF cookie (a replay after Q11 cleared it)", at({ code, state }), {}, "OAUTH_INVALID_STATE"],
      ["another CSRF cookie", at({ code, state }), { cookie: "fastapiusersoauthcsrf=forged" }, "OAUTH_INVALID_STATE"],
      ["empty CSRF cookie", at({ code, state }), { cookie: "fastapiusersoauthcsrf=" }, "OAUTH_INVALID_STATE"],
      [
        "state without csrftoken",
        at({ code, state: await signState({ aud: "fastapi-users:oauth-state", exp }) }),
        cookie,
        "OAUTH_INVALID_STATE"
      ]
    ]
    for (const [name, url, headers, expected] of cases) {
      const { calls, result } = await providerCalls(async () => {
        const response = await callback(url, headers)
        return [response.status, await detail(response)]
      })
      expect([name, ...result]).toEqual([name, 400, expected])
      expect([name, calls]).toEqual([name, []])
    }
    // the genuine callback still works afterwards: the code was never spent
    const ok = await callback(flow.callback, cookie)
    expect(ok.status).toBe(200)
    // replayed with its cookie, the spent code is refused by the provider (no second session)
    const replay = await callback(flow.callback, cookie)
    expect(replay.status).toBe(400)
    expect(await detail(replay)).toBe("invalid_grant")
  })
})

describe("a provider that is down", () => {
  it("answers 503 SERVICE_UNAVAILABLE within the client's time limit, on authorize and callback", async () => {
    const started = Date.now()
    const response = await fetch(`${base}${App.prefixes.down}/authorize`)
    expect(response.status).toBe(503)
    expect(await detail(response)).toBe("SERVICE_UNAVAILABLE")
    expect(Date.now() - started).toBeLessThan(4000)
    const csrf = "a-csrf-value-for-the-down-provider"
    const state = await signState({
      csrftoken: csrf,
      aud: "fastapi-users:oauth-state",
      exp: (await nowSeconds()) + 600
    })
    const begin = Date.now()
    const cb = await callback(`${base}${App.prefixes.down}/callback?code=abc&state=${state}`, {
      cookie: `fastapiusersoauthcsrf=${csrf}`
    })
    expect(cb.status).toBe(503)
    expect(await detail(cb)).toBe("SERVICE_UNAVAILABLE")
    expect(Date.now() - begin).toBeLessThan(4000)
  })
})

describe("associate", () => {
  it("links a provider account to the signed-in user: state with sub, 200 UserRead, on_after_update", async () => {
    const auth = await register("hana@example.com")
    const started = await authorize(App.prefixes.associate, auth)
    const claims = claimsOf(started.url.searchParams.get("state") ?? "")
    expect(Object.keys(claims)).toEqual(["sub", "csrftoken", "aud", "exp"])
    const me = await (await fetch(`${base}/users/me`, { headers: auth })).json() as { id: string }
    expect(claims["sub"]).toBe(me.id)
    expect(started.url.searchParams.get("code_challenge_method")).toBe("S256")
    expect(started.url.searchParams.get("nonce")).not.toBeNull()
    const back = await TestProvider.authorize(
      started.url.href,
      "hana-at-provider",
      `${base}${App.prefixes.associate}/callback`
    )
    const response = await callback(back, { ...auth, cookie: `fastapiusersoauthcsrf=${started.csrf}` })
    expect(response.status).toBe(200)
    expect(cookieOf(response, "fastapiusersoauthcsrf")).toMatch(/Max-Age=0/)
    const user = await response.json() as { id: string; email: string; oauth_accounts: Array<Record<string, unknown>> }
    expect(user.email).toBe("hana@example.com")
    expect(user.oauth_accounts.map((a) => [a["account_id"], a["account_email"]])).toEqual([
      ["hana-at-provider", "hana-at-provider@example.com"]
    ])
    expect(App.seen.update).toContain("hana@example.com")
    // associating the same account again updates the one link (Q7)
    const again = await providerLogin(App.prefixes.associate, "hana-at-provider", auth)
    const twice = await callback(again.callback, { ...auth, cookie: `fastapiusersoauthcsrf=${again.csrf}` })
    expect(twice.status).toBe(200)
    expect(((await twice.json()) as { oauth_accounts: Array<unknown> }).oauth_accounts).toHaveLength(1)
    // another user cannot take it (Q7)
    const other = await register("ivan@example.com")
    const steal = await providerLogin(App.prefixes.associate, "hana-at-provider", other)
    const refused = await callback(steal.callback, { ...other, cookie: `fastapiusersoauthcsrf=${steal.csrf}` })
    expect(refused.status).toBe(400)
    expect(await detail(refused)).toBe("OAUTH_USER_ALREADY_EXISTS")
  })

  it("guards both routes: 401 without a user, 403 for an unverified one where verification is required", async () => {
    const anonymous = await fetch(`${base}${App.prefixes.associate}/authorize`)
    expect(anonymous.status).toBe(401)
    expect(await detail(anonymous)).toBe("Unauthorized")
    const anonymousCallback = await fetch(`${base}${App.prefixes.associate}/callback?code=x&state=y`)
    expect(anonymousCallback.status).toBe(401)
    const auth = await register("jana@example.com")
    const unverified = await fetch(`${base}${App.prefixes.associateVerified}/authorize`, { headers: auth })
    expect(unverified.status).toBe(403)
    expect(await detail(unverified)).toBe("Forbidden")
  })

  it("refuses another user's state (Bad Request), a login state without sub (Q4), and checks before the provider", async () => {
    const kim = await register("kim@example.com")
    const lea = await register("lea@example.com")
    const started = await authorize(App.prefixes.associate, kim)
    const state = started.url.searchParams.get("state") ?? ""
    const login = await authorize(App.prefixes.bearer)
    const loginState = login.url.searchParams.get("state") ?? ""
    const { calls, result } = await providerCalls(async () => {
      const foreign = await callback(`${base}${App.prefixes.associate}/callback?code=x&state=${state}`, {
        ...lea,
        cookie: `fastapiusersoauthcsrf=${started.csrf}`
      })
      const noSub = await callback(`${base}${App.prefixes.associate}/callback?code=x&state=${loginState}`, {
        ...kim,
        cookie: `fastapiusersoauthcsrf=${login.csrf}`
      })
      const noCookie = await callback(`${base}${App.prefixes.associate}/callback?code=x&state=${state}`, kim)
      return [
        foreign.status,
        await detail(foreign),
        noSub.status,
        await detail(noSub),
        noCookie.status,
        await detail(noCookie)
      ]
    })
    expect(result).toEqual([400, "Bad Request", 400, "ACCESS_TOKEN_DECODE_ERROR", 400, "OAUTH_INVALID_STATE"])
    expect(calls).toEqual([])
  })

  it("an account without e-mail is OAUTH_NOT_AVAILABLE_EMAIL", async () => {
    const auth = await register("mia@example.com")
    const flow = await providerLogin(App.prefixes.associate, "noemail-2", auth)
    const response = await callback(flow.callback, { ...auth, cookie: `fastapiusersoauthcsrf=${flow.csrf}` })
    expect(response.status).toBe(400)
    expect(await detail(response)).toBe("OAUTH_NOT_AVAILABLE_EMAIL")
  })
})

describe("OpenAPI", () => {
  it("names the routes as FastAPI does", async () => {
    const spec = await (await fetch(`${base}/openapi.json`)).json() as {
      paths: Record<string, Record<string, { operationId: string; summary: string }>>
    }
    expect(spec.paths[`${App.prefixes.bearer}/authorize`]?.["get"]?.operationId).toBe(
      "oauth_oidc_jwt_authorize_auth_oidc_authorize_get"
    )
    expect(spec.paths[`${App.prefixes.bearer}/authorize`]?.["get"]?.summary).toBe("Oauth:Oidc.Jwt.Authorize")
    expect(spec.paths[`${App.prefixes.associate}/callback`]?.["get"]?.operationId).toBe(
      "oauth_associate_oidc_callback_auth_associate_oidc_callback_get"
    )
  })
})

/** The login counters (core's UserMetrics) as the server has recorded them. */
const logins = async () => {
  const snapshots = await runtime.runPromise(Metric.snapshot)
  const count = (attributes: Record<string, string>) => {
    const found = snapshots.find((s) =>
      s.id === "effect_users_logins_total" && s.type === "Counter" &&
      JSON.stringify(Object.entries(s.attributes ?? {}).sort()) === JSON.stringify(Object.entries(attributes).sort())
    )
    return found?.type === "Counter" ? Number(found.state.count) : 0
  }
  return { success: count({ outcome: "success" }), inactive: count({ outcome: "failure", reason: "inactive" }) }
}

const runtimeDeactivate = (id: string) =>
  runtime.runPromise(Effect.gen(function*() {
    const manager = yield* UserManager.UserManager
    const parsed = yield* manager.parseId(id)
    const user = yield* manager.get(parsed)
    yield* manager.update({ is_active: false }, user)
  }))
