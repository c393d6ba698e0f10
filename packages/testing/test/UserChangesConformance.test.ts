/** Core's in-process change feed runs the `UserChanges` suite: the feeds of one channel share one in-memory hub. */
import * as UserChanges from "@effect-users/core/UserChanges"
import { UserChangesConformance } from "@effect-users/testing"
import { Effect } from "effect"

const hubs = new Map<string, UserChanges.UserChanges["Service"]>()
let next = 0

UserChangesConformance.suite("UserChanges.layerMemory", {
  channel: () => `memory-${next++}`,
  feed: (channel) =>
    Effect.gen(function*() {
      const known = hubs.get(channel)
      if (known !== undefined) return known
      const made = yield* UserChanges.makeMemory
      hubs.set(channel, made)
      return made
    })
})
