import { Data, Effect } from "effect"

/** A failure of the driver (any error the promise rejected with). */
export class DriverError extends Data.TaggedError("DriverError")<{ readonly cause: unknown }> {}

/** Runs one driver call. */
export const call = <A>(f: () => Promise<A>): Effect.Effect<A, DriverError> =>
  Effect.tryPromise({ try: f, catch: (cause) => new DriverError({ cause }) })
