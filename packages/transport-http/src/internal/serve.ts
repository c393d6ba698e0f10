import type { Scope } from "effect"
import { Context, Effect, Layer, Option } from "effect"
import type { HttpApiGroup } from "effect/http-api"
import { HttpApi, HttpApiBuilder } from "effect/http-api"
import type { ExtensionSpec, RouterSpec } from "./RouterSpec.ts"
import { Router } from "./RouterSpec.ts"

/**
 * The identifiers of the library's groups: `<kind>:<prefix>` (`users:/users`, `auth:/auth/jwt`), and the extensions'
 * (`oauth:/auth/google`, see `RouterExtension.Identifier`).
 */
export type LibraryIdentifier = `${RouterSpec["kind"]}:/${string}` | `oauth:/${string}`

/** A group of the library, as the type of an api sees it. */
export interface LibraryGroup {
  readonly identifier: LibraryIdentifier
}

/** What `serveGroup` reads of a group: its endpoints. */
export interface Endpoints {
  readonly endpoints: Readonly<Record<string, { readonly identifier: string; readonly method: string }>>
}

const signature = (group: Endpoints): string =>
  Object.values(group.endpoints).map((endpoint) => `${endpoint.method} ${endpoint.identifier}`).sort().join(", ")

/**
 * The handlers of one library group as the api holds it (prefixes and middlewares the application added included),
 * typed by `own`, the group the router makes for the same options (`identifier` is its identifier).
 */
export const serveGroup = <G extends HttpApiGroup.Constraint & Endpoints, Return>(
  api: HttpApi.Constraint,
  actual: HttpApiGroup.Top,
  own: G,
  identifier: HttpApiGroup.Identifier<G>,
  build: (handlers: HttpApiBuilder.Handlers.FromGroup<G>) => HttpApiBuilder.Handlers.ValidateReturn<Return>
): Layer.Layer<
  never,
  HttpApiBuilder.Handlers.Error<Return>,
  Exclude<HttpApiBuilder.Handlers.Context<Return>, Scope.Scope>
> => {
  if (signature(actual) !== signature(own)) {
    return Layer.effectDiscard(Effect.die(
      new Error(
        `FastApiUsers: the api's group "${actual.identifier}" has the endpoints ${signature(actual)}, but its router ` +
          `makes ${signature(own)}: add the routers' groups with their own endpoints`
      )
    ))
  }
  // The api holds `actual`, which this router made (its Router annotation says so, and its endpoints are checked
  // above to be the router's): viewing the api as holding the router's own group type is what types the handlers.
  const viewed = api as unknown as HttpApi.HttpApi<string, G>
  return HttpApiBuilder.group(viewed, identifier, build)
}

/**
 * The handlers of every group of `owner` found in `api`: `serve` builds one from the group and its spec.
 */
export const serveApi = <
  ApiId extends string,
  Groups extends HttpApiGroup.Constraint,
  L extends Layer.Layer<never, unknown, unknown>
>(
  api: HttpApi.HttpApi<ApiId, Groups>,
  owner: object,
  serve: (group: HttpApiGroup.Top, spec: RouterSpec | ExtensionSpec) => L
): Layer.Layer<HttpApiGroup.ToService<ApiId, Extract<Groups, LibraryGroup>>, Layer.Error<L>, Layer.Services<L>> => {
  let served: Layer.Layer<never, unknown, unknown> = Layer.empty
  HttpApi.reflect(api, {
    onGroup: ({ group }) => {
      const spec = Context.getOption(group.annotations, Router)
      if (Option.isSome(spec) && spec.value.owner === owner) served = Layer.merge(served, serve(group, spec.value))
    },
    onEndpoint: () => {}
  })
  // The one claim of this module the compiler cannot check: every group of `api` that this builder made is served
  // above by `serve`, whose layers fail and require only what `L` says; the type states it for
  // `HttpApiBuilder.layer(api)` (a group of the library's form made by another builder is reported by
  // `HttpApiBuilder.layer` as missing).
  return served as Layer.Layer<
    HttpApiGroup.ToService<ApiId, Extract<Groups, LibraryGroup>>,
    Layer.Error<L>,
    Layer.Services<L>
  >
}
