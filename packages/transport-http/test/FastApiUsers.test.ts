import type * as Strategy from "@effect-users/core/Strategy"
import * as User from "@effect-users/core/User"
import * as BearerTransport from "@effect-users/transport-http/BearerTransport"
import * as CookieTransport from "@effect-users/transport-http/CookieTransport"
import * as CurrentUser from "@effect-users/transport-http/CurrentUser"
import * as FastApiUsers from "@effect-users/transport-http/FastApiUsers"
import * as HttpTransport from "@effect-users/transport-http/HttpTransport"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Option } from "effect"
import { HttpRouter } from "effect/http"
import { HttpApi, HttpApiBuilder, HttpApiEndpoint } from "effect/http-api"
import { CoreLive } from "./utils.ts"

const strategy: Strategy.Strategy = {
  readToken: () => Effect.succeed(Option.none()),
  writeToken: () => Effect.succeed("token"),
  destroyToken: () => Effect.void,
  destroyAllForUser: () => Effect.void
}

class Authenticated extends CurrentUser.Guard<Authenticated>()("Authenticated") {}

describe("FastApiUsers.make", () => {
  it.effect("builds each strategy effect once for every guard and router of one layer build", () =>
    Effect.gen(function*() {
      let built = 0
      const counted = Effect.sync(() => {
        built++
        return strategy
      })
      const jwt = HttpTransport.backend("jwt", BearerTransport.make({ tokenUrl: "auth/jwt/login" }), counted)
      const Users = FastApiUsers.make({
        model: User.defaultModel,
        backends: [jwt, HttpTransport.backend("cookie", CookieTransport.make(), strategy)]
      })
      const api = HttpApi.make("app").add(
        Users.authRouter(jwt, { prefix: "/auth/jwt" }),
        Users.usersRouter({ prefix: "/users" }),
        Users.usersRouter({ prefix: "/users-rv", requiresVerification: true })
      )
      yield* Layer.build(
        Layer.mergeAll(Users.layer(api), Users.guard(Authenticated)).pipe(
          Layer.provide(CoreLive),
          Layer.provide(HttpRouter.layer)
        )
      )
      assert.strictEqual(built, 1)
    }))

  it.effect("two backend names equal once sanitised fail at start-up (FastAPI Users' DuplicateBackendNamesError)", () =>
    Effect.gen(function*() {
      const Users = FastApiUsers.make({
        model: User.defaultModel,
        backends: [
          HttpTransport.backend("mock-bis", BearerTransport.make({ tokenUrl: "a" }), strategy),
          HttpTransport.backend("mockbis", CookieTransport.make(), strategy)
        ]
      })
      const exit = yield* Effect.exit(Layer.build(Users.guard(Authenticated)))
      assert.isTrue(Exit.isFailure(exit))
      assert.include(Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "", "DuplicateBackendNames")
    }))

  it("adds the security schemes, secures the operations documenting a 401 that declare none, one tag per name", () => {
    const Users = FastApiUsers.make({
      model: User.defaultModel,
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
      tags: [{ name: "auth" }, { name: "auth" }, { name: "users" }],
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
      tags: [{ name: "auth" }, { name: "users" }],
      components: {
        schemas: {},
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
  it.effect("refuses an api whose copy of a router's group has endpoints the router does not make", () =>
    Effect.gen(function*() {
      const Users = FastApiUsers.make({
        model: User.defaultModel,
        backends: [HttpTransport.backend("jwt", BearerTransport.make({ tokenUrl: "a" }), strategy)]
      })
      const Register = Users.registerRouter({ prefix: "/auth" }).add(HttpApiEndpoint.get("extra", "/extra"))
      const exit = yield* Effect.exit(
        Layer.build(
          Users.layer(HttpApi.make("app").add(Register)).pipe(Layer.provide(CoreLive), Layer.provide(HttpRouter.layer))
        )
      )
      assert.isTrue(Exit.isFailure(exit))
      assert.include(Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "", "add the routers' groups with their own")
    }))

  it.effect("serves only its own builder's routers", () =>
    Effect.gen(function*() {
      const backends = [HttpTransport.backend("jwt", BearerTransport.make({ tokenUrl: "a" }), strategy)] as const
      const Ours = FastApiUsers.make({ model: User.defaultModel, backends })
      const Theirs = FastApiUsers.make({ model: User.defaultModel, backends })
      const api = HttpApi.make("app").add(Ours.registerRouter({ prefix: "/auth" }))
      // `Theirs` serves nothing of `api`: `HttpApiBuilder.layer(api)` on it alone reports the group missing
      const build = (users: typeof Ours) =>
        Effect.exit(Layer.build(
          HttpApiBuilder.layer(api).pipe(
            Layer.provide(users.layer(api)),
            Layer.provide(CoreLive),
            Layer.provide(HttpRouter.layer),
            Layer.provide(NodeHttpServer.layerTest)
          )
        ))
      assert.isTrue(Exit.isFailure(yield* build(Theirs)))
      assert.isTrue(Exit.isSuccess(yield* build(Ours)))
    }))
})
