import * as UserModel from "@effect-users/core/User"
import * as UserId from "@effect-users/core/UserId"
import * as UserRepository from "@effect-users/core/UserRepository"
import * as RedisStrategy from "@effect-users/strategy-redis/RedisStrategy"
import * as StrategyConformance from "@effect-users/testing/StrategyConformance"
import { requireUrl } from "@effect-users/testing/TestServices"
import * as NodeRedis from "@effect/platform-node/NodeRedis"
import { Effect, Layer } from "effect"
import { acquireClient, cleanUp, uniquePrefix } from "./utils.ts"

/** The strategy on the test Redis, on a key prefix of its own deleted afterwards, users in memory. */
const layer = (model: UserModel.RegisteredModel) =>
  Layer.effect(
    StrategyConformance.StrategyUnderTest,
    Effect.gen(function*() {
      const client = yield* RedisStrategy.RedisClient
      const keyPrefix = uniquePrefix()
      yield* cleanUp(client, keyPrefix)
      return yield* RedisStrategy.make({ lifetime: "2 seconds", keyPrefix })
    })
  ).pipe(
    Layer.provideMerge(UserRepository.layerMemory),
    Layer.provide(
      Layer.effect(
        RedisStrategy.RedisClient,
        acquireClient(requireUrl("REDIS_URL"), RedisStrategy.recommendedClientOptions)
      )
    ),
    Layer.provideMerge(UserModel.layerModel(model))
  )

StrategyConformance.suite("RedisStrategy on Redis", layer(UserModel.defaultModel), {
  lifetime: "2 seconds",
  expiry: "real",
  revocable: true
})

StrategyConformance.suite(
  "RedisStrategy on Redis, ObjectId user ids",
  layer(UserModel.makeModel({ id: UserId.objectId })),
  { lifetime: "2 seconds", expiry: "real", revocable: true }
)

/** The same strategy on effect's `Redis` service (one `NodeRedis` client), its keys cleaned up with an ioredis one. */
const layerEffectRedis = (model: UserModel.RegisteredModel) =>
  Layer.effect(
    StrategyConformance.StrategyUnderTest,
    Effect.gen(function*() {
      const keyPrefix = uniquePrefix()
      yield* cleanUp(yield* acquireClient(requireUrl("REDIS_URL"), RedisStrategy.recommendedClientOptions), keyPrefix)
      return yield* RedisStrategy.makeEffectRedis({ lifetime: "2 seconds", keyPrefix })
    })
  ).pipe(
    Layer.provideMerge(UserRepository.layerMemory),
    Layer.provide(NodeRedis.layer({ url: requireUrl("REDIS_URL") })),
    Layer.provideMerge(UserModel.layerModel(model))
  )

StrategyConformance.suite("RedisStrategy on effect's Redis (NodeRedis)", layerEffectRedis(UserModel.defaultModel), {
  lifetime: "2 seconds",
  expiry: "real",
  revocable: true
})
