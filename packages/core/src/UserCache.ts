/**
 * An opt-in, in-process cache of users by id in front of the `UserRepository`: the lookup every authenticated request
 * makes (`GET /users/me`, every `currentUser` guard) is answered from memory. It is never stale once a change is known:
 * every write through the repository drops its user from this instance's cache before the write's result is returned,
 * and publishes the user's id on the `UserChanges` feed, which drops it from every other instance's cache as soon as
 * it arrives. While the feed is not listening (at start, after a lost connection) the cache is bypassed and emptied,
 * so a missed change can never be served; a bounded size and a time to live are the backstop for writes made around
 * the repository (by hand, in SQL).
 *
 * ```ts
 * const Users = UserCache.layer({ capacity: 10_000, timeToLive: "5 minutes" }).pipe(
 *   Layer.provide([SqlUserRepository.layer(), PgUserChanges.layer()])
 * )
 * ```
 *
 * @since 0.0.0
 */
import { Cache, Duration, Effect, Exit, Layer, Option, Schedule, Stream } from "effect"
import type { Id } from "./User.ts"
import { UserModel } from "./User.ts"
import { UserChanges } from "./UserChanges.ts"
import { UserRepository } from "./UserRepository.ts"

/**
 * How many users the cache holds (least recently used dropped first), and how long one is kept at most.
 *
 * @since 0.0.0
 * @category models
 */
export interface Options {
  /** 10,000 by default. */
  readonly capacity?: number | undefined
  /** 5 minutes by default. */
  readonly timeToLive?: Duration.Input | undefined
}

/**
 * Wraps a repository: `get` answered from the cache, every write invalidating (here at once, elsewhere through the
 * feed); the background listener runs in the layer's scope.
 *
 * @since 0.0.0
 * @category constructors
 */
export const make = (
  options: Options = {}
) =>
  Effect.gen(function*() {
    const inner = yield* UserRepository
    const changes = yield* UserChanges
    const model = yield* UserModel
    const timeToLive = Duration.fromInputUnsafe(options.timeToLive ?? "5 minutes")
    const cache = yield* Cache.makeWith((id: Id) => inner.get(id), {
      capacity: options.capacity ?? 10_000,
      // only users found are kept: an absent user or a failed lookup is asked again next time
      timeToLive: (exit) => Exit.isSuccess(exit) && Option.isSome(exit.value) ? timeToLive : Duration.zero
    })
    // the cache serves only while the feed listens: before `Subscribed`, and from a failure until the next one,
    // every lookup goes to the repository
    let listening = false
    const listen = changes.subscribe.pipe(
      Stream.runForEach((change) => {
        if (change._tag === "Subscribed") {
          return Effect.andThen(Cache.invalidateAll(cache), Effect.sync(() => (listening = true)))
        }
        const id = model.id.parse(change.id)
        return Option.isNone(id) ? Effect.void : Cache.invalidate(cache, id.value)
      }),
      Effect.ensuring(Effect.andThen(Effect.sync(() => (listening = false)), Cache.invalidateAll(cache))),
      Effect.tapError((error) => Effect.logWarning("UserCache: the change feed stopped; reading through", error)),
      Effect.ignore,
      // a feed that ends or fails is listened to again (each time emptying the cache first)
      Effect.repeat(Schedule.spaced("1 second"))
    )
    yield* Effect.forkScoped(listen)

    const changed = (user: { readonly id: Id }) =>
      Effect.andThen(
        Cache.invalidate(cache, user.id),
        changes.publish(model.id.format(user.id)).pipe(
          Effect.retry({ schedule: Schedule.exponential("20 millis"), times: 3 }),
          // the write is done and this instance is fresh; other instances keep the user until their time to live
          Effect.catch((error) => Effect.logError("UserCache: a change could not be published", error))
        )
      )
    const invalidating = <A extends { readonly id: Id }, E>(
      user: { readonly id: Id },
      write: Effect.Effect<A, E>
    ): Effect.Effect<A, E> => Effect.onExit(write, () => changed(user))

    return UserRepository.of({
      ...inner,
      get: (id) => (listening ? Cache.get(cache, id) : inner.get(id)),
      update: (user, patch) => invalidating(user, inner.update(user, patch)),
      replaceHashedPassword: (user, expected, replacement) =>
        Effect.onExit(inner.replaceHashedPassword(user, expected, replacement), () => changed(user)),
      delete: (user) => Effect.onExit(inner.delete(user), () => changed(user)),
      addOAuthAccount: (user, account) => invalidating(user, inner.addOAuthAccount(user, account)),
      updateOAuthAccount: (user, account, patch) => invalidating(user, inner.updateOAuthAccount(user, account, patch))
    })
  })

/**
 * The cached repository, over the repository and the change feed it is given.
 *
 * @since 0.0.0
 * @category layers
 */
export const layer = (
  options: Options = {}
): Layer.Layer<UserRepository, never, UserRepository | UserChanges | UserModel> =>
  Layer.effect(UserRepository, make(options))
