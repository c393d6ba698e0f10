import { Context } from "effect"
import { HttpApi, OpenApi } from "effect/http-api"

/**
 * What a router of the library is, carried by its group as an annotation: `layer(api)` finds the library's groups in
 * an api by it, so the api value alone decides what is served (no registry, no call order).
 */
export interface RouterSpec {
  readonly kind: "auth" | "register" | "verify" | "reset" | "users"
  /** The builder that made the router: one builder's `layer(api)` serves only its own routers. */
  readonly owner: object
  /** The options the router was made with (its prefix, `requiresVerification`, its backend's name). */
  readonly prefix: `/${string}`
  readonly requiresVerification: boolean
  readonly backend?: string
}

/** The annotation key of {@link RouterSpec}. */
export class Router extends Context.Service<Router, RouterSpec>()("@effect-users/transport-http/Router") {}

/** How the routers decode payloads: every invalid field reported (FastAPI's 422 lists them all), extra keys ignored. */
export const payloadParseOptions = { errors: "all", onExcessProperty: "ignore" } as const

/** The annotations every group of the library carries: its spec, its payload parsing, its OpenAPI tag. */
export const groupAnnotations = (spec: RouterSpec, tag: "auth" | "users") =>
  Context.make(Router, spec).pipe(
    Context.add(HttpApi.PayloadParseOptions, payloadParseOptions),
    Context.add(OpenApi.Title, tag)
  )
