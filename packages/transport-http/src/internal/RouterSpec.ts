import { Context } from "effect"
import type { Layer } from "effect"
import { HttpApi, OpenApi } from "effect/http-api"
import type { ServeContext, Services } from "../RouterExtension.ts"

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

/**
 * A router made by a package above this one (`RouterExtension`): it serves its group itself, from what the builder
 * holds.
 */
export interface ExtensionSpec {
  readonly kind: "extension"
  readonly owner: object
  readonly prefix: `/${string}`
  readonly serve: (context: ServeContext) => Layer.Layer<never, never, Services>
}

/** The annotation key of a library group: a router of this package, or an extension's. */
export class Router extends Context.Service<Router, RouterSpec | ExtensionSpec>()(
  "@effect-users/transport-http/Router"
) {}

/** How the routers decode payloads: every invalid field reported (FastAPI's 422 lists them all), extra keys ignored. */
export const payloadParseOptions = { errors: "all", onExcessProperty: "ignore" } as const

/** The annotations every group of the library carries: its spec, its payload parsing, its OpenAPI tag. */
export const groupAnnotations = (spec: RouterSpec | ExtensionSpec, tag: "auth" | "users") =>
  Context.make(Router, spec).pipe(
    Context.add(HttpApi.PayloadParseOptions, payloadParseOptions),
    Context.add(OpenApi.Title, tag)
  )
