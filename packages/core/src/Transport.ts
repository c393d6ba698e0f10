/**
 * The transport port: where a token travels between client and server (FastAPI Users' `Transport`). It is abstract
 * over the carrier (an incoming request) and the response type, so core holds no HTTP types; transport-http
 * implements it for HTTP with a Bearer header and a cookie.
 *
 * @since 0.0.0
 */
import type { Effect, Option } from "effect"
import { Schema } from "effect"

/**
 * The transport has no logout response (Bearer): the caller answers with a bare "no content".
 *
 * @since 0.0.0
 * @category errors
 */
export class LogoutNotSupported extends Schema.TaggedError<LogoutNotSupported>()("LogoutNotSupported", {}) {}

/**
 * A transport reading tokens from `Carrier` and producing login and logout responses of type `Response`.
 *
 * Contract: `readToken` is pure and cheap (it runs for every backend on every authenticated request); an absent
 * or empty token is `Option.none()`.
 *
 * @since 0.0.0
 * @category models
 */
export interface Transport<Carrier, Response> {
  readonly readToken: (carrier: Carrier) => Option.Option<string>
  readonly loginResponse: (token: string) => Effect.Effect<Response>
  readonly logoutResponse: Effect.Effect<Response, LogoutNotSupported>
}
