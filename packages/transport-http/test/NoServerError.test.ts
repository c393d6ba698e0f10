/**
 * No input makes the server answer 500 (deliberate difference Q2, docs/moving-from-fastapi-users.md): a sweep of malformed bodies, headers and ids over
 * every route, anonymous and authenticated.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Effect } from "effect"
import { HttpClientRequest } from "effect/http"
import { bearer, createUser, makeApp, send, tokenFor } from "./utils.ts"

const routes: ReadonlyArray<readonly [string, string]> = [
  ["POST", "/auth/bearer/login"],
  ["POST", "/auth/cookie/login"],
  ["POST", "/auth/register"],
  ["POST", "/auth/request-verify-token"],
  ["POST", "/auth/verify"],
  ["POST", "/auth/forgot-password"],
  ["POST", "/auth/reset-password"],
  ["GET", "/users/me"],
  ["PATCH", "/users/me"],
  ["GET", "/users/%00"],
  ["PATCH", "/users/00000000-0000-4000-8000-000000000000"],
  ["DELETE", "/users/%E2%82%AC"],
  ["GET", "/protected"],
  // last: they revoke the token
  ["POST", "/auth/cookie/logout"],
  ["POST", "/auth/bearer/logout"]
]

const bodies: ReadonlyArray<readonly [string, string]> = [
  ["", "application/json"],
  ["null", "application/json"],
  ["[]", "application/json"],
  ["\"string\"", "application/json"],
  ["42", "application/json"],
  ["{", "application/json"],
  ["{\"email\": null, \"password\": null, \"token\": null}", "application/json"],
  ["{\"email\": 1, \"password\": {}, \"is_active\": \"yes\", \"is_superuser\": null}", "application/json"],
  ["{\"email\": \"a@b.co\", \"password\": \"" + "x".repeat(10_000) + "\"}", "application/json"],
  ["{\"email\": \"\\u0000@\\u0000.co\", \"password\": \"\\ud800\"}", "application/json"],
  [
    "{\"__proto__\": {\"is_superuser\": true}, \"email\": \"p@example.com\", \"password\": \"abc\"}",
    "application/json"
  ],
  ["username=&password=", "application/x-www-form-urlencoded"],
  ["username=a%40b.co&password=x&grant_type=", "application/x-www-form-urlencoded"],
  ["%%%", "application/x-www-form-urlencoded"],
  ["email=a", "text/plain"],
  ["\u0000\u0001", "application/octet-stream"]
]

const authorizations = [
  undefined,
  "Bearer",
  "Bearer   ",
  "Basic Zm9vOmJhcg==",
  "Bearer \u00ff\u00fe",
  "Bearer a.b.c",
  "bearer " + "x".repeat(5000)
]

describe("no 500 for any input", () => {
  layer(makeApp({ requiresVerification: false }))((it) => {
    it.effect("malformed bodies, headers and ids on every route", () =>
      Effect.gen(function*() {
        const admin = yield* createUser({ is_superuser: true })
        const token = yield* tokenFor(admin.email)
        const seen = new Set<number>()
        for (const [method, path] of routes) {
          for (const [body, contentType] of bodies) {
            for (const authorization of [...authorizations, `Bearer ${token}`]) {
              const empty = HttpClientRequest.make(method as "POST")(path)
              const base = method === "GET" ? empty : HttpClientRequest.bodyText(empty, body, contentType)
              const request = authorization === undefined
                ? base
                : HttpClientRequest.setHeader(base, "authorization", authorization)
              const reply = yield* send(request)
              seen.add(reply.status)
              assert.isBelow(
                reply.status,
                500,
                `${method} ${path} ${body.slice(0, 40)} -> ${reply.status} ${reply.text}`
              )
            }
          }
        }
        const cookie = yield* send(
          HttpClientRequest.get("/users/me").pipe(HttpClientRequest.setHeader("cookie", "fastapiusersauth=\"; x=%"))
        )
        assert.strictEqual(cookie.status, 401)
        assert.includeMembers([...seen], [200, 401, 422], [...seen].join(","))
        // the bearer logout revoked the token
        const me = yield* send(HttpClientRequest.get("/users/me").pipe(HttpClientRequest.setHeaders(bearer(token))))
        assert.strictEqual(me.status, 401)
      }))
  })
})
