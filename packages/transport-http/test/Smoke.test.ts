import { assert, describe, layer } from "@effect/vitest"
import { Effect } from "effect"
import { bearer, get, login, makeApp, post } from "./utils.ts"

describe("FastApiUsers (smoke)", () => {
  layer(makeApp({ requiresVerification: false }))((it) => {
    it.effect("register, bearer login, /users/me and an application route guarded by currentUser", () =>
      Effect.gen(function*() {
        const registered = yield* post("/auth/register", { email: "smoke@example.com", password: "secret" })
        assert.strictEqual(registered.status, 201)
        const loggedIn = yield* login("bearer", "smoke@example.com", "secret")
        assert.strictEqual(loggedIn.status, 200)
        const token = (loggedIn.json as { access_token: string }).access_token
        const me = yield* get("/users/me", bearer(token))
        assert.strictEqual(me.status, 200)
        assert.deepStrictEqual(me.json, registered.json)
        const app = yield* get("/protected", bearer(token))
        assert.deepStrictEqual([app.status, app.json], [200, { email: "smoke@example.com" }])
      }))
  })
})
