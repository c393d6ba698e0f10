import type * as Strategy from "@effect-users/core/Strategy"
import * as BearerTransport from "@effect-users/transport-http/BearerTransport"
import * as CookieTransport from "@effect-users/transport-http/CookieTransport"
import * as FastApiUsers from "@effect-users/transport-http/FastApiUsers"
import * as HttpTransport from "@effect-users/transport-http/HttpTransport"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Option } from "effect"
import { HttpApi } from "effect/http-api"

const strategy: Strategy.Strategy = {
  readToken: () => Effect.succeed(Option.none()),
  writeToken: () => Effect.succeed("token"),
  destroyToken: () => Effect.void,
  destroyAllForUser: () => Effect.void
}

describe("FastApiUsers.make", () => {
  it.effect("builds each strategy effect once and keeps the backends' order", () =>
    Effect.gen(function*() {
      let built = 0
      const counted = Effect.sync(() => {
        built++
        return strategy
      })
      const Users = FastApiUsers.make({
        backends: [
          HttpTransport.backend("jwt", BearerTransport.make({ tokenUrl: "auth/jwt/login" }), counted),
          HttpTransport.backend("cookie", CookieTransport.make(), strategy)
        ]
      })
      const backends = yield* Users.resolvedBackends
      assert.deepStrictEqual(backends.map((b) => b.name), ["jwt", "cookie"])
      assert.strictEqual(built, 1)
      assert.strictEqual(backends[1].strategy, strategy)
    }))

  it.effect("two backend names equal once sanitised fail at start-up (FastAPI Users' DuplicateBackendNamesError)", () =>
    Effect.gen(function*() {
      const Users = FastApiUsers.make({
        backends: [
          HttpTransport.backend("mock-bis", BearerTransport.make({ tokenUrl: "a" }), strategy),
          HttpTransport.backend("mockbis", CookieTransport.make(), strategy)
        ]
      })
      const exit = yield* Effect.exit(Users.resolvedBackends)
      assert.isTrue(Exit.isFailure(exit))
    }))

  it("adds the security schemes, and secures the operations documenting a 401 that declare none", () => {
    const Users = FastApiUsers.make({
      backends: [
        HttpTransport.backend("jwt", BearerTransport.make({ tokenUrl: "auth/jwt/login" }), strategy),
        HttpTransport.backend("cookie", CookieTransport.make({ name: "sid" }), strategy)
      ]
    })
    const spec = Users.openApiTransform({
      paths: {
        "/mine": { get: { security: [], responses: { "200": {}, "401": {} } } },
        "/open": { get: { security: [], responses: { "200": {} } } },
        "/custom": { get: { security: [{ other: [] }], responses: { "401": {} } } }
      },
      components: { securitySchemes: { other: { type: "http" } } }
    })
    assert.deepStrictEqual(spec, {
      paths: {
        "/mine": {
          get: { security: [{ OAuth2PasswordBearer: [] }, { APIKeyCookie: [] }], responses: { "200": {}, "401": {} } }
        },
        "/open": { get: { security: [], responses: { "200": {} } } },
        "/custom": { get: { security: [{ other: [] }], responses: { "401": {} } } }
      },
      components: {
        securitySchemes: {
          other: { type: "http" },
          OAuth2PasswordBearer: { type: "oauth2", flows: { password: { scopes: {}, tokenUrl: "auth/jwt/login" } } },
          APIKeyCookie: { type: "apiKey", in: "cookie", name: "sid" }
        }
      }
    })
  })
})

describe("FastApiUsers.layer", () => {
  it.effect("refuses an HttpApi whose copy of a group was re-prefixed (its document would name unserved paths)", () =>
    Effect.gen(function*() {
      const Users = FastApiUsers.make({
        backends: [HttpTransport.backend("jwt", BearerTransport.make({ tokenUrl: "a" }), strategy)]
      })
      const Register = Users.registerRouter({ prefix: "/auth" })
      const Api = HttpApi.make("app").add(Register.prefix("/v1"))
      // (the handlers' services are never reached: the layer refuses the API first)
      const exit = yield* Effect.exit(Layer.build(Users.layer(Api) as Layer.Layer<unknown>))
      assert.isTrue(Exit.isFailure(exit))
      assert.include(
        String(Exit.isFailure(exit) ? Cause.pretty(exit.cause) : ""),
        "add the builder's groups as they are"
      )
    }))
})
