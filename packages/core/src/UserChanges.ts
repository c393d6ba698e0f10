/**
 * The feed of user changes that keeps every instance's `UserCache` fresh: each instance publishes the id of a user it
 * changed, and every instance (itself included) drops that user from its cache when the change arrives.
 *
 * @since 0.0.0
 */
import { Context, Effect, Layer, PubSub, Schema, Stream } from "effect"

/**
 * What the feed delivers: `Subscribed` when it starts (or restarts) listening — changes made before may have been
 * missed, so a cache drops everything — then `Changed` with the formatted id (`IdKind.format`) of each changed user.
 *
 * @since 0.0.0
 * @category models
 */
export type UserChange =
  | { readonly _tag: "Subscribed" }
  | { readonly _tag: "Changed"; readonly id: string }

/**
 * The feed failed (its connection was lost, a notification could not be sent).
 *
 * @since 0.0.0
 * @category errors
 */
export class UserChangesError extends Schema.TaggedError<UserChangesError>()("UserChangesError", {
  operation: Schema.String,
  cause: Schema.Defect()
}) {}

/**
 * The change feed. Contract: a change published (the returned effect succeeded) reaches every subscriber that was
 * subscribed when it was published, in publishing order per publisher; `subscribe` emits `Subscribed` first, once it
 * is listening, and fails (or ends) when it stops listening — a subscriber then knows it may miss changes.
 *
 * @since 0.0.0
 * @category services
 */
export class UserChanges extends Context.Service<UserChanges, {
  /** Tells every instance that the user with this formatted id changed. */
  readonly publish: (id: string) => Effect.Effect<void, UserChangesError>
  /** The changes, from now on. */
  readonly subscribe: Stream.Stream<UserChange, UserChangesError>
}>()("@effect-users/core/UserChanges") {}

/**
 * A feed within one process, for one instance (its cache is also invalidated directly by its own writes) or for tests
 * of several caches sharing one feed.
 *
 * @since 0.0.0
 * @category constructors
 */
export const makeMemory: Effect.Effect<UserChanges["Service"]> = Effect.map(
  PubSub.unbounded<string>(),
  (hub) =>
    UserChanges.of({
      publish: (id) => Effect.asVoid(PubSub.publish(hub, id)),
      subscribe: Stream.unwrap(Effect.map(
        PubSub.subscribe(hub),
        (subscription) =>
          Stream.concat(
            Stream.succeed<UserChange>({ _tag: "Subscribed" }),
            Stream.map(Stream.fromSubscription(subscription), (id): UserChange => ({ _tag: "Changed", id }))
          )
      ))
    })
)

/**
 * The in-process feed.
 *
 * @since 0.0.0
 * @category layers
 */
export const layerMemory: Layer.Layer<UserChanges> = Layer.effect(UserChanges, makeMemory)
