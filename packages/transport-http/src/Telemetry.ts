/**
 * What effect-users adds to Effect's own HTTP tracing: the query parameters that carry secrets in its routes (OAuth's
 * `code` and `state`, tokens) are recorded as `<redacted>` in the server spans' URL attributes.
 *
 * With Effect's default tracer nothing is recorded and this costs nothing; with an exporter (OpenTelemetry, see
 * docs/observability.md) every request gets a server span named after its method, with `http.route`, and the
 * `UserManager` operations it runs as child spans.
 *
 * @since 0.0.0
 */
import { Layer } from "effect"
import { UrlParams } from "effect/http"

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
 * Redacts {@link redactedQueryParameters} and Effect's defaults in the spans of the server it is provided to.
 *
 * @since 0.0.0
 * @category layers
 */
export const layer: Layer.Layer<never> = Layer.succeed(UrlParams.CurrentRedactedNames, [
  ...UrlParams.CurrentRedactedNames.defaultValue(),
  ...redactedQueryParameters
])
