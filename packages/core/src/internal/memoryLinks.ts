import { Context, Layer } from "effect"

/**
 * Links the in-memory stores built together: the user store announces each deleted user (by its formatted id) and
 * the token store drops that user's tokens, as a database's foreign key does.
 */
export class MemoryLinks extends Context.Service<MemoryLinks, {
  readonly onUserDeleted: Set<(userKey: string) => void>
}>()("@effect-users/core/internal/MemoryLinks") {}

/** One set of links per layer build: both memory layers provide this same layer value, so a build shares it. */
export const layerMemoryLinks: Layer.Layer<MemoryLinks> = Layer.sync(MemoryLinks, () => ({
  onUserDeleted: new Set<(userKey: string) => void>()
}))
