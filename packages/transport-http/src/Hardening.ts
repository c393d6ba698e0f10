/**
 * What protects the whole server from any request, the application's own routes included: a body size limit for
 * every route (413 `{"detail": ...}`, checked while the body arrives), path matching as strict as FastAPI's
 * (case-sensitive, the percent-decoded path, no collapsing of empty segments, `;` not a separator), and every unexpected failure answered with
 * a logged 500 rather than a crash or a silent one.
 *
 * ```ts
 * HttpRouter.serve(routes, { routerConfig: Hardening.routerConfig })
 * // with Hardening.layer() among the routes
 * ```
 *
 * @since 0.0.0
 */
import { ByteSize, Effect } from "effect"
import { HttpIncomingMessage, HttpRouter, HttpServerError, HttpServerRequest } from "effect/http"
import { responses } from "./ErrorResponse.ts"
import * as Fallback from "./Fallback.ts"
import { normalise } from "./internal/Path.ts"
import * as Unexpected from "./internal/Unexpected.ts"
import { defaultLimits } from "./RequestBody.ts"

/**
 * The router configuration FastAPI's matching needs: case-sensitive paths, `//` and a trailing `/` not collapsed.
 *
 * @since 0.0.0
 * @category constants
 */
export const routerConfig = {
  caseSensitive: true,
  ignoreDuplicateSlashes: false,
  ignoreTrailingSlash: false
} as const

const isTooLarge = (error: unknown): boolean =>
  HttpServerError.isHttpServerError(error) && error.reason._tag === "RequestParseError" &&
  error.reason.reason === "BodyTooLarge"

const isRouteNotFound = (error: unknown): boolean =>
  HttpServerError.isHttpServerError(error) && error.reason._tag === "RouteNotFound"

// methods whose requests carry no body the routes read
const bodiless = new Set(["GET", "HEAD", "OPTIONS"])

/**
 * The global router middleware, with the body size limit (1 MiB by default) and, given the known routes of an api
 * (`Fallback.routesOf`), FastAPI's answers for requests no route takes — one middleware for both, so that every
 * request pays for one.
 *
 * @since 0.0.0
 * @category layers
 */
export const layer = (
  options: { readonly maxBodySize?: number; readonly routes?: ReadonlyArray<Fallback.Known> } = {}
) => {
  const maxBodySize = options.maxBodySize ?? defaultLimits.maxBodySize
  const limit = ByteSize.bytes(maxBodySize)
  const routes = options.routes
  return HttpRouter.middleware<{ handles: unknown }>()(
    (httpEffect) =>
      Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
        const method = request.method
        if (routes !== undefined && method === "HEAD") {
          const head = Fallback.answer(routes, "HEAD", request.url, request.headers["host"])
          if (head !== undefined) return Effect.succeed(head)
        }
        if (Number(request.headers["content-length"]) > maxBodySize) return Effect.succeed(responses.payloadTooLarge)
        const url = normalise(request.url)
        const limited = bodiless.has(method)
          ? httpEffect
          : Effect.provideService(httpEffect, HttpIncomingMessage.MaxBodySize, limit)
        const routed = url === request.url
          ? limited
          : Effect.provideService(limited, HttpServerRequest.HttpServerRequest, request.modify({ url }))
        return Effect.catchCause(routed, (cause) => {
          const errors = Unexpected.errorsOf(cause)
          if (errors.some(isTooLarge)) return Effect.succeed(responses.payloadTooLarge)
          if (routes !== undefined && errors.some(isRouteNotFound)) {
            return Effect.succeed(
              Fallback.answer(routes, method, request.url, request.headers["host"]) ?? responses.notFound
            )
          }
          if (errors.some(isRouteNotFound)) return Effect.failCause(cause)
          return Unexpected.answer(cause)
        })
      }),
    { global: true }
  )
}
