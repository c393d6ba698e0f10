/**
 * The 401/403 matrix of FastAPI Users 15.0.5 with `requiresVerification: true`.
 */
import * as UserManager from "@effect-users/core/UserManager"
import { assert, describe, layer } from "@effect/vitest"
import { Effect } from "effect"
import { bearer, createUser, del, get, login, makeApp, patch, post, type Reply, tokenFor } from "./utils.ts"

const statusAndDetail = (reply: Reply) => [reply.status, (reply.json as { detail?: unknown } | undefined)?.detail]

describe("routes (requiresVerification: true)", () => {
  layer(makeApp({ requiresVerification: true }))((it) => {
    it.effect("login: 400 LOGIN_USER_NOT_VERIFIED for an unverified user (after the password), 200 when verified", () =>
      Effect.gen(function*() {
        const unverified = yield* createUser()
        const wrong = yield* login("bearer", unverified.email, "wrong")
        assert.deepStrictEqual(statusAndDetail(wrong), [400, "LOGIN_BAD_CREDENTIALS"])
        for (const backend of ["bearer", "cookie"] as const) {
          const reply = yield* login(backend, unverified.email, "secret")
          assert.deepStrictEqual(statusAndDetail(reply), [400, "LOGIN_USER_NOT_VERIFIED"])
        }
        const inactive = yield* createUser({ is_active: false })
        assert.deepStrictEqual(statusAndDetail(yield* login("bearer", inactive.email, "secret")), [
          400,
          "LOGIN_BAD_CREDENTIALS"
        ])
        const verified = yield* createUser({ is_verified: true })
        assert.strictEqual((yield* login("bearer", verified.email, "secret")).status, 200)
      }))

    it.effect("the matrix: unverified → 403 on /me, /{id}, logout; inactive → 401; verified non-superuser → 403 on /{id}", () =>
      Effect.gen(function*() {
        const manager = yield* UserManager.UserManager
        // tokens are minted while verified, then the flags change under them
        const verified = yield* createUser({ is_verified: true })
        const token = yield* tokenFor(verified.email)
        const admin = yield* createUser({ is_verified: true, is_superuser: true })
        const adminToken = yield* tokenFor(admin.email)
        const id = `/users/${verified.user.id}`

        assert.strictEqual((yield* get("/users/me", bearer(token))).status, 200)
        assert.deepStrictEqual(statusAndDetail(yield* get(id, bearer(token))), [403, "Forbidden"])
        assert.strictEqual((yield* get(id, bearer(adminToken))).status, 200)

        yield* Effect.orDie(manager.update({ is_verified: false }, verified.user))
        assert.deepStrictEqual(statusAndDetail(yield* get("/users/me", bearer(token))), [403, "Forbidden"])
        assert.deepStrictEqual(statusAndDetail(yield* patch("/users/me", {}, bearer(token))), [403, "Forbidden"])
        assert.deepStrictEqual(statusAndDetail(yield* post("/auth/bearer/logout", undefined, bearer(token))), [
          403,
          "Forbidden"
        ])
        // an application guard without `verified` still lets the unverified user in
        assert.strictEqual((yield* get("/protected", bearer(token))).status, 200)

        yield* Effect.orDie(manager.update({ is_verified: true, is_active: false }, verified.user))
        assert.deepStrictEqual(statusAndDetail(yield* get("/users/me", bearer(token))), [401, "Unauthorized"])
        assert.deepStrictEqual(statusAndDetail(yield* get(id, bearer(token))), [401, "Unauthorized"])
        assert.deepStrictEqual(statusAndDetail(yield* post("/auth/bearer/logout", undefined, bearer(token))), [
          401,
          "Unauthorized"
        ])
        assert.deepStrictEqual(statusAndDetail(yield* get("/protected", bearer(token))), [401, "Unauthorized"])

        yield* Effect.orDie(manager.update({ is_verified: false, is_active: true }, admin.user))
        assert.deepStrictEqual(statusAndDetail(yield* get(id, bearer(adminToken))), [403, "Forbidden"])
        assert.deepStrictEqual(statusAndDetail(yield* del(id, bearer(adminToken))), [403, "Forbidden"])
        yield* Effect.orDie(manager.update({ is_verified: true }, admin.user))
        assert.strictEqual((yield* del(id, bearer(adminToken))).status, 204)
      }))

    it.effect("without requirements a superuser's unverified state does not matter to /admin (superuser only)", () =>
      Effect.gen(function*() {
        const admin = yield* createUser({ is_superuser: true, is_verified: true })
        const token = yield* tokenFor(admin.email)
        const manager = yield* UserManager.UserManager
        yield* Effect.orDie(manager.update({ is_verified: false }, admin.user))
        assert.strictEqual((yield* get("/admin", bearer(token))).status, 200)
      }))
  })
})
