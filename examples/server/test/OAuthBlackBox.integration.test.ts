/**
 * The black-box comparison of the OAuth routers: FastAPI Users 15.0.5 (httpx-oauth's OpenID client) and the example
 * server (OpenIdClient), both pointed at one real OpenID provider (oidc-provider on loopback) and configured alike —
 * login routers for the JWT and cookie backends at `/auth/openid` and `/auth/openid-cookie`, the associate router at
 * `/auth/associate/openid`, the state signed with the servers' `SECRET`. The same scenarios run against both; where
 * the answers are comparable (statuses, bodies, the state JWT's header and claims, the cookies' attributes) they must
 * be equal, and where effect-users deliberately differs (Q3, Q4, Q5, Q7, Q11, Q17) each side's answer is pinned.
 */
import * as OidcProvider from "@effect-users/testing/OidcProvider"
import { createHmac } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { RunningServer } from "./blackbox/Servers.ts"
import { freePort, startExample, startReference } from "./blackbox/Servers.ts"

type Kind = "reference" | "effect-users"
const KINDS: ReadonlyArray<Kind> = ["reference", "effect-users"]
const SECRET = "oauth-black-box-secret-with-32-or-more-bytes"
const AUD = "fastapi-users:oauth-state"

let provider: OidcProvider.OidcProvider | undefined
const servers = new Map<Kind, RunningServer>()

beforeAll(async () => {
  const ports = { reference: await freePort(), "effect-users": await freePort() }
  const redirects = KINDS.flatMap((kind) =>
    ["/auth/openid", "/auth/openid-cookie", "/auth/associate/openid"].map((prefix) =>
      `http://127.0.0.1:${ports[kind]}${prefix}/callback`
    )
  )
  // httpx-oauth reads the provider's metadata when the reference starts: the provider comes first
  provider = await OidcProvider.start({
    port: await freePort(),
    redirectUris: redirects,
    // httpx-oauth (FastAPI Users' side) sends the client's credentials in the body and no PKCE
    clientAuthentication: "client_secret_post",
    pkceRequired: false
  })
  const env = (kind: Kind) => ({
    PORT: String(ports[kind]),
    OAUTH_OIDC_ISSUER: provider?.issuer ?? "",
    OAUTH_OIDC_CLIENT_ID: OidcProvider.clientId,
    OAUTH_OIDC_CLIENT_SECRET: OidcProvider.clientSecret,
    OAUTH_OIDC_ALLOW_HTTP: "1"
  })
  // each server is kept as soon as it runs, so that afterAll stops it even when the other failed to start
  const started = await Promise.allSettled([
    startReference(SECRET, env("reference")).then((server) => servers.set("reference", server)),
    startExample(SECRET, env("effect-users")).then((server) => servers.set("effect-users", server))
  ])
  for (const outcome of started) if (outcome.status === "rejected") throw outcome.reason
}, 300_000)

afterAll(async () => {
  for (const server of servers.values()) await server.stop()
  await provider?.stop()
})

const urlOf = (kind: Kind) => {
  const server = servers.get(kind)
  if (server === undefined) throw new Error(`the ${kind} server did not start`)
  return server.url
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")
/** An HS256 JWT as PyJWT writes it. */
const jwt = (claims: Record<string, unknown>, secret = SECRET) => {
  const input = `${b64({ alg: "HS256", typ: "JWT" })}.${b64(claims)}`
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`
}
const decode = (token: string, part: 0 | 1) =>
  JSON.parse(Buffer.from(token.split(".")[part] ?? "", "base64url").toString("utf8")) as Record<string, unknown>
const now = () => Math.floor(Date.now() / 1000)

const csrfCookieOf = (response: Response) =>
  response.headers.getSetCookie().find((line) => line.startsWith("fastapiusersoauthcsrf="))

interface Authorized {
  readonly url: URL
  readonly csrf: string
  readonly cookie: string
}

const authorize = async (kind: Kind, prefix: string, headers: Record<string, string> = {}): Promise<Authorized> => {
  const response = await fetch(`${urlOf(kind)}${prefix}/authorize`, { headers })
  expect([kind, response.status]).toEqual([kind, 200])
  const body = await response.json() as Record<string, string>
  expect(Object.keys(body)).toEqual(["authorization_url"])
  const cookie = csrfCookieOf(response) ?? ""
  return {
    url: new URL(body["authorization_url"] ?? ""),
    csrf: /^fastapiusersoauthcsrf=([^;]*)/.exec(cookie)?.[1] ?? "",
    cookie
  }
}

/** Through the provider as `login`, the authorization URL's state replaced by `state` when given. */
const throughProvider = async (kind: Kind, prefix: string, started: Authorized, login: string, state?: string) => {
  const url = new URL(started.url)
  if (state !== undefined) url.searchParams.set("state", state)
  return OidcProvider.authorize(url.href, login, `${urlOf(kind)}${prefix}/callback`)
}

const call = async (url: URL | string, headers: Record<string, string> = {}) => {
  const response = await fetch(url, { headers, redirect: "manual" })
  const text = await response.text()
  let json: unknown = undefined
  try {
    json = JSON.parse(text)
  } catch {
    // a plain-text 500 (Starlette's)
  }
  return { status: response.status, json, text, headers: response.headers }
}

const register = async (kind: Kind, email: string) => {
  const base = urlOf(kind)
  const created = await fetch(`${base}/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: "secret-password" })
  })
  expect([kind, created.status]).toEqual([kind, 201])
  const login = await fetch(`${base}/auth/jwt/login`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username: email, password: "secret-password" })
  })
  const { access_token } = await login.json() as { access_token: string }
  const me = await (await fetch(`${base}/users/me`, { headers: { authorization: `Bearer ${access_token}` } })).json()
  return { authorization: `Bearer ${access_token}`, id: (me as { id: string }).id }
}

