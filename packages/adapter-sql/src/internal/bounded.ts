import type { Cause, Duration } from "effect"
import { Effect, Fiber } from "effect"

/**
 * Runs `effect` with a time limit that does not wait for the interrupted work: `Effect.timeout` waits until the
 * interruption completes, and interrupting a query on an unresponsive server waits for PostgreSQL's cancel request
 * (up to 5 s in `@effect/sql-pg`). Here the query runs in a detached fiber that is interrupted in the background, so
 * the caller gets its `TimeoutError` when the limit is reached.
 */
export const bounded = (limit: Duration.Duration) =>
<A, E>(
  effect: Effect.Effect<A, E>
): Effect.Effect<A, E | Cause.TimeoutError> =>
  Effect.flatMap(Effect.forkDetach(effect), (fiber) =>
    Fiber.join(fiber).pipe(
      Effect.timeout(limit),
      Effect.onExit((exit) =>
        exit._tag === "Success" ? Effect.void : Effect.asVoid(Effect.forkDetach(Fiber.interrupt(fiber)))
      )
    ))
