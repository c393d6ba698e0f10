/**
 * Infrastructure failures are a 503 `{"detail": "SERVICE_UNAVAILABLE"}` (deliberate difference Q14, docs/moving-from-fastapi-users.md), and the server
 * keeps answering once the store is back.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer, Logger } from "effect"
import { bearer, createUser, get, login, makeApp, outage, patch, post, tokenFor } from "./utils.ts"

const down = <A, E, R>(which: "strategy" | "repository", effect: Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      outage[which] = true
    }),
    () => effect,
    () =>
      Effect.sync(() => {
        outage[which] = false
      })
  )

const errorLines: Array<string> = []
const capture = Logger.make((options) => {
  if (options.logLevel === "Error") errorLines.push(String(options.message))
})

describe("503 SERVICE_UNAVAILABLE", () => {
  layer(makeApp({ requiresVerification: false }).pipe(Layer.provide(Logger.layer([capture]))))((it) => {
    it.effect("a repository outage: login, register, forgot-password, verify request, /users/{id}", () =>
      Effect.gen(function*() {
        const admin = yield* createUser({ is_superuser: true })
        const token = yield* tokenFor(admin.email)
        const replies = yield* down(
          "repository",
          Effect.all([
            login("bearer", admin.email, "secret"),
            post("/auth/register", { email: "down@example.com", password: "secret" }),
            post("/auth/forgot-password", { email: admin.email }),
            post("/auth/request-verify-token", { email: admin.email }),
            get("/users/me", bearer(token)),
            get(`/users/${admin.user.id}`, bearer(token)),
            patch("/users/me", { email: "x@example.com" }, bearer(token))
          ])
        )
        for (const reply of replies) {
          assert.deepStrictEqual([reply.status, reply.json], [503, { detail: "SERVICE_UNAVAILABLE" }])
        }
        // one error log line per 503
        assert.strictEqual(errorLines.filter((line) => line.includes("UserRepositoryError")).length, replies.length)
        assert.strictEqual((yield* get("/users/me", bearer(token))).status, 200)
      }))

    it.effect("a strategy outage: guarded routes and the application's guards", () =>
      Effect.gen(function*() {
        const { email } = yield* createUser()
        const token = yield* tokenFor(email)
        const replies = yield* down(
          "strategy",
          Effect.all([
            get("/users/me", bearer(token)),
            get("/protected", bearer(token)),
            get("/maybe", bearer(token)),
            post("/auth/bearer/logout", undefined, bearer(token))
          ])
        )
        for (const reply of replies) {
          assert.deepStrictEqual([reply.status, reply.json], [503, { detail: "SERVICE_UNAVAILABLE" }])
        }
        assert.strictEqual((yield* get("/protected", bearer(token))).status, 200)
      }))
  })
})
