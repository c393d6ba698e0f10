/**
 * An application's user model with custom fields (and integer ids): register, read, update and validate them.
 */
import * as User from "@effect-users/core/User"
import * as UserId from "@effect-users/core/UserId"
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { bearer, get, login, makeApp, patch, post, type Reply } from "./utils.ts"

const AppUser = User.makeModel({
  id: UserId.integer,
  fields: { first_name: Schema.String, age: Schema.NullOr(Schema.Int) }
})

// An application declares `interface Register { readonly model: typeof AppUser }`; this test file cannot (the
// augmentation would retype every other test), so it hands the model over as the registered one.
const registered = (model: object): User.RegisteredModel => model as User.RegisteredModel

const locs = (reply: Reply) =>
  (reply.json as { detail: Array<{ loc: Array<string | number> }> }).detail.map((d) => d.loc)

describe("custom fields", () => {
  layer(makeApp({ requiresVerification: false, model: registered(AppUser) }))((it) => {
    it.effect("register, read and update an application's fields", () =>
      Effect.gen(function*() {
        const registered = yield* post("/auth/register", {
          email: "custom@example.com",
          password: "secret",
          first_name: "Ada",
          age: 36
        })
        assert.strictEqual(registered.status, 201)
        assert.deepStrictEqual(registered.json, {
          id: 1,
          email: "custom@example.com",
          is_active: true,
          is_superuser: false,
          is_verified: false,
          first_name: "Ada",
          age: 36
        })
        const token = (((yield* login("bearer", "custom@example.com", "secret")).json) as { access_token: string })
          .access_token
        const updated = yield* patch("/users/me", { first_name: "Augusta", age: null }, bearer(token))
        assert.strictEqual(updated.status, 200)
        assert.deepStrictEqual(
          [(updated.json as { first_name: string }).first_name, (updated.json as { age: null }).age],
          ["Augusta", null]
        )
        assert.deepStrictEqual((yield* get("/users/me", bearer(token))).json, updated.json)
      }))

    it.effect("422 with a loc for each invalid custom field; integer ids parse as Python's int()", () =>
      Effect.gen(function*() {
        const missing = yield* post("/auth/register", { email: "other@example.com", password: "secret" })
        assert.deepStrictEqual([missing.status, locs(missing)], [422, [["body", "first_name"], ["body", "age"]]])
        const wrong = yield* post("/auth/register", {
          email: "other@example.com",
          password: "secret",
          first_name: 1,
          age: 1.5
        })
        assert.deepStrictEqual([wrong.status, locs(wrong)], [422, [["body", "first_name"], ["body", "age"]]])
        const token = (((yield* login("bearer", "custom@example.com", "secret")).json) as { access_token: string })
          .access_token
        const badPatch = yield* patch("/users/me", { first_name: null }, bearer(token))
        assert.deepStrictEqual([badPatch.status, locs(badPatch)], [422, [["body", "first_name"]]])
      }))
  })
})
