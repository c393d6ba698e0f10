/**
 * What effect-users adds to Effect's own HTTP tracing: the query parameters that carry secrets in its routes (OAuth's
 * `code` and `state`, tokens) are recorded as `<redacted>` in the server spans' URL attributes, and the authenticated
 * read path (`GET …/me`) is not traced unless asked for.
 *
 * With Effect's default tracer nothing is recorded and this costs nothing; with an exporter (OpenTelemetry, see
 * docs/observability.md) every other request gets a server span named after its method, with `http.route`, and the
 * `UserManager` operations it runs as child spans.
 *
 * @since 0.0.0
 */
import { Layer } from "effect"
import { HttpMiddleware, type HttpServerRequest, UrlParams } from "effect/http"

/**
 * The query parameters recorded as `<redacted>`, besides Effect's defaults (signed-URL signatures).
 *
 * @since 0.0.0
 * @category constants
 */
export const redactedQueryParameters: ReadonlyArray<string> = [
  "code",
  "state",
  "token",
  "access_token",
  "refresh_token",
  "id_token",
  "password",
  "client_secret",
  "code_verifier"
]

/**
 * Options of {@link layerWith}: `traceHotPath` (default `false`) also traces `GET …/me`, the users router's
 * authenticated read: a span per request there cost about a fifth of its throughput in one measurement
 * (docs/observability.md), so it is opt-in.
 *
 * @since 0.0.0
 * @category models
 */
export interface Options {
  readonly traceHotPath?: boolean | undefined
}

const ME = /\/me(?:[?#]|$)/

/**
 * Whether a request is the authenticated read path, `GET` on a path ending in `/me` (the users router's `GET /me`,
 * wherever it is mounted).
 *
 * @since 0.0.0
 * @category predicates
 */
export const isHotPath = (request: HttpServerRequest.HttpServerRequest): boolean =>
  request.method === "GET" && ME.test(request.url)

/**
 * Redacts {@link redactedQueryParameters} and Effect's defaults in the spans of the server it is provided to, and
 * leaves `GET …/me` untraced unless `traceHotPath` (this replaces any `HttpMiddleware.TracerDisabledWhen` of yours:
 * compose {@link isHotPath} into your own instead).
 *
 * @since 0.0.0
 * @category layers
 */
export const layerWith = (options: Options = {}): Layer.Layer<never> => {
  const redaction = Layer.succeed(UrlParams.CurrentRedactedNames, [
    ...UrlParams.CurrentRedactedNames.defaultValue(),
    ...redactedQueryParameters
  ])
  return options.traceHotPath === true
    ? redaction
    : Layer.merge(redaction, Layer.succeed(HttpMiddleware.TracerDisabledWhen, isHotPath))
}

/**
 * {@link layerWith} with the defaults: secrets redacted, `GET …/me` untraced.
 *
 * @since 0.0.0
 * @category layers
 */
export const layer: Layer.Layer<never> = layerWith()
