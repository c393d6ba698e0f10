/**
 * The `UserChanges` feed on Redis pub/sub between two clients (two instances of an application): a change published by
 * one reaches the other once it says it is subscribed, another channel hears nothing, and a lost subscriber connection
 * fails the subscription (so a `UserCache` stops serving from memory).
 */
import * as UserChanges from "@effect-users/core/UserChanges"
import * as RedisStrategy from "@effect-users/strategy-redis/RedisStrategy"
import * as RedisUserChanges from "@effect-users/strategy-redis/RedisUserChanges"
import { requireUrl } from "@effect-users/testing/TestServices"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, Queue, Stream } from "effect"
import { randomBytes } from "node:crypto"
import { acquireClient } from "./utils.ts"

const uniqueChannel = () => `effect-users-test:changes:${process.pid}:${randomBytes(4).toString("hex")}`

/** One feed on its own client, as one instance of the application has. */
const feed = (channel: string) =>
  Effect.gen(function*() {
    const client = yield* acquireClient(requireUrl("REDIS_URL"), RedisStrategy.recommendedClientOptions)
    const changes = yield* RedisUserChanges.make(channel).pipe(Effect.provideService(RedisStrategy.RedisClient, client))
    return { changes, client }
  })

const listen = (changes: UserChanges.UserChanges["Service"]) =>
  Effect.gen(function*() {
    const received = yield* Queue.unbounded<UserChanges.UserChange>()
    const fiber = yield* Effect.forkScoped(
      Stream.runForEach(changes.subscribe, (change) => Queue.offer(received, change))
    )
    return { received, fiber }
  })

describe("RedisUserChanges", () => {
  it.live(
    "a change published by one instance reaches another, after it says it is subscribed",
    () =>
      Effect.gen(function*() {
        const channel = uniqueChannel()
        const a = yield* feed(channel)
        const b = yield* feed(channel)
        const { received } = yield* listen(b.changes)
        assert.deepStrictEqual(yield* Queue.take(received), { _tag: "Subscribed" })
        yield* a.changes.publish("0b8f5b3e-2f57-4d5a-9c55-7d2f8d4d2a11")
        yield* a.changes.publish("42")
        assert.deepStrictEqual(yield* Queue.takeBetween(received, 2, 2), [
          { _tag: "Changed", id: "0b8f5b3e-2f57-4d5a-9c55-7d2f8d4d2a11" },
          { _tag: "Changed", id: "42" }
        ])
        // another channel does not hear it
        yield* (yield* feed(uniqueChannel())).changes.publish("7")
        yield* Effect.sleep("100 millis")
        assert.strictEqual(yield* Queue.size(received), 0)
      }).pipe(Effect.scoped),
    30_000
  )

  it.live(
    "the subscription fails when its connection is lost (so the cache stops serving)",
    () =>
      Effect.gen(function*() {
        const a = yield* feed(uniqueChannel())
        const { received, fiber } = yield* listen(a.changes)
        yield* Queue.take(received)
        // Redis drops the subscriber connections (as a restart or a network failure would)
        yield* Effect.promise(() => a.client.call("CLIENT", "KILL", "TYPE", "pubsub"))
        const exit = yield* Fiber.await(fiber).pipe(Effect.timeout("5 seconds"))
        assert.isTrue(Exit.isFailure(exit))
        const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
        assert.instanceOf(error, UserChanges.UserChangesError)
      }).pipe(Effect.scoped),
    30_000
  )
})
