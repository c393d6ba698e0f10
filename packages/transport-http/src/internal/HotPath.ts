import type { Authenticator } from "@effect-users/core"
import { Effect, Schema } from "effect"
import { HttpRouter, HttpServerRequest } from "effect/http"
import type { HttpServerResponse } from "effect/http"
import { jsonResponse } from "../ErrorResponse.ts"
import * as RequestBody from "../RequestBody.ts"
import * as Authenticate from "./authenticate.ts"
import { Backends } from "./Backends.ts"
import { RouterGuard } from "./RouterGuard.ts"
import type { Schemas } from "./Schemas.ts"
import * as Unexpected from "./Unexpected.ts"

/** The middlewares the users router's `GET /me` runs, which the seam does exactly. */
export const ownMiddlewares: ReadonlySet<unknown> = new Set<unknown>([RouterGuard, RequestBody.Middleware])

/** A `GET <prefix>/me` of a users router, and what its guard requires. */
export interface MeRoute {
  readonly path: string
  readonly requirements: Authenticator.Requirements
}

/**
 * The hot path, in one named seam: `GET <users prefix>/me` with exactly that URL is answered ahead of the router by
 * a global router middleware (effect's public `HttpRouter.middleware`), with the same guard, the same read schema
 * and the same pre-built answers as the users router's `current_user` endpoint, which serves every other form of the
 * request (a query string, an escape) and stays declared for the OpenAPI document. The HttpApi route costs a chain of
 * middlewares and context copies that this, the most frequent request, does not need; `test/HotPath.test.ts` pins
 * that both answer alike.
 */
export const layer = (routes: ReadonlyArray<MeRoute>, read: Schemas["read"]) =>
  HttpRouter.middleware(
    Effect.map(Backends, ({ authenticator }) => {
      const encode = Schema.encodeSync(read)
      const table = new Map<
        string,
        (request: HttpServerRequest.HttpServerRequest) => Effect.Effect<HttpServerResponse.HttpServerResponse>
      >()
      for (const route of routes) {
        const authenticate = Authenticate.make(authenticator, route.requirements)
        table.set(
          route.path,
          (request) => authenticate(request, (session) => Effect.succeed(jsonResponse(200, encode(session.user))))
        )
      }
      return (httpEffect) =>
        Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
          if (request.method !== "GET") return httpEffect
          const serve = table.get(request.url)
          return serve === undefined ? httpEffect : Effect.catchCause(serve(request), Unexpected.answer)
        })
    }),
    { global: true }
  )
