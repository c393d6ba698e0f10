import { Cause, Duration, Effect } from "effect"

/**
 * Runs `effect` with a time limit that does not wait for the interrupted work: a driver promise cannot be cancelled,
 * so the operation runs in its own fiber (with the caller's context), which is interrupted in the background, and the
 * caller gets its `TimeoutError` when the limit is reached.
 *
 * The timer is a plain `setTimeout`, not `Clock`: it bounds I/O in real time (a `TestClock` must not fire it).
 */
export const bounded = (limit: Duration.Duration) => {
  const millis = Math.max(1, Math.min(2_147_483_647, Math.ceil(Duration.toMillis(limit))))
  return <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E | Cause.TimeoutError> =>
    Effect.withFiber((parent) =>
      Effect.callback<A, E | Cause.TimeoutError>((resume) => {
        let done = false
        const fiber = Effect.runForkWith(parent.context)(effect)
        const timer = setTimeout(() => {
          if (done) return
          done = true
          fiber.interruptUnsafe()
          resume(Effect.fail(new Cause.TimeoutError(`the database did not answer within ${millis} ms`)))
        }, millis)
        fiber.addObserver((exit) => {
          clearTimeout(timer)
          if (done) return
          done = true
          resume(exit)
        })
        return Effect.sync(() => {
          clearTimeout(timer)
          done = true
          fiber.interruptUnsafe()
        })
      })
    )
}
