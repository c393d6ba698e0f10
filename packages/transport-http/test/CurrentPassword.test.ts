/**
 * `requireCurrentPassword` on the users router: `PATCH /me` changing the password needs the current one; other
 * changes do not; the default (FastAPI Users) does not ask.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Effect } from "effect"
import { bearer, createUser, login, makeApp, patch, tokenFor } from "./utils.ts"

const invalid = (reason: string) => ({ detail: { code: "UPDATE_USER_INVALID_PASSWORD", reason } })

describe("users router: requireCurrentPassword", () => {
  layer(makeApp({ requiresVerification: false, requireCurrentPassword: true }))((it) => {
    it.effect("a password change without the current password, or with a wrong one, is 400; with it, done", () =>
      Effect.gen(function*() {
        const { email, password } = yield* createUser()
        const auth = bearer(yield* tokenFor(email))
        const without = yield* patch("/users/me", { password: "a new password" }, auth)
        assert.deepStrictEqual([without.status, without.json], [
          400,
          invalid("The current password is required to change the password")
        ])
        const wrong = yield* patch("/users/me", { password: "a new password", current_password: "nope" }, auth)
        assert.deepStrictEqual([wrong.status, wrong.json], [400, invalid("The current password is wrong")])
        assert.strictEqual((yield* login("bearer", email, "a new password")).status, 400)
        const right = yield* patch("/users/me", { password: "a new password", current_password: password }, auth)
        assert.strictEqual(right.status, 200)
        assert.strictEqual((yield* login("bearer", email, "a new password")).status, 200)
        // other fields need no password
        assert.strictEqual((yield* patch("/users/me", { is_active: true }, auth)).status, 200)
      }))
  })

  layer(makeApp({ requiresVerification: false }))((it) => {
    it.effect("off (FastAPI Users' contract): a password change needs nothing more", () =>
      Effect.gen(function*() {
        const { email } = yield* createUser()
        const auth = bearer(yield* tokenFor(email))
        assert.strictEqual((yield* patch("/users/me", { password: "a new password" }, auth)).status, 200)
      }))
  })
})
