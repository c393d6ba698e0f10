/**
 * `PgUserChanges` (LISTEN/NOTIFY) runs the `UserChanges` suite between two clients, as two instances of an application
 * have them; the database ending the listening session fails the subscription.
 */
import { PgUserChanges } from "@effect-users/adapter-sql"
import * as UserChanges from "@effect-users/core/UserChanges"
import { UserChangesConformance } from "@effect-users/testing"
import { requireUrl } from "@effect-users/testing/TestServices"
import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, Redacted } from "effect"
import { uniqueName } from "./utils.ts"

/** One feed per client, as two instances of the application would have. */
const feed = (channel: string) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(
      PgUserChanges.layer(channel).pipe(
        Layer.provideMerge(PgClient.layer({ url: Redacted.make(requireUrl("DATABASE_URL")), maxConnections: 2 }))
      )
    )
    return { changes: Context.get(context, UserChanges.UserChanges), pg: Context.get(context, PgClient.PgClient) }
  })

UserChangesConformance.suite("PgUserChanges", {
  channel: () => uniqueName("eu_changes"),
  feed: (channel) => Effect.map(feed(channel), ({ changes }) => changes),
  // the database ends the listening session (as a restart or a network failure would)
  dropListeners: (channel) =>
    Effect.flatMap(
      feed(uniqueName("eu_admin")),
      ({ pg }) =>
        pg.unsafe(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query ILIKE 'LISTEN %${channel}%'`)
    )
})
