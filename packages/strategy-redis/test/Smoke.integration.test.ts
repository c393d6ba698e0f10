import { requireUrl } from "@effect-users/testing/TestServices"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Redis } from "ioredis"

describe("Redis harness", () => {
  it.live("connects, writes and reads back", () =>
    Effect.gen(function*() {
      const client = yield* Effect.acquireRelease(
        Effect.sync(() => new Redis(requireUrl("REDIS_URL"), { maxRetriesPerRequest: 1 })),
        (c) => Effect.promise(() => c.quit())
      )
      const key = `effect-users:smoke:${process.pid}`
      yield* Effect.promise(() => client.set(key, "round trip", "EX", 60))
      const value = yield* Effect.promise(() => client.get(key))
      assert.strictEqual(value, "round trip")
      yield* Effect.promise(() => client.del(key))
      const info = yield* Effect.promise(() => client.info("server"))
      console.log(`Redis round trip ok (server ${/redis_version:(\S+)/.exec(info)?.[1] ?? "?"})`)
    }))
})
