import * as UserModel from "@effect-users/core/User"
import * as UserRepository from "@effect-users/core/UserRepository"
import * as RedisStrategy from "@effect-users/strategy-redis/RedisStrategy"
import { requireUrl } from "@effect-users/testing/TestServices"
import { assert, describe, it } from "@effect/vitest"
import { Clock, Config, ConfigProvider, Context, Effect, Exit, Layer, Option, Scope } from "effect"
import { createServer } from "node:net"
import { createUser, uniquePrefix } from "./utils.ts"

const Users = UserRepository.layerMemory.pipe(Layer.provideMerge(UserModel.layerDefaultModel))

const config = (url: string) => ConfigProvider.layer(ConfigProvider.fromEnvRecord({ EFFECT_USERS_TEST_REDIS_URL: url }))

const ClientFromConfig = RedisStrategy.layerClientConfig({ url: Config.Redacted("EFFECT_USERS_TEST_REDIS_URL") })

/** A loopback port nothing listens on. */
const closedPort = Effect.callback<number>((resume) => {
  const server = createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

describe("RedisStrategy.layerClientConfig", () => {
  it.live("builds a client from Config that the strategy uses, and closes it with the layer", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(
        ClientFromConfig.pipe(Layer.provide(config(requireUrl("REDIS_URL")))),
        scope
      )
      const client = Context.get(context, RedisStrategy.RedisClient)
      const keyPrefix = uniquePrefix()
      const strategy = yield* RedisStrategy.make({ lifetime: "1 minute", keyPrefix }).pipe(
        Effect.provideService(RedisStrategy.RedisClient, client)
      )
      const user = yield* createUser("ada@example.com")
      const token = yield* strategy.writeToken(user)
      assert.deepStrictEqual(Option.map(yield* strategy.readToken(token), (u) => u.id), Option.some(user.id))
      yield* strategy.destroyAllForUser(user)
      assert.strictEqual(client.options.commandTimeout, RedisStrategy.recommendedClientOptions.commandTimeout)
      yield* Scope.close(scope, Exit.void)
      const closed = yield* Effect.flip(Effect.tryPromise(() => client.ping()))
      assert.include(String(closed.cause), "Connection is closed")
    }).pipe(Effect.provide(Users)))

  it.live("starts while Redis is unreachable; the strategy then fails in bounded time", () =>
    Effect.gen(function*() {
      const port = yield* closedPort
      yield* Effect.gen(function*() {
        const client = yield* RedisStrategy.RedisClient
        const strategy = yield* RedisStrategy.make({ timeout: "1 second" })
        const start = yield* Clock.currentTimeMillis
        const error = yield* Effect.flip(strategy.readToken("D".repeat(43)))
        const millis = (yield* Clock.currentTimeMillis) - start
        assert.strictEqual(error._tag, "StrategyError")
        assert.isBelow(millis, 1_500)
        assert.notStrictEqual(client.status, "ready")
        assert.strictEqual(client.options.port, port)
      }).pipe(Effect.provide(ClientFromConfig.pipe(Layer.provide(config(`redis://127.0.0.1:${port}`)))))
    }).pipe(Effect.provide(Users)))
})
