/**
 * Background delivery of the work an answer must not wait for: the verification and reset-password messages and
 * their hooks, so that `forgotPassword` and `requestVerify` answer in the same time whether the address exists or
 * not (account enumeration by timing).
 *
 * @since 0.0.0
 */
import { Cause, Context, Duration, Effect, Latch, Layer, Queue } from "effect"
import type { Scope } from "effect"
import { bounded } from "./TimeLimit.ts"

/**
 * Runs submitted work in the background, after the caller has moved on.
 *
 * Contract: `submit` returns at once and never fails; the work runs later in a fiber of the queue's own scope (not
 * the caller's, so it outlives the request), at most `concurrency` at a time, each bounded by `timeout`. Nothing is
 * lost silently: a failure, a defect, a timeout, a full queue or work still pending at shutdown is one error log
 * line naming the work. `flush` waits until everything submitted so far has run.
 *
 * @since 0.0.0
 * @category services
 */
export class DeliveryQueue extends Context.Service<DeliveryQueue, {
  readonly submit: (label: string, work: Effect.Effect<void, unknown>) => Effect.Effect<void>
  readonly flush: Effect.Effect<void>
}>()("@effect-users/core/DeliveryQueue") {}

/**
 * The bounds of a queue: how many jobs wait at most (`capacity`, default 1000: beyond it a job is dropped and
 * logged rather than slowing the caller, which would leak the timing again), how many run at once (`concurrency`,
 * default 4), how long one may run (`timeout`, default 30 seconds) and how long shutdown waits for the rest
 * (`drainTimeout`, default 5 seconds).
 *
 * @since 0.0.0
 * @category models
 */
export interface Options {
  readonly capacity?: number | undefined
  readonly concurrency?: number | undefined
  readonly timeout?: Duration.Input | undefined
  readonly drainTimeout?: Duration.Input | undefined
}

interface Job {
  readonly label: string
  readonly work: Effect.Effect<void, unknown>
}

const positive = (value: number | undefined, fallback: number, name: string): number => {
  const resolved = value ?? fallback
  if (!Number.isSafeInteger(resolved) || resolved < 1) {
    throw new RangeError(`DeliveryQueue: ${name} must be a positive integer (got ${resolved})`)
  }
  return resolved
}

/**
 * Builds a queue whose workers live in the current scope; closing the scope waits up to `drainTimeout` for the
 * pending work, logs what is abandoned, then stops the workers.
 *
 * @since 0.0.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<DeliveryQueue["Service"], never, Scope.Scope> =>
  Effect.gen(function*() {
    const capacity = positive(options.capacity, 1000, "capacity")
    const concurrency = positive(options.concurrency, 4, "concurrency")
    const limit = bounded(options.timeout ?? Duration.seconds(30), "the background work")
    const drainLimit = bounded(options.drainTimeout ?? Duration.seconds(5), "the pending background work")
    const queue = yield* Queue.dropping<Job>(capacity)
    const idle = yield* Latch.make(true)
    let pending = 0
    let closed = false

    const settle = Effect.sync(() => {
      pending--
      if (pending === 0) idle.openUnsafe()
    })
    const run = (job: Job) =>
      limit(job.work).pipe(
        Effect.catchCause((cause) =>
          Cause.hasInterruptsOnly(cause)
            ? Effect.void
            : Effect.logError(`DeliveryQueue: ${job.label} failed`, Cause.pretty(cause))
        ),
        Effect.ensuring(settle)
      )
    const worker = Effect.forever(Effect.flatMap(Queue.take(queue), run))
    for (let i = 0; i < concurrency; i++) yield* Effect.forkScoped(worker)

    // Added after the workers were forked, so it runs before they are interrupted (finalizers run in reverse).
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        closed = true
        return drainLimit(idle.await).pipe(
          Effect.catchTag("TimeoutError", () =>
            Effect.logError(`DeliveryQueue: shutting down with ${pending} background job(s) abandoned`))
        )
      })
    )

    const submit = (label: string, work: Effect.Effect<void, unknown>): Effect.Effect<void> =>
      Effect.suspend(() => {
        if (closed) return Effect.logError(`DeliveryQueue: ${label} dropped (the queue is shut down)`)
        if (!Queue.offerUnsafe(queue, { label, work })) {
          return Effect.logError(`DeliveryQueue: ${label} dropped (${capacity} jobs already waiting)`)
        }
        pending++
        idle.closeUnsafe()
        return Effect.void
      })

    return DeliveryQueue.of({ submit, flush: idle.await })
  })

/**
 * A queue as a layer (its workers stop when the layer's scope closes).
 *
 * @since 0.0.0
 * @category layers
 */
export const layer = (options?: Options): Layer.Layer<DeliveryQueue> => Layer.effect(DeliveryQueue, make(options))

/**
 * Waits until everything submitted to the provided queue so far has run (for tests and graceful shutdowns).
 *
 * @since 0.0.0
 * @category combinators
 */
export const flush: Effect.Effect<void, never, DeliveryQueue> = Effect.flatMap(DeliveryQueue, (queue) => queue.flush)
