/**
 * `RedisUserChanges` (pub/sub) runs the `UserChanges` suite between two clients, as two instances of an application
 * have them; Redis dropping the subscriber connections fails the subscription (so a `UserCache` stops serving).
 */
import * as RedisStrategy from "@effect-users/strategy-redis/RedisStrategy"
import * as RedisUserChanges from "@effect-users/strategy-redis/RedisUserChanges"
import { UserChangesConformance } from "@effect-users/testing"
import { requireUrl } from "@effect-users/testing/TestServices"
import { Effect } from "effect"
import { randomBytes } from "node:crypto"
import { acquireClient } from "./utils.ts"

const client = acquireClient(requireUrl("REDIS_URL"), RedisStrategy.recommendedClientOptions)

UserChangesConformance.suite("RedisUserChanges", {
  channel: () => `effect-users-test:changes:${process.pid}:${randomBytes(4).toString("hex")}`,
  feed: (channel) =>
    Effect.flatMap(
      client,
      (redis) => RedisUserChanges.make(channel).pipe(Effect.provideService(RedisStrategy.RedisClient, redis))
    ),
  dropListeners: () =>
    Effect.flatMap(client, (redis) => Effect.promise(() => redis.call("CLIENT", "KILL", "TYPE", "pubsub")))
})
