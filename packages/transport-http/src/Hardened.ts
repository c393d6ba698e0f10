/**
 * The `hardened` preset: the protections that change FastAPI Users' wire contract, switched on together, for an
 * application that does not need that contract bit for bit: the brute-force protection (`BruteForce`) and the
 * cross-site check of cookie-authenticated requests (`CrossSite`); each stays usable on its own. The cookie itself is
 * the transport's choice: `CookieTransport.makeHostPrefixed()`.
 *
 * ```ts
 * HttpApiBuilder.layer(api).pipe(Layer.provide(Users.layer(api)), Layer.provide(Hardened.layerMemory({ secret })))
 * ```
 *
 * @since 0.0.0
 */
import type { Redacted } from "effect"
import { Layer } from "effect"
import type { Redis } from "effect/persistence"
import * as BruteForce from "./BruteForce.ts"
import * as CrossSite from "./CrossSite.ts"

/**
 * The preset's options: the secret that signs its cookies (the device cookie), and each protection's own options.
 *
 * @since 0.0.0
 * @category models
 */
export interface Options {
  readonly secret: Redacted.Redacted<string>
  readonly crossSite?: CrossSite.Options
  readonly bruteForce?: Omit<BruteForce.Options, "device"> & {
    readonly device?: Omit<NonNullable<BruteForce.Options["device"]>, "secret">
  }
}

const bruteForceOptions = (options: Options): BruteForce.Options => ({
  ...options.bruteForce,
  device: { ...options.bruteForce?.device, secret: options.secret }
})

/**
 * The preset for one process: the brute-force counters in memory.
 *
 * @since 0.0.0
 * @category layers
 */
export const layerMemory = (options: Options): Layer.Layer<BruteForce.BruteForce | CrossSite.CrossSite> =>
  Layer.merge(BruteForce.layerMemory(bruteForceOptions(options)), CrossSite.layer(options.crossSite))

/**
 * The preset for several processes: the brute-force counters on effect's `Redis`.
 *
 * @since 0.0.0
 * @category layers
 */
export const layerRedis = (
  options: Options
): Layer.Layer<BruteForce.BruteForce | CrossSite.CrossSite, never, Redis.Redis> =>
  Layer.merge(BruteForce.layerRedis(bruteForceOptions(options)), CrossSite.layer(options.crossSite))
