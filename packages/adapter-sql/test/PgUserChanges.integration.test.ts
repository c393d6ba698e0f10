import { PgUserChanges } from "@effect-users/adapter-sql"
import * as UserChanges from "@effect-users/core/UserChanges"
import { requireUrl } from "@effect-users/testing/TestServices"
import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Context, Effect, Exit, Fiber, Layer, Queue, Redacted, Stream } from "effect"
import { uniqueName } from "./utils.ts"

/** One feed per client, as two instances of the application would have. */
const feed = (channel: string) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(
      PgUserChanges.layer(channel).pipe(
        Layer.provideMerge(PgClient.layer({ url: Redacted.make(requireUrl("DATABASE_URL")), maxConnections: 2 }))
      )
    )
    return { changes: Context.get(context, UserChanges.UserChanges), pg: Context.get(context, PgClient.PgClient) }
  })

describe("PgUserChanges", () => {
  it.live(
    "a change published by one instance reaches another, after it says it is listening",
    () =>
      Effect.gen(function*() {
        const channel = uniqueName("eu_changes")
        const a = yield* feed(channel)
        const b = yield* feed(channel)
        const received = yield* Queue.unbounded<UserChanges.UserChange>()
        yield* Effect.forkScoped(Stream.runForEach(b.changes.subscribe, (change) => Queue.offer(received, change)))
        assert.deepStrictEqual(yield* Queue.take(received), { _tag: "Subscribed" })
        yield* a.changes.publish("0b8f5b3e-2f57-4d5a-9c55-7d2f8d4d2a11")
        yield* a.changes.publish("42")
        assert.deepStrictEqual(yield* Queue.takeBetween(received, 2, 2), [
          { _tag: "Changed", id: "0b8f5b3e-2f57-4d5a-9c55-7d2f8d4d2a11" },
          { _tag: "Changed", id: "42" }
        ])
        // another channel does not hear it
        yield* (yield* feed(uniqueName("eu_other"))).changes.publish("7")
        yield* Effect.sleep("100 millis")
        assert.strictEqual(yield* Queue.size(received), 0)
      }).pipe(Effect.scoped),
    30_000
  )

  it.live(
    "the subscription fails when its connection is lost (so the cache stops serving)",
    () =>
      Effect.gen(function*() {
        const channel = uniqueName("eu_changes")
        const a = yield* feed(channel)
        const subscribed = yield* Queue.unbounded<UserChanges.UserChange>()
        const listening = yield* Effect.forkScoped(
          Stream.runForEach(a.changes.subscribe, (change) => Queue.offer(subscribed, change))
        )
        yield* Queue.take(subscribed)
        // the database ends the listening session (as a restart or a network failure would)
        const admin = yield* feed(uniqueName("eu_admin"))
        yield* admin.pg.unsafe(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query ILIKE 'LISTEN %${channel}%'`
        )
        const exit = yield* Fiber.await(listening).pipe(Effect.timeout("5 seconds"))
        assert.isTrue(Exit.isFailure(exit))
        const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
        assert.instanceOf(error, UserChanges.UserChangesError)
        assert.strictEqual(error instanceof UserChanges.UserChangesError ? error.operation : "", "listen")
      }).pipe(Effect.scoped),
    30_000
  )
})