/** Runs `scenario` on both servers and returns both results. */
const both = async <A>(scenario: (kind: Kind) => Promise<A>): Promise<Record<Kind, A>> => ({
  reference: await scenario("reference"),
  "effect-users": await scenario("effect-users")
})

describe("OAuth routers: FastAPI Users against effect-users", () => {
  it("§3.6 authorize: the same body, CSRF cookie attributes, state header and claims; PKCE and nonce only ours (Q17)", async () => {
    const results = await both(async (kind) => {
      const started = await authorize(kind, "/auth/openid")
      const state = started.url.searchParams.get("state") ?? ""
      const claims = decode(state, 1)
      return {
        cookie: started.cookie.replace(/^fastapiusersoauthcsrf=[A-Za-z0-9_-]{43};/, "fastapiusersoauthcsrf=<43>;"),
        header: decode(state, 0),
        claimNames: Object.keys(claims),
        aud: claims["aud"],
        csrfInState: claims["csrftoken"] === started.csrf,
        lifetime: Math.round((Number(claims["exp"]) - now()) / 10) * 10,
        params: [...started.url.searchParams.keys()],
        redirect: started.url.searchParams.get("redirect_uri")?.replace(/:\d+\//, ":<port>/"),
        scope: started.url.searchParams.get("scope")
      }
    })
    const { params: theirParams, ...theirs } = results.reference
    const { params: ourParams, ...ours } = results["effect-users"]
    expect(ours).toEqual(theirs)
    expect(theirs.cookie).toBe("fastapiusersoauthcsrf=<43>; HttpOnly; Max-Age=3600; Path=/; SameSite=lax; Secure")
    expect(theirs.claimNames).toEqual(["csrftoken", "aud", "exp"])
    expect(theirParams).toEqual(["response_type", "client_id", "redirect_uri", "state", "scope"])
    // Q17: the same parameters, then the PKCE challenge and the nonce
    expect(ourParams.slice(0, 5)).toEqual(theirParams)
    expect(ourParams.slice(5).sort()).toEqual(["code_challenge", "code_challenge_method", "nonce"])
  })

  it("§3.6 callback, bearer: the same login answer; only ours clears the CSRF cookie (Q11)", async () => {
    const results = await both(async (kind) => {
      const started = await authorize(kind, "/auth/openid")
      const back = await throughProvider(kind, "/auth/openid", started, "bb-alice")
      const answer = await call(back, { cookie: `fastapiusersoauthcsrf=${started.csrf}` })
      const body = answer.json as { access_token: string; token_type: string }
      const me = await (await fetch(`${urlOf(kind)}/users/me`, {
        headers: { authorization: `Bearer ${body.access_token}` }
      })).json() as Record<string, unknown>
      return {
        status: answer.status,
        keys: Object.keys(body),
        tokenType: body.token_type,
        me: { email: me["email"], is_active: me["is_active"], is_verified: me["is_verified"] },
        clearsCsrf: answer.headers.getSetCookie().find((line) => line.startsWith("fastapiusersoauthcsrf="))
      }
    })
    const { clearsCsrf: theirClear, ...theirs } = results.reference
    const { clearsCsrf: ourClear, ...ours } = results["effect-users"]
    expect(ours).toEqual(theirs)
    expect(results.reference.status).toBe(200)
    expect(results.reference.me).toEqual({ email: "bb-alice@example.com", is_active: true, is_verified: false })
    expect(theirClear).toBeUndefined()
    expect(ourClear).toMatch(/^fastapiusersoauthcsrf=;.*Max-Age=0/)
  })

  it("§3.6 callback, cookie: 204 and the same auth cookie attributes", async () => {
    const results = await both(async (kind) => {
      const started = await authorize(kind, "/auth/openid-cookie")
      const back = await throughProvider(kind, "/auth/openid-cookie", started, "bb-bruno")
      const answer = await call(back, { cookie: `fastapiusersoauthcsrf=${started.csrf}` })
      const auth = answer.headers.getSetCookie().find((line) => line.startsWith("fastapiusersauth=")) ?? ""
      return {
        status: answer.status,
        body: answer.text,
        cookie: auth.replace(/^fastapiusersauth=[^;]+;/, "fastapiusersauth=<token>;")
      }
    })
    expect(results["effect-users"]).toEqual(results.reference)
    expect(results.reference.status).toBe(204)
    expect(results.reference.cookie).toBe(
      "fastapiusersauth=<token>; HttpOnly; Max-Age=3600; Path=/; SameSite=lax; Secure"
    )
  })

  it("§3.6 errors with a genuine code: the same answers; the reference spends the code first, ours never calls the provider (Q5)", async () => {
    const cases: ReadonlyArray<{
      readonly name: string
      readonly state: (csrf: string) => string | undefined
      readonly cookie: (csrf: string) => string | undefined
      readonly reference: readonly [number, unknown]
      readonly ours: readonly [number, unknown]
    }> = [
      {
        name: "undecodable state",
        state: () => "not-a-jwt",
        cookie: (csrf) => csrf,
        reference: [400, "ACCESS_TOKEN_DECODE_ERROR"],
        ours: [400, "ACCESS_TOKEN_DECODE_ERROR"]
      },
      {
        name: "state of another secret",
        state: (csrf) => jwt({ csrftoken: csrf, aud: AUD, exp: now() + 600 }, "another-secret"),
        cookie: (csrf) => csrf,
        reference: [400, "ACCESS_TOKEN_DECODE_ERROR"],
        ours: [400, "ACCESS_TOKEN_DECODE_ERROR"]
      },
      {
        name: "expired state",
        state: (csrf) => jwt({ csrftoken: csrf, aud: AUD, exp: now() - 60 }),
        cookie: (csrf) => csrf,
        reference: [400, "ACCESS_TOKEN_ALREADY_EXPIRED"],
        ours: [400, "ACCESS_TOKEN_ALREADY_EXPIRED"]
      },
      {
        name: "no CSRF cookie",
        state: () => undefined,
        cookie: () => undefined,
        reference: [400, "OAUTH_INVALID_STATE"],
        ours: [400, "OAUTH_INVALID_STATE"]
      },
      {
        name: "another CSRF cookie",
        state: () => undefined,
        cookie: () => "forged",
        reference: [400, "OAUTH_INVALID_STATE"],
        ours: [400, "OAUTH_INVALID_STATE"]
      },
      {
        name: "Q3: a state of another audience",
        state: (csrf) => jwt({ csrftoken: csrf, aud: "fastapi-users:verify", exp: now() + 600 }),
        cookie: (csrf) => csrf,
        reference: [500, undefined],
        ours: [400, "ACCESS_TOKEN_DECODE_ERROR"]
      }
    ]
    for (const kind of KINDS) {
      for (const entry of cases) {
        const started = await authorize(kind, "/auth/openid")
        const back = await throughProvider(kind, "/auth/openid", started, "bb-carl", entry.state(started.csrf))
        const cookie = entry.cookie(started.csrf)
        const before = provider?.requests.length ?? 0
        const answer = await call(back, cookie === undefined ? {} : { cookie: `fastapiusersoauthcsrf=${cookie}` })
        const calls = provider?.requests.slice(before) ?? []
        const expected = kind === "reference" ? entry.reference : entry.ours
        const detail = (answer.json as { detail?: unknown } | undefined)?.detail
        expect([kind, entry.name, answer.status, detail]).toEqual([kind, entry.name, ...expected])
        // Q5: the reference exchanged the code before looking at the state; effect-users never called the provider
        expect([kind, entry.name, calls.includes("/token")]).toEqual([kind, entry.name, kind === "reference"])
      }
    }
  })

  it("§3.6 the provider's error, an e-mail taken: the same answers", async () => {
    const results = await both(async (kind) => {
      const denied = await call(`${urlOf(kind)}/auth/openid/callback?error=access_denied`)
      await register(kind, "bb-dora@example.com")
      const started = await authorize(kind, "/auth/openid")
      const back = await throughProvider(kind, "/auth/openid", started, "bb-dora")
      const taken = await call(back, { cookie: `fastapiusersoauthcsrf=${started.csrf}` })
      return [
        denied.status,
        (denied.json as { detail: unknown }).detail,
        taken.status,
        (taken.json as { detail: unknown }).detail
      ]
    })
    expect(results["effect-users"]).toEqual(results.reference)
    expect(results.reference).toEqual([400, "access_denied", 400, "OAUTH_USER_ALREADY_EXISTS"])
  })

  it("§3.7 associate: the same state (with sub), guard and answers; Q4 and Q7 differ as documented", async () => {
    const results = await both(async (kind) => {
      const anonymous = await call(`${urlOf(kind)}/auth/associate/openid/authorize`)
      const owner = await register(kind, "bb-erin@example.com")
      const started = await authorize(kind, "/auth/associate/openid", { authorization: owner.authorization })
      const state = started.url.searchParams.get("state") ?? ""
      const claims = decode(state, 1)
      const back = await throughProvider(kind, "/auth/associate/openid", started, "bb-erin-provider")
      const linked = await call(back, {
        authorization: owner.authorization,
        cookie: `fastapiusersoauthcsrf=${started.csrf}`
      })
      const user = linked.json as Record<string, unknown>
      // another user's state: 400 Bad Request
      const other = await register(kind, "bb-finn@example.com")
      const foreign = await authorize(kind, "/auth/associate/openid", { authorization: owner.authorization })
      const foreignBack = await throughProvider(kind, "/auth/associate/openid", foreign, "bb-finn-provider")
      const wrongUser = await call(foreignBack, {
        authorization: other.authorization,
        cookie: `fastapiusersoauthcsrf=${foreign.csrf}`
      })
      // Q4: a login state (no sub) with its own cookie
      const login = await authorize(kind, "/auth/openid")
      const noSubBack = await throughProvider(
        kind,
        "/auth/associate/openid",
        {
          ...login,
          url: new URL(started.url)
        },
        "bb-finn-provider",
        login.url.searchParams.get("state") ?? ""
      )
      const noSub = await call(noSubBack, {
        authorization: other.authorization,
        cookie: `fastapiusersoauthcsrf=${login.csrf}`
      })
      // Q7: the provider account already linked to the first user, associated by the other
      const steal = await authorize(kind, "/auth/associate/openid", { authorization: other.authorization })
      const stealBack = await throughProvider(kind, "/auth/associate/openid", steal, "bb-erin-provider")
      const stolen = await call(stealBack, {
        authorization: other.authorization,
        cookie: `fastapiusersoauthcsrf=${steal.csrf}`
      })
      return {
        anonymous: [anonymous.status, (anonymous.json as { detail: unknown }).detail],
        claimNames: Object.keys(claims),
        subIsUser: claims["sub"] === owner.id,
        linked: [linked.status, user["email"], user["id"] === owner.id],
        wrongUser: [wrongUser.status, (wrongUser.json as { detail: unknown } | undefined)?.detail],
        noSub: [noSub.status, (noSub.json as { detail: unknown } | undefined)?.detail],
        stolen: [
          stolen.status,
          (stolen.json as { detail?: unknown; email?: unknown } | undefined)?.detail ??
            (stolen.json as { email?: unknown }).email
        ]
      }
    })
    const { noSub: theirNoSub, stolen: theirStolen, ...theirs } = results.reference
    const { noSub: ourNoSub, stolen: ourStolen, ...ours } = results["effect-users"]
    expect(ours).toEqual(theirs)
    expect(theirs).toEqual({
      anonymous: [401, "Unauthorized"],
      claimNames: ["sub", "csrftoken", "aud", "exp"],
      subIsUser: true,
      linked: [200, "bb-erin@example.com", true],
      wrongUser: [400, "Bad Request"]
    })
    expect(theirNoSub).toEqual([500, undefined])
    expect(ourNoSub).toEqual([400, "ACCESS_TOKEN_DECODE_ERROR"])
    expect(theirStolen).toEqual([200, "bb-finn@example.com"])
    expect(ourStolen).toEqual([400, "OAUTH_USER_ALREADY_EXISTS"])
  })
})
