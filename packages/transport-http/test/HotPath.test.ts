/**
 * The hot path (`GET <users prefix>/me` answered ahead of the router): it answers alone, exactly as the HttpApi route
 * answers, and steps aside wherever the application added a middleware of its own to the route.
 */
import * as User from "@effect-users/core/User"
import * as BearerTransport from "@effect-users/transport-http/BearerTransport"
import * as FastApiUsers from "@effect-users/transport-http/FastApiUsers"
import * as HttpTransport from "@effect-users/transport-http/HttpTransport"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { HttpApi, HttpApiBuilder, HttpApiMiddleware } from "effect/http-api"
import type { Reply } from "./utils.ts"
import { bearer, createUser, get, makeApp, makeCore, opaqueStrategy, outage, tokenFor } from "./utils.ts"

const backend = HttpTransport.backend("bearer", BearerTransport.make({ tokenUrl: "auth/bearer/login" }), opaqueStrategy)

/** `api`: the auth and users routers of `Users`; `auth`: the auth router alone. */
const apis = (Users: ReturnType<typeof makeUsers>) => {
  const Auth = Users.authRouter(backend, { prefix: "/auth/bearer" })
  return {
    api: HttpApi.make("hot").add(Auth, Users.usersRouter({ prefix: "/users" })),
    auth: HttpApi.make("hot").add(Auth)
  }
}
const makeUsers = () => FastApiUsers.make({ model: User.defaultModel, backends: [backend] })

class Stamp extends HttpApiMiddleware.Service<Stamp>()("test/Stamp") {}
const StampLive = Layer.succeed(
  Stamp,
  (httpEffect) => Effect.map(httpEffect, HttpServerResponse.setHeader("x-stamp", "1"))
)

describe("the hot path alone", () => {
  const Users = makeUsers()
  const { api, auth } = apis(Users)
  // the router serves only the auth group: `GET /users/me` can only be answered by the seam of `Users.layer(api)`
  const App = HttpRouter.serve(
    HttpApiBuilder.layer(auth).pipe(Layer.provide(Users.layer(api))),
    { disableLogger: true, disableListenLog: true }
  ).pipe(Layer.provideMerge(makeCore(User.defaultModel)), Layer.provideMerge(NodeHttpServer.layerTest))

  layer(App)((it) => {
    it.effect("answers GET /users/me exactly, and nothing else", () =>
      Effect.gen(function*() {
        const { email } = yield* createUser()
        const token = yield* tokenFor(email)
        const me = yield* get("/users/me", bearer(token))
        assert.deepStrictEqual([me.status, (me.json as { readonly email: string }).email], [200, email])
        assert.deepStrictEqual((yield* get("/users/me")).status, 401)
        // any other form of the request is the router's (here: no route)
        assert.strictEqual((yield* get("/users/me?x=1", bearer(token))).status, 404)
      }))

    it.effect("answers a defect with a logged 500, like every other route", () =>
      Effect.gen(function*() {
        outage.defect = true
        const reply = yield* get("/users/me", bearer("any")).pipe(
          Effect.ensuring(Effect.sync(() => (outage.defect = false)))
        )
        assert.deepStrictEqual([reply.status, reply.text], [500, "Internal Server Error"])
      }))
  })
})

const answers = (reply: Reply) => [reply.status, reply.headers["content-type"], reply.text]

describe("the hot path answers as the HttpApi route", () => {
  for (const requiresVerification of [false, true]) {
    for (const hotPath of [true, false]) {
      describe(`requiresVerification: ${requiresVerification}, hotPath: ${hotPath}`, () => {
        layer(makeApp({ requiresVerification, hotPath }))((it) => {
          it.effect("the same answers for every kind of caller", () =>
            Effect.gen(function*() {
              const results: Array<unknown> = []
              const active = yield* createUser({ is_verified: true })
              const unverified = yield* createUser()
              const token = yield* tokenFor(active.email)
              results.push(answers(yield* get("/users/me")).slice(0, 3))
              results.push(answers(yield* get("/users/me", bearer("nope"))))
              results.push(answers(yield* get("/users/me", { authorization: "Basic x" })))
              const me = yield* get("/users/me", bearer(token))
              results.push([me.status, me.headers["content-type"], Object.keys(me.json as object).sort()])
              const unverifiedToken = yield* tokenFor(unverified.email)
              const refusal = yield* get("/users/me", bearer(unverifiedToken))
              results.push([refusal.status, refusal.text])
              outage.strategy = true
              const down = yield* get("/users/me", bearer(token)).pipe(Effect.ensuring(Effect.sync(() => {
                outage.strategy = false
              })))
              results.push(answers(down))
              const expected = [
                [401, "application/json", "{\"detail\":\"Unauthorized\"}"],
                [401, "application/json", "{\"detail\":\"Unauthorized\"}"],
                [401, "application/json", "{\"detail\":\"Unauthorized\"}"],
                [200, "application/json", ["email", "id", "is_active", "is_superuser", "is_verified"]],
                // (with requiresVerification the unverified user could not log in: no token, 401)
                requiresVerification ? [401, "{\"detail\":\"Unauthorized\"}"] : [200, refusal.text],
                [503, "application/json", "{\"detail\":\"SERVICE_UNAVAILABLE\"}"]
              ]
              assert.deepStrictEqual(results, expected)
            }))
        })
      })
    }
  }
})

describe("the hot path steps aside for the application's own middlewares", () => {
  const Users = makeUsers()
  const api = HttpApi.make("hot").add(
    Users.authRouter(backend, { prefix: "/auth/bearer" }),
    Users.usersRouter({ prefix: "/users" }).middleware(Stamp)
  )
  const App = HttpRouter.serve(
    HttpApiBuilder.layer(api).pipe(Layer.provide(Users.layer(api)), Layer.provide(StampLive)),
    { disableLogger: true, disableListenLog: true }
  ).pipe(Layer.provideMerge(makeCore(User.defaultModel)), Layer.provideMerge(NodeHttpServer.layerTest))

  layer(App)((it) => {
    it.effect("a middleware added to the users group runs on GET /users/me", () =>
      Effect.gen(function*() {
        const { email } = yield* createUser()
        const me = yield* get("/users/me", bearer(yield* tokenFor(email)))
        assert.deepStrictEqual([me.status, me.headers["x-stamp"]], [200, "1"])
      }))
  })
})
