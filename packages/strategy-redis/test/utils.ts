import * as UserModel from "@effect-users/core/User"
import type { User } from "@effect-users/core/User"
import * as UserRepository from "@effect-users/core/UserRepository"
import * as RedisStrategy from "@effect-users/strategy-redis/RedisStrategy"
import { requireUrl } from "@effect-users/testing/TestServices"
import { Effect, Layer } from "effect"
import { Redis } from "ioredis"
import type { RedisOptions } from "ioredis"
import { randomBytes } from "node:crypto"

/** A client with exactly these options, quit when the scope closes. */
export const acquireClient = (url: string, options: Omit<RedisOptions, "replyMapping">) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const client = new Redis(url, options)
      client.on("error", () => {}) // reconnection errors are expected in outage tests
      return client
    }),
    (client) => Effect.promise(() => client.quit().catch(() => client.disconnect()))
  )

/** A key prefix of its own per test, so parallel runs never see each other's keys. */
export const uniquePrefix = () => `effect-users-test:${process.pid}:${randomBytes(4).toString("hex")}:`

/** Deletes every key under a prefix when the scope closes. */
export const cleanUp = (client: Redis, prefix: string) =>
  Effect.addFinalizer(() =>
    Effect.promise(async () => {
      const found = await client.keys(`${prefix}*`)
      if (found.length > 0) await client.del(...found)
    }).pipe(Effect.ignore)
  )

/** Users in memory, the default model, and the test Redis as the strategy's client. */
export const Stores = (options: Omit<RedisOptions, "replyMapping"> = {}) =>
  Layer.mergeAll(
    UserRepository.layerMemory,
    Layer.effect(
      RedisStrategy.RedisClient,
      acquireClient(requireUrl("REDIS_URL"), { ...RedisStrategy.recommendedClientOptions, ...options })
    )
  ).pipe(Layer.provideMerge(UserModel.layerDefaultModel))

export const createUser = (email: string): Effect.Effect<User, unknown, UserRepository.UserRepository> =>
  UserRepository.UserRepository.use((users) =>
    users.create({ email, hashed_password: "x", is_active: true, is_superuser: false, is_verified: false })
  )
