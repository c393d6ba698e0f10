/**
 * The black-box scenarios of servers started with `REQUIRES_VERIFICATION=1` (FastAPI Users' `get_auth_router(...,
 * requires_verification=True)` and `get_users_router(..., requires_verification=True)`): login refuses unverified
 * users after checking the password, and the 401/403 matrix of §3.1, §3.5 and §5 with `verified` required. Tokens
 * of users who may not log in are minted with the shared secret, as a holder of a token issued earlier would have.
 */
import { expect } from "@effect/vitest"
import type { Scenario } from "./Scenarios.ts"
import type { Helpers, Target, UserRead } from "./Support.ts"
import {
  expectDetail,
  expectEmpty,
  expectForbidden,
  expectJson,
  expectStatus,
  expectUnauthorized,
  expectUser,
  forgeJwt,
  freshEmail,
  nowSeconds,
  PASSWORD
} from "./Support.ts"

const scenarios: Array<Scenario> = []
const scenario = (section: string, name: string, run: Scenario["run"]): void => {
  scenarios.push({ section, name, run })
}

/** An access token for `user`, as the JWT strategy writes them. */
const tokenFor = (t: Target, user: UserRead): string =>
  forgeJwt({ sub: user.id, aud: ["fastapi-users:auth"], exp: nowSeconds() + 3600 }, t.secret)

/** Registers a user and sets its flags through a superuser; no login (unverified users may not). */
const userWith = async (
  h: Helpers,
  flags: { readonly is_active?: boolean; readonly is_verified?: boolean; readonly is_superuser?: boolean },
  prefix: string
): Promise<{ readonly user: UserRead; readonly email: string }> => {
  const email = freshEmail(prefix)
  let user = await h.register(email)
  if (Object.keys(flags).length > 0) user = await h.patchUser(user.id, flags)
  return { user, email }
}

scenario("§3.1 login, requires_verification", "an unverified user is refused after the password", async (_t, h) => {
  const { email } = await userWith(h, {}, "unverified")
  for (const backend of ["jwt", "cookie"]) {
    const refused = await h.request("POST", `/auth/${backend}/login`, { form: { username: email, password: PASSWORD } })
    expectDetail(refused, 400, "LOGIN_USER_NOT_VERIFIED")
    expect(refused.setCookies).toStrictEqual([])
    expectDetail(
      await h.request("POST", `/auth/${backend}/login`, { form: { username: email, password: "wrong" } }),
      400,
      "LOGIN_BAD_CREDENTIALS"
    )
  }
})

scenario("§3.1 login, requires_verification", "inactive beats unverified; verified users log in", async (_t, h) => {
  const inactive = await userWith(h, { is_active: false }, "inactiveunverified")
  expectDetail(
    await h.request("POST", "/auth/jwt/login", { form: { username: inactive.email, password: PASSWORD } }),
    400,
    "LOGIN_BAD_CREDENTIALS"
  )
  const verified = await userWith(h, { is_verified: true }, "verifiedlogin")
  expectStatus(
    await h.request("POST", "/auth/jwt/login", { form: { username: verified.email, password: PASSWORD } }),
    200
  )
  const cookie = await h.request("POST", "/auth/cookie/login", {
    form: { username: verified.email, password: PASSWORD }
  })
  expectEmpty(cookie, 204)
  expect(cookie.setCookies.length).toBe(1)
})

scenario("§3.1 login, requires_verification", "verifying through /auth/verify opens the login", async (_t, h) => {
  const { email } = await userWith(h, {}, "verifythenlogin")
  expectDetail(
    await h.request("POST", "/auth/jwt/login", { form: { username: email, password: PASSWORD } }),
    400,
    "LOGIN_USER_NOT_VERIFIED"
  )
  await h.request("POST", "/auth/request-verify-token", { json: { email } })
  const { verify } = await h.tokens(email)
  expectUser(await h.request("POST", "/auth/verify", { json: { token: verify } }), 200, { is_verified: true })
  await h.login(email)
})

scenario("§3.1 logout, requires_verification", "an unverified user's token cannot log out (403)", async (t, h) => {
  const { user } = await userWith(h, {}, "unverifiedlogout")
  const token = tokenFor(t, user)
  expectForbidden(await h.request("POST", "/auth/jwt/logout", { bearer: token }))
  expectForbidden(await h.request("POST", "/auth/cookie/logout", { cookie: `fastapiusersauth=${token}` }))
  const verified = await userWith(h, { is_verified: true }, "verifiedlogout")
  expectEmpty(await h.request("POST", "/auth/jwt/logout", { bearer: tokenFor(t, verified.user) }), 204)
  const inactive = await userWith(h, { is_active: false }, "inactivelogout")
  expectUnauthorized(await h.request("POST", "/auth/jwt/logout", { bearer: tokenFor(t, inactive.user) }))
})

scenario("§5 requires_verification", "the 401/403 matrix of /users/me and /users/{id}", async (t, h) => {
  const su = await h.superuser()
  const target = await userWith(h, {}, "vmatrixtarget")
  const path = `/users/${target.user.id}`
  const unverified = tokenFor(t, (await userWith(h, {}, "vunverified")).user)
  const verified = tokenFor(t, (await userWith(h, { is_verified: true }, "vverified")).user)
  const superUnverified = tokenFor(t, (await userWith(h, { is_superuser: true }, "vsuperunverified")).user)
  const inactiveVerified = tokenFor(
    t,
    (await userWith(h, { is_active: false, is_verified: true }, "vinactive")).user
  )
  // /me: active and verified
  expectForbidden(await h.request("GET", "/users/me", { bearer: unverified }))
  expectForbidden(await h.request("PATCH", "/users/me", { bearer: unverified, json: {} }))
  expectForbidden(await h.request("PATCH", "/users/me", { bearer: unverified, json: { email: "bad" } }))
  expectStatus(await h.request("GET", "/users/me", { bearer: verified }), 200)
  expectStatus(await h.request("PATCH", "/users/me", { bearer: verified, json: {} }), 200)
  expectUnauthorized(await h.request("GET", "/users/me", { bearer: inactiveVerified }))
  expectUnauthorized(await h.request("GET", "/users/me"))
  // /{id}: active, verified and superuser
  expectForbidden(await h.request("GET", path, { bearer: unverified }))
  expectForbidden(await h.request("GET", path, { bearer: verified }))
  expectForbidden(await h.request("GET", path, { bearer: superUnverified }))
  expectForbidden(await h.request("DELETE", path, { bearer: superUnverified }))
  expectForbidden(await h.request("PATCH", path, { bearer: superUnverified, json: { email: "bad" } }))
  expectUnauthorized(await h.request("GET", path, { bearer: inactiveVerified }))
  expectUser(await h.request("GET", path, { bearer: su }), 200, { id: target.user.id })
})

scenario("§5 requires_verification", "the application's /protected requires only an active user", async (t, h) => {
  const { user, email } = await userWith(h, {}, "vprotected")
  expectJson(await h.request("GET", "/protected", { bearer: tokenFor(t, user) }), 200, { message: `Hello ${email}!` })
})

/** Every scenario of the `REQUIRES_VERIFICATION=1` configuration. */
export const all: ReadonlyArray<Scenario> = scenarios
