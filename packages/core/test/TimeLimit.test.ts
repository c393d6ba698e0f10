import { bounded } from "@effect-users/core/TimeLimit"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Exit } from "effect"

const Greeting = Context.Reference<string>("test/Greeting", { defaultValue: () => "hi" })

describe("TimeLimit.bounded", () => {
  it.live("passes a result and a failure through", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* bounded("1 second")(Effect.succeed(42)), 42)
      const failure = yield* bounded("1 second")(Effect.fail("boom")).pipe(Effect.flip)
      assert.strictEqual(failure, "boom")
    }))

  it.live("fails with a TimeoutError naming the store, without waiting for work that ignores interruption", () =>
    Effect.gen(function*() {
      // Work whose interruption itself takes 2 s (as a driver's cancel request on a frozen server).
      const stubborn = Effect.sleep("2 seconds").pipe(Effect.uninterruptible)
      const started = performance.now()
      const exit = yield* Effect.exit(bounded("50 millis", "the database")(stubborn))
      const waited = performance.now() - started
      assert.isTrue(Exit.isFailure(exit))
      const error = yield* Effect.flip(exit)
      assert.strictEqual(error._tag, "TimeoutError")
      assert.include(error.message, "the database did not answer within 50 ms")
      assert.isBelow(waited, 1_500, "the caller was released long before the stubborn work ended")
    }))

  it.live("runs the work with the caller's services", () =>
    Effect.gen(function*() {
      const value = yield* bounded("1 second")(Effect.map(Greeting, (greeting) => `${greeting}, world`)).pipe(
        Effect.provideService(Greeting, "hello")
      )
      assert.strictEqual(value, "hello, world")
    }))
})
