/**
 * Cookie hardening: the cross-site check of state-changing cookie-authenticated requests (login included), the
 * `__Host-` cookie, duplicate auth cookies refused; and none of it on the default configuration.
 */
import * as CookieTransport from "@effect-users/transport-http/CookieTransport"
import * as CrossSite from "@effect-users/transport-http/CrossSite"
import { assert, describe, layer } from "@effect/vitest"
import { Effect } from "effect"
import { bearer, createUser, get, makeApp, patch, postRaw, tokenFor } from "./utils.ts"

const loginCookie = (username: string, password: string, headers: Record<string, string> = {}) =>
  postRaw(
    "/auth/cookie/login",
    new URLSearchParams({ username, password }).toString(),
    "application/x-www-form-urlencoded",
    headers
  )

const cookieOf = (setCookie: string | undefined) => setCookie?.split(";")[0] ?? ""

const evil = { origin: "https://evil.example" }
const crossSite = { "sec-fetch-site": "cross-site" }

describe("CrossSite and the __Host- cookie", () => {
  layer(makeApp({
    requiresVerification: false,
    crossSite: CrossSite.layer({ allowedOrigins: ["https://app.example"] }),
    cookieTransport: CookieTransport.makeHostPrefixed()
  }))((it) => {
    it.effect("login CSRF: a cross-site login on the cookie backend is 403; same-origin and non-browser are not", () =>
      Effect.gen(function*() {
        const { email, password } = yield* createUser()
        for (const headers of [evil, crossSite, { "sec-fetch-site": "same-site" }, { origin: "null" }]) {
          const reply = yield* loginCookie(email, password, headers)
          assert.deepStrictEqual([JSON.stringify(headers), reply.status, reply.json], [
            JSON.stringify(headers),
            403,
            { detail: "CROSS_SITE_REQUEST" }
          ])
        }
        for (
          const headers of [{}, { "sec-fetch-site": "same-origin" }, { "sec-fetch-site": "none" }, {
            origin: "https://app.example"
          }]
        ) {
          assert.strictEqual((yield* loginCookie(email, password, headers)).status, 204, JSON.stringify(headers))
        }
        // the bearer login is not concerned (no cookie is set or sent)
        const bearerLogin = yield* postRaw(
          "/auth/bearer/login",
          new URLSearchParams({ username: email, password }).toString(),
          "application/x-www-form-urlencoded",
          evil
        )
        assert.strictEqual(bearerLogin.status, 200)
      }))

    it.effect("a state-changing request carrying the auth cookie is 403 cross-site; reads and bearer requests pass", () =>
      Effect.gen(function*() {
        const { email, password } = yield* createUser()
        const cookie = cookieOf((yield* loginCookie(email, password)).headers["set-cookie"])
        assert.isTrue(cookie.startsWith("__Host-fastapiusersauth="), cookie)
        assert.strictEqual((yield* patch("/users/me", { first: 1 }, { cookie, ...evil })).status, 403)
        assert.strictEqual((yield* patch("/users/me", {}, { cookie, ...crossSite })).status, 403)
        assert.strictEqual((yield* patch("/users/me", {}, { cookie, "sec-fetch-site": "same-origin" })).status, 200)
        assert.strictEqual((yield* get("/users/me", { cookie, ...evil })).status, 200)
        const token = yield* tokenFor(email)
        assert.strictEqual((yield* patch("/users/me", {}, { ...bearer(token), ...evil })).status, 200)
      }))

    it.effect("the __Host- cookie: Secure, Path=/, no Domain; a second cookie of the name is refused (401)", () =>
      Effect.gen(function*() {
        const { email, password } = yield* createUser()
        const setCookie = (yield* loginCookie(email, password)).headers["set-cookie"] ?? ""
        assert.include(setCookie, "Secure")
        assert.include(setCookie, "Path=/")
        assert.notInclude(setCookie, "Domain")
        const cookie = cookieOf(setCookie)
        assert.strictEqual((yield* get("/users/me", { cookie })).status, 200)
        // a cookie planted beside it (another path or a parent domain): refused, not guessed between
        assert.strictEqual(
          (yield* get("/users/me", { cookie: `${cookie}; __Host-fastapiusersauth=planted` })).status,
          401
        )
        assert.strictEqual(
          (yield* get("/users/me", { cookie: `__Host-fastapiusersauth=planted; ${cookie}` })).status,
          401
        )
      }))
  })

  layer(makeApp({ requiresVerification: false }))((it) => {
    it.effect("not provided: FastAPI Users' contract (a cross-site cookie login and update pass, a duplicate too)", () =>
      Effect.gen(function*() {
        const { email, password } = yield* createUser()
        const login = yield* loginCookie(email, password, { ...evil, ...crossSite })
        assert.strictEqual(login.status, 204)
        const cookie = cookieOf(login.headers["set-cookie"])
        assert.strictEqual((yield* patch("/users/me", {}, { cookie, ...evil })).status, 200)
        assert.strictEqual((yield* get("/users/me", { cookie: `${cookie}; fastapiusersauth=x` })).status, 200)
      }))
  })
})
