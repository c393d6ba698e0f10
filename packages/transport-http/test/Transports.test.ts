import * as BearerTransport from "@effect-users/transport-http/BearerTransport"
import * as CookieTransport from "@effect-users/transport-http/CookieTransport"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { HttpServerRequest } from "effect/http"

const request = (headers: Record<string, string>) =>
  HttpServerRequest.fromWeb(new Request("http://localhost/users/me", { headers }))

describe("BearerTransport (FastAPI Users 15.0.5's wire format)", () => {
  it("reads the token after a case-insensitive bearer scheme, trimmed", () => {
    assert.deepStrictEqual(BearerTransport.parseAuthorization("Bearer abc"), Option.some("abc"))
    assert.deepStrictEqual(BearerTransport.parseAuthorization("bearer xyz"), Option.some("xyz"))
    assert.deepStrictEqual(BearerTransport.parseAuthorization("BEARER  xyz "), Option.some("xyz"))
  })

  it("has no token without the header, with another scheme, or with an empty token", () => {
    assert.isTrue(Option.isNone(BearerTransport.parseAuthorization(undefined)))
    assert.isTrue(Option.isNone(BearerTransport.parseAuthorization("Basic dXNlcjpwdw==")))
    assert.isTrue(Option.isNone(BearerTransport.parseAuthorization("Bearer")))
    assert.isTrue(Option.isNone(BearerTransport.parseAuthorization("Bearer ")))
    assert.isTrue(Option.isNone(BearerTransport.parseAuthorization("Bearerabc")))
    assert.isTrue(Option.isNone(BearerTransport.parseAuthorization("Token abc")))
  })

  it.effect("reads the Authorization header of a request; logout is not supported", () =>
    Effect.gen(function*() {
      const transport = BearerTransport.make({ tokenUrl: "auth/jwt/login" })
      assert.deepStrictEqual(transport.readToken(request({ authorization: "Bearer t0k" })), Option.some("t0k"))
      assert.isTrue(Option.isNone(transport.readToken(request({}))))
      const error = yield* Effect.flip(transport.logoutResponse)
      assert.strictEqual(error._tag, "LogoutNotSupported")
      const login = yield* transport.loginResponse("t0k")
      assert.strictEqual(login.status, 200)
      assert.deepStrictEqual(transport.securityScheme, {
        name: "OAuth2PasswordBearer",
        scheme: { type: "oauth2", flows: { password: { scopes: {}, tokenUrl: "auth/jwt/login" } } }
      })
    }))
})

describe("CookieTransport (FastAPI Users 15.0.5's wire format)", () => {
  it("serialises FastAPI Users' defaults, in the reference's attribute order", () => {
    assert.strictEqual(
      CookieTransport.serialize({}, "tok", undefined),
      "fastapiusersauth=tok; HttpOnly; Path=/; SameSite=lax; Secure"
    )
    assert.strictEqual(
      CookieTransport.serialize({}, "tok", 3600),
      "fastapiusersauth=tok; HttpOnly; Max-Age=3600; Path=/; SameSite=lax; Secure"
    )
  })

  it("emits Domain only when set, drops Secure and HttpOnly when disabled, honours name, path and SameSite", () => {
    assert.strictEqual(
      CookieTransport.serialize(
        { name: "sid", domain: "example.com", path: "/app", secure: false, httpOnly: false, sameSite: "strict" },
        "tok",
        60
      ),
      "sid=tok; Domain=example.com; Max-Age=60; Path=/app; SameSite=strict"
    )
  })

  it.effect("login is 204 with one Set-Cookie; logout clears it with the same attributes, \"\" and Max-Age=0", () =>
    Effect.gen(function*() {
      const transport = CookieTransport.make({ maxAge: 3600, domain: "example.com" })
      const login = yield* transport.loginResponse("abc")
      assert.strictEqual(login.status, 204)
      assert.strictEqual(
        login.headers["set-cookie"],
        "fastapiusersauth=abc; Domain=example.com; HttpOnly; Max-Age=3600; Path=/; SameSite=lax; Secure"
      )
      const logout = yield* transport.logoutResponse
      assert.strictEqual(logout.status, 204)
      assert.strictEqual(
        logout.headers["set-cookie"],
        "fastapiusersauth=\"\"; Domain=example.com; HttpOnly; Max-Age=0; Path=/; SameSite=lax; Secure"
      )
    }))

  it("reads the cookie of its name; absent or empty is no token", () => {
    const transport = CookieTransport.make()
    assert.deepStrictEqual(
      transport.readToken(request({ cookie: "fastapiusersauth=abc; other=1" })),
      Option.some("abc")
    )
    assert.isTrue(Option.isNone(transport.readToken(request({ cookie: "other=1" }))))
    assert.isTrue(Option.isNone(transport.readToken(request({ cookie: "fastapiusersauth=" }))))
    assert.isTrue(Option.isNone(transport.readToken(request({ cookie: "fastapiusersauth=\"\"" }))))
    assert.deepStrictEqual(transport.securityScheme, {
      name: "APIKeyCookie",
      scheme: { type: "apiKey", in: "cookie", name: "fastapiusersauth" }
    })
  })
})
