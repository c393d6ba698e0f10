/**
 * The `UserChanges` feed on Redis pub/sub, for applications that already run Redis: each instance publishes the id of
 * a user it changed on one channel, and every instance's `UserCache` (its own included) drops that user when the
 * message arrives. Redis delivers a message to every connection subscribed when it is published, at most once; a
 * subscriber connection that drops misses what is published meanwhile, so the feed fails then and the cache reads
 * through (and empties itself) until it is subscribed again.
 *
 * ```ts
 * const Users = UserCache.layer().pipe(
 *   Layer.provide([SqlUserRepository.layer(), RedisUserChanges.layer()]),
 *   Layer.provide(RedisStrategy.layerClientConfig({ url: Config.Redacted("REDIS_URL") }))
 * )
 * ```
 *
 * @since 0.0.0
 */
import { type UserChange, UserChanges, UserChangesError } from "@effect-users/core/UserChanges"
import { Cause, Effect, Layer, Queue, Stream } from "effect"
import { RedisClient } from "./RedisStrategy.ts"

/**
 * The channel the instances share (a second application on the same Redis picks its own).
 *
 * @since 0.0.0
 * @category constants
 */
export const defaultChannel = "effect-users:user-changes"

const failure = (operation: string) => (cause: unknown) => new UserChangesError({ operation, cause })

/**
 * The feed on `channel`: publishing goes through the application's client; each subscription opens its own
 * connection (`duplicate()`: a subscribed connection can run nothing else) and closes it when the stream ends.
 *
 * @since 0.0.0
 * @category constructors
 */
export const make = (channel: string = defaultChannel) =>
  Effect.map(RedisClient, (redis) =>
    UserChanges.of({
      publish: (id) =>
        Effect.tryPromise({ try: () => redis.publish(channel, id), catch: failure("publish") }).pipe(Effect.asVoid),
      subscribe: Stream.callback<UserChange, UserChangesError>((queue) =>
        Effect.acquireRelease(
          Effect.sync(() => {
            // no reconnection: a lost connection ends this subscription (changes may have been missed), and the
            // subscriber (the cache) subscribes anew
            const subscriber = redis.duplicate({ retryStrategy: () => null })
            const lost = (cause: unknown) =>
              Queue.failCauseUnsafe(queue, Cause.fail(new UserChangesError({ operation: "subscribe", cause })))
            subscriber.on("message", (from: string, id: string) => {
              if (from === channel) Queue.offerUnsafe(queue, { _tag: "Changed", id })
            })
            subscriber.on("error", lost)
            subscriber.on("end", () => lost(new Error("the subscriber connection ended")))
            return subscriber
          }),
          (subscriber) => Effect.sync(() => subscriber.disconnect())
        ).pipe(
          Effect.flatMap((subscriber) =>
            Effect.tryPromise({ try: () => subscriber.subscribe(channel), catch: failure("subscribe") })
          ),
          Effect.andThen(Effect.sync(() => Queue.offerUnsafe(queue, { _tag: "Subscribed" })))
        )
      )
    }))

/**
 * The feed, on the application's `RedisClient`.
 *
 * @since 0.0.0
 * @category layers
 */
export const layer = (channel: string = defaultChannel): Layer.Layer<UserChanges, never, RedisClient> =>
  Layer.effect(UserChanges, make(channel))
