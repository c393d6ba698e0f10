/**
 * The server's hardening and FastAPI's fallback answers: paths matched as FastAPI matches them, the body limit on
 * the application's own routes, and an unexpected failure answered with a logged 500.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Effect } from "effect"
import { HttpClientRequest } from "effect/http"
import { errorLogs, get, makeApp, post, postRaw, send } from "./utils.ts"

describe("Hardening and Fallback", () => {
  layer(makeApp({ requiresVerification: false }))((it) => {
    it.effect("paths: case-sensitive, no empty segments, `;` kept, escapes decoded", () =>
      Effect.gen(function*() {
        const body = { email: "a@example.com", password: "abc" }
        for (const path of ["/AUTH/REGISTER", "//auth/register", "/auth//register", "/auth/register;x"]) {
          const reply = yield* post(path, body)
          assert.deepStrictEqual([path, reply.status, reply.json], [path, 404, { detail: "Not Found" }])
        }
        assert.strictEqual((yield* postRaw("/auth/%72egister", "", "application/json")).status, 422)
        assert.strictEqual((yield* get("/users/x;y")).status, 401)
        // (Starlette's trailing-slash 307 is pinned by the black-box suite: this client drops a trailing slash)
      }))

    it.effect("405 with Starlette's Allow (the first route of the path), HEAD and OPTIONS included", () =>
      Effect.gen(function*() {
        for (const method of ["PUT", "HEAD", "OPTIONS"] as const) {
          const reply = yield* send(HttpClientRequest.make(method)("/users/me"))
          assert.deepStrictEqual([method, reply.status, reply.headers["allow"]], [method, 405, "GET"])
        }
      }))

    it.effect("the application's own routes get the body limit too: 413", () =>
      Effect.gen(function*() {
        const reply = yield* post("/echo", { name: "x".repeat(2 * 1024 * 1024), age: 1 })
        assert.deepStrictEqual([reply.status, reply.json], [413, { detail: "Request body too large" }])
        assert.strictEqual((yield* post("/echo", { name: "x", age: 1 })).status, 200)
      }))

    it.effect("an unexpected failure is a 500 and an error log line, never a silent one", () =>
      Effect.gen(function*() {
        const before = errorLogs.length
        const reply = yield* get("/boom")
        assert.deepStrictEqual([reply.status, reply.text], [500, "Internal Server Error"])
        assert.include(errorLogs.slice(before).join("\n"), "unexpected failure")
      }))
  })
})
