/**
 * Refusal of cross-site state-changing requests that a cookie would authenticate (CSRF beyond `SameSite`): a
 * request with a method other than GET, HEAD and OPTIONS that carries one of the builder's auth cookies, or that logs
 * in on a cookie backend's auth router (login CSRF), is answered 403 `{"detail": "CROSS_SITE_REQUEST"}` when the
 * browser says it is cross-site: `Sec-Fetch-Site` other than `same-origin` or `none` (`same-site` too unless
 * allowed), or, without it, an `Origin` that is neither the request's own host nor one of `allowedOrigins`. A request
 * with neither header (not from a browser) is let through.
 *
 * Off unless provided: give `Users.layer(api)` `CrossSite.layer()` (the `hardened` preset does).
 *
 * @since 0.0.0
 */
import { Context, Layer } from "effect"

/**
 * The check's options.
 *
 * @since 0.0.0
 * @category models
 */
export interface Options {
  /** Origins besides the request's own host that may send such requests (e.g. `https://app.example.com`). */
  readonly allowedOrigins?: ReadonlyArray<string>
  /** Let `Sec-Fetch-Site: same-site` through (a sibling subdomain); refused by default. */
  readonly allowSameSite?: boolean
}

/**
 * The check, switched on with its options.
 *
 * @since 0.0.0
 * @category services
 */
export class CrossSite extends Context.Service<CrossSite, Required<Options>>()(
  "@effect-users/transport-http/CrossSite"
) {}

/**
 * Switches the check on for the routers and guards of `Users.layer(api)`.
 *
 * @since 0.0.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<CrossSite> =>
  Layer.succeed(CrossSite, {
    allowedOrigins: options.allowedOrigins ?? [],
    allowSameSite: options.allowSameSite ?? false
  })

/**
 * The 403 body's detail.
 *
 * @since 0.0.0
 * @category constants
 */
export const CROSS_SITE_REQUEST = "CROSS_SITE_REQUEST"
