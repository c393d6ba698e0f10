/**
 * The `UserChanges` feed on PostgreSQL's `LISTEN`/`NOTIFY`: every instance of the application listens on one channel
 * of the database it already uses, so a change published by one reaches the `UserCache` of every other, with no
 * service beside the database. `NOTIFY` is delivered only after the publishing transaction commits, to every session
 * listening at that moment.
 *
 * @since 0.0.0
 */
import { UserChanges } from "@effect-users/core"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Stream } from "effect"

/**
 * The channel the instances share; one per user table (a second application on the database picks its own).
 *
 * @since 0.0.0
 * @category constants
 */
export const defaultChannel = "effect_users_user_changes"

const failure = (operation: string) => (cause: unknown) => new UserChanges.UserChangesError({ operation, cause })

/**
 * The feed on `channel`; the listener holds one connection of the client's pool while it listens.
 *
 * @since 0.0.0
 * @category constructors
 */
export const make = (channel: string = defaultChannel) =>
  Effect.map(PgClient.PgClient, (pg) =>
    UserChanges.UserChanges.of({
      publish: (id) => pg.notify(channel, id).pipe(Effect.mapError(failure("notify"))),
      subscribe: Stream.unwrap(
        Effect.map(
          pg.listen(channel).pipe(Effect.mapError(failure("listen"))),
          (queue) =>
            Stream.concat(
              Stream.succeed<UserChanges.UserChange>({ _tag: "Subscribed" }),
              Stream.fromQueue(queue).pipe(
                Stream.mapError(failure("listen")),
                Stream.map((notification): UserChanges.UserChange => ({ _tag: "Changed", id: notification.payload }))
              )
            )
        )
      )
    }))

/**
 * The feed, on the application's `PgClient`.
 *
 * @since 0.0.0
 * @category layers
 */
export const layer = (
  channel: string = defaultChannel
): Layer.Layer<UserChanges.UserChanges, never, PgClient.PgClient> =>
  Layer.effect(UserChanges.UserChanges, make(channel))
