/**
 * The conformance suite of core's `UserChanges` port, run by every change feed (core's in-process feed, PostgreSQL
 * `LISTEN/NOTIFY`, Redis pub/sub) from its own tests: the contract written on the port, between two instances.
 *
 * @since 0.1.0
 */
import * as UserChanges from "@effect-users/core/UserChanges"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, Queue, Stream } from "effect"
import type { Scope } from "effect"

/**
 * How the suite gets feeds of the implementation under test.
 *
 * @since 0.1.0
 * @category models
 */
export interface Harness {
  /** A feed on `channel` with its own connection, as one instance of an application has it (closed with the scope). */
  readonly feed: (channel: string) => Effect.Effect<UserChanges.UserChanges["Service"], unknown, Scope.Scope>
  /** A channel name no other test uses. */
  readonly channel: () => string
  /**
   * Makes the store drop the listening connections of `channel`, as a restart or a network failure would; absent for a
   * feed without a connection (the in-process one), which then does not run that check.
   */
  readonly dropListeners?: (channel: string) => Effect.Effect<void, unknown, Scope.Scope>
}

const listen = (changes: UserChanges.UserChanges["Service"]) =>
  Effect.gen(function*() {
    const received = yield* Queue.unbounded<UserChanges.UserChange>()
    const fiber = yield* Effect.forkScoped(
      Stream.runForEach(changes.subscribe, (change) => Queue.offer(received, change))
    )
    return { received, fiber }
  })

/**
 * Registers the suite as one `describe` block named `name`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const suite = (name: string, harness: Harness): void => {
  describe(name, () => {
    it.live(
      "a change published by one instance reaches another after it says it is listening, in order; another channel is not heard",
      () =>
        Effect.gen(function*() {
          const channel = harness.channel()
          const a = yield* harness.feed(channel)
          const b = yield* harness.feed(channel)
          const { received } = yield* listen(b)
          assert.deepStrictEqual(yield* Queue.take(received), { _tag: "Subscribed" })
          yield* a.publish("0b8f5b3e-2f57-4d5a-9c55-7d2f8d4d2a11")
          yield* a.publish("42")
          yield* a.publish("65f1c0ffee0123456789abcd")
          assert.deepStrictEqual(yield* Queue.takeBetween(received, 3, 3), [
            { _tag: "Changed", id: "0b8f5b3e-2f57-4d5a-9c55-7d2f8d4d2a11" },
            { _tag: "Changed", id: "42" },
            { _tag: "Changed", id: "65f1c0ffee0123456789abcd" }
          ])
          yield* (yield* harness.feed(harness.channel())).publish("7")
          yield* Effect.sleep("100 millis")
          assert.strictEqual(yield* Queue.size(received), 0)
        }).pipe(Effect.scoped),
      30_000
    )

    it.live(
      "the publisher hears its own change, and every subscriber hears each change",
      () =>
        Effect.gen(function*() {
          const channel = harness.channel()
          const a = yield* harness.feed(channel)
          const b = yield* harness.feed(channel)
          const own = yield* listen(a)
          const other = yield* listen(b)
          assert.deepStrictEqual(yield* Queue.take(own.received), { _tag: "Subscribed" })
          assert.deepStrictEqual(yield* Queue.take(other.received), { _tag: "Subscribed" })
          yield* a.publish("1")
          assert.deepStrictEqual(yield* Queue.take(own.received), { _tag: "Changed", id: "1" })
          assert.deepStrictEqual(yield* Queue.take(other.received), { _tag: "Changed", id: "1" })
        }).pipe(Effect.scoped),
      30_000
    )

    const dropListeners = harness.dropListeners
    if (dropListeners !== undefined) {
      it.live(
        "the subscription fails with UserChangesError when its connection is lost (so a cache stops serving)",
        () =>
          Effect.gen(function*() {
            const channel = harness.channel()
            const a = yield* harness.feed(channel)
            const { received, fiber } = yield* listen(a)
            yield* Queue.take(received)
            yield* dropListeners(channel)
            const exit = yield* Fiber.await(fiber).pipe(Effect.timeout("5 seconds"))
            assert.isTrue(Exit.isFailure(exit))
            const error = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
            assert.instanceOf(error, UserChanges.UserChangesError)
          }).pipe(Effect.scoped),
        30_000
      )
    }
  })
}
