/**
 * Time limits for adapters' I/O that never wait for the work they abandon.
 *
 * @since 0.0.0
 */
import { Cause, Duration, Effect } from "effect"

/**
 * Runs an effect with a real-time limit that does not wait for the interrupted work, so that an unresponsive
 * store fails the caller promptly (a 503), never a hang.
 *
 * `Effect.timeout` waits until the interruption completes, and interrupting a query on an unresponsive server can
 * itself block (PostgreSQL's cancel request takes up to 5 s in `@effect/sql-pg`; a driver promise cannot be cancelled
 * at all). Here the work runs in its own fiber, with the caller's context, and is interrupted in the background; the
 * caller gets a `TimeoutError` naming `what` when the limit is reached. The timer is a plain `setTimeout`, not
 * `Clock`: it bounds I/O in real time (a `TestClock` must not fire it), and on the hot path it measured well ahead
 * of `Effect.timeout` plus a forked fiber.
 *
 * @since 0.0.0
 * @category combinators
 */
export const bounded = (limit: Duration.Input, what = "the store") => {
  const millis = Math.max(1, Math.min(2_147_483_647, Math.ceil(Duration.toMillis(Duration.fromInputUnsafe(limit)))))
  const message = `${what} did not answer within ${millis} ms`
  return <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E | Cause.TimeoutError> =>
    Effect.withFiber((parent) =>
      Effect.callback<A, E | Cause.TimeoutError>((resume) => {
        let done = false
        const fiber = Effect.runForkWith(parent.context)(effect)
        const timer = setTimeout(() => {
          if (done) return
          done = true
          fiber.interruptUnsafe()
          resume(Effect.fail(new Cause.TimeoutError(message)))
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
