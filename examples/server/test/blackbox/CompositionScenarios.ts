/**
 * The black-box scenarios of FastAPI Users' routers composed as applications compose them (the example server and
 * the reference both mount, beside their documented routers, a second auth router of the JWT backend at
 * `/auth/jwtv` and a second users router at `/users-rv`, both with `requires_verification=True`), and of path
 * matching: the path variants a proxy rule could be bypassed with answer exactly as FastAPI answers them.
 */
import { expect } from "@effect/vitest"
import type { Scenario } from "./Scenarios.ts"
import {
  expectDetail,
  expectEmpty,
  expectForbidden,
  expectLocs,
  expectNotFound,
  expectStatus,
  expectUnauthorized,
  expectUser,
  PASSWORD
} from "./Support.ts"

const scenarios: Array<Scenario> = []
const scenario = (section: string, name: string, run: Scenario["run"]): void => {
  scenarios.push({ section, name, run })
}

scenario("§3.5 composed", "/users-rv beside /users: the same user, verification required only there", async (_t, h) => {
  const unverified = await h.user({}, "rvunverified")
  expectUser(await h.request("GET", "/users/me", { bearer: unverified.token }), 200, { email: unverified.email })
  expectForbidden(await h.request("GET", "/users-rv/me", { bearer: unverified.token }))
  expectForbidden(await h.request("PATCH", "/users-rv/me", { bearer: unverified.token, json: {} }))
  const verified = await h.user({ is_verified: true }, "rvverified")
  expectUser(await h.request("GET", "/users-rv/me", { bearer: verified.token }), 200, { is_verified: true })
  expectUnauthorized(await h.request("GET", "/users-rv/me"))
  // the superuser routes of the second router: a verified superuser only
  const admin = await h.superuser()
  expectUser(await h.request("GET", `/users-rv/${verified.user.id}`, { bearer: admin }), 200, { email: verified.email })
  expectForbidden(await h.request("GET", `/users-rv/${verified.user.id}`, { bearer: verified.token }))
  expectNotFound(await h.request("DELETE", "/users-rv/not-an-id", { bearer: admin }))
})

scenario(
  "§3.1 composed",
  "/auth/jwtv beside /auth/jwt: one backend, verification required only there",
  async (_t, h) => {
    const unverified = await h.user({}, "jwtvunverified")
    expectDetail(
      await h.request("POST", "/auth/jwtv/login", { form: { username: unverified.email, password: PASSWORD } }),
      400,
      "LOGIN_USER_NOT_VERIFIED"
    )
    expectStatus(
      await h.request("POST", "/auth/jwt/login", { form: { username: unverified.email, password: PASSWORD } }),
      200
    )
    expectForbidden(await h.request("POST", "/auth/jwtv/logout", { bearer: unverified.token }))
    expectEmpty(await h.request("POST", "/auth/jwt/logout", { bearer: unverified.token }), 204)
    const verified = await h.user({ is_verified: true }, "jwtvverified")
    const login = await h.request("POST", "/auth/jwtv/login", {
      form: { username: verified.email, password: PASSWORD }
    })
    expectStatus(login, 200)
    const token = (login.json as { readonly access_token: string }).access_token
    expectUser(await h.request("GET", "/users/me", { bearer: token }), 200, { email: verified.email })
    expectEmpty(await h.request("POST", "/auth/jwtv/logout", { bearer: token }), 204)
  }
)

scenario("§2.4 path matching", "case, empty segments, `;`, escapes and trailing slashes as FastAPI", async (t, h) => {
  for (const path of ["/AUTH/REGISTER", "/Auth/register", "//auth/register", "/auth//register", "/auth/register;x"]) {
    expectNotFound(await h.request("POST", path, { json: { email: "a@camelot.bt", password: PASSWORD } }))
  }
  // uvicorn decodes the path before FastAPI matches it: an escaped letter reaches the route
  expectLocs(await h.request("POST", "/auth/%72egister", { raw: "" }), [["body"]])
  expectNotFound(await h.request("POST", "/auth/register%3Bx", { json: {} }))
  // `;` is an ordinary character of a path parameter, and a malformed escape is kept as it is
  expectUnauthorized(await h.request("GET", "/users/x;y"))
  expectUnauthorized(await h.request("GET", "/users/%zz"))
  expectNotFound(await h.request("GET", "/users//me"))
  // Starlette's redirect_slashes: 307 to the path without (or with) its trailing slash
  for (const path of ["/users/me/", "/users/me%2F"]) {
    const reply = await h.request("GET", path)
    expectStatus(reply, 307)
    expect(new URL(reply.headers.get("location") ?? "", t.client.baseUrl).pathname, path).toBe("/users/me")
    // an empty body of declared length, not a chunked one
    expect(reply.headers.get("content-length"), path).toBe("0")
    expect(reply.headers.get("transfer-encoding"), path).toBeNull()
  }
})

/** The scenarios of the composed routers and path matching (run as documented). */
export const all: ReadonlyArray<Scenario> = scenarios
