/**
 * The background delivery queue: the caller never waits for the work, the work is bounded, and nothing it loses is
 * lost silently.
 *
 * @see issue 13 (account enumeration by timing)
 */
import * as DeliveryQueue from "@effect-users/core/DeliveryQueue"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Logger, Scope } from "effect"

/** Runs `body` with a queue built in its own scope (closed at the end) and the error lines it logged. */
const withQueue = <A, E>(
  options: DeliveryQueue.Options,
  body: (queue: DeliveryQueue.DeliveryQueue["Service"]) => Effect.Effect<A, E>
) =>
  Effect.gen(function*() {
    const errors: Array<string> = []
    const logger = Logger.make((entry) => {
      if (entry.logLevel === "Error") errors.push(String(entry.message))
    })
    const scope = yield* Scope.make()
    const result = yield* Effect.gen(function*() {
      const queue = yield* DeliveryQueue.make(options).pipe(Scope.provide(scope))
      const value = yield* body(queue)
      yield* Scope.close(scope, Exit.void)
      return value
    }).pipe(Effect.provide(Logger.layer([logger])))
    return { result, errors }
  })

describe("DeliveryQueue", () => {
  it.live("submit returns at once; the work runs afterwards and flush waits for it", () =>
    withQueue({}, (queue) =>
      Effect.gen(function*() {
        const done: Array<string> = []
        const started = performance.now()
        yield* queue.submit(
          "slow work",
          Effect.sleep("300 millis").pipe(Effect.andThen(Effect.sync(() => done.push("slow"))))
        )
        const waited = performance.now() - started
        assert.isBelow(waited, 100, "the caller did not wait for the work")
        assert.deepStrictEqual(done, [])
        yield* queue.flush
        assert.deepStrictEqual(done, ["slow"])
      })).pipe(Effect.map(({ errors }) => assert.deepStrictEqual(errors, []))))

  it.live("a failure, a defect and a timeout are one error line each, naming the work; the workers go on", () =>
    Effect.gen(function*() {
      const done: Array<string> = []
      const { errors } = yield* withQueue({ concurrency: 1, timeout: "100 millis" }, (queue) =>
        Effect.gen(function*() {
          yield* queue.submit("failing work", Effect.fail("SMTP down"))
          yield* queue.submit("dying work", Effect.die(new Error("bug")))
          yield* queue.submit("hanging work", Effect.never)
          yield* queue.submit("good work", Effect.sync(() => done.push("good")))
          yield* queue.flush
        }))
      assert.deepStrictEqual(done, ["good"])
      assert.strictEqual(errors.length, 3)
      assert.include(errors[0], "failing work failed")
      assert.include(errors[0], "SMTP down")
      assert.include(errors[1], "dying work failed")
      assert.include(errors[2], "hanging work failed")
      assert.include(errors[2], "did not answer within 100 ms")
    }))

  it.live("runs at most `concurrency` jobs at a time", () =>
    Effect.gen(function*() {
      let running = 0
      let peak = 0
      const job = Effect.gen(function*() {
        running++
        peak = Math.max(peak, running)
        yield* Effect.sleep("30 millis")
        running--
      })
      yield* withQueue({ concurrency: 2 }, (queue) =>
        Effect.gen(function*() {
          for (let i = 0; i < 8; i++) yield* queue.submit(`job ${i}`, job)
          yield* queue.flush
        }))
      assert.strictEqual(peak, 2)
    }))

  it.live("a full queue drops the job with an error line instead of slowing the caller", () =>
    Effect.gen(function*() {
      const { errors } = yield* withQueue({ concurrency: 1, capacity: 1 }, (queue) =>
        Effect.gen(function*() {
          yield* queue.submit("blocking job", Effect.sleep("100 millis"))
          yield* Effect.sleep("10 millis") // the worker has taken it: the queue is empty again
          yield* queue.submit("queued job", Effect.void)
          yield* queue.submit("one job too many", Effect.void)
          yield* queue.flush
        }))
      assert.deepStrictEqual(errors.length, 1)
      assert.include(errors[0], "one job too many dropped (1 jobs already waiting)")
    }))

  it.live("closing the scope waits for the pending work; what outlasts drainTimeout is logged as abandoned", () =>
    Effect.gen(function*() {
      const done: Array<string> = []
      const drained = yield* withQueue(
        {},
        (queue) =>
          queue.submit(
            "pending job",
            Effect.sleep("100 millis").pipe(Effect.andThen(Effect.sync(() => done.push("pending"))))
          )
      )
      assert.deepStrictEqual([done, drained.errors], [["pending"], []])
      const abandoned = yield* withQueue(
        { drainTimeout: "50 millis" },
        (queue) => queue.submit("endless job", Effect.never)
      )
      assert.strictEqual(abandoned.errors.length, 1)
      assert.include(abandoned.errors[0], "shutting down with 1 background job(s) abandoned")
    }))
})
