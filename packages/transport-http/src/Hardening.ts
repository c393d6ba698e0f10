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
import { ByteSize, Cause, Effect } from "effect"
import { HttpIncomingMessage, HttpRouter, HttpServerError, HttpServerRequest, HttpServerResponse } from "effect/http"
import { responses } from "./ErrorResponse.ts"
import { normalise } from "./internal/Path.ts"
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

const internalError = HttpServerResponse.text("Internal Server Error", { status: 500 })

/**
 * The global router middleware, with the body size limit (1 MiB by default).
 *
 * @since 0.0.0
 * @category layers
 */
export const layer = (options: { readonly maxBodySize?: number } = {}) => {
  const maxBodySize = options.maxBodySize ?? defaultLimits.maxBodySize
  const limit = ByteSize.bytes(maxBodySize)
  return HttpRouter.middleware<{ handles: unknown }>()(
    (httpEffect) =>
      Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
        if (Number(request.headers["content-length"]) > maxBodySize) return Effect.succeed(responses.payloadTooLarge)
        const url = normalise(request.url)
        const limited = Effect.provideService(httpEffect, HttpIncomingMessage.MaxBodySize, limit)
        const routed = url === request.url
          ? limited
          : Effect.provideService(limited, HttpServerRequest.HttpServerRequest, request.modify({ url }))
        return Effect.catchCause(routed, (cause) => {
          const reasons = cause.reasons
          const errors = reasons.flatMap((reason) =>
            Cause.isFailReason(reason) ? [reason.error] : Cause.isDieReason(reason) ? [reason.defect] : []
          )
          if (errors.some(isTooLarge)) return Effect.succeed(responses.payloadTooLarge)
          if (errors.length === 0 || errors.some(isRouteNotFound)) return Effect.failCause(cause)
          return Effect.as(Effect.logError("unexpected failure, answering 500", cause), internalError)
        })
      }),
    { global: true }
  )
}
