/**
 * Core's `Transport` port for HTTP: tokens read from an `HttpServerRequest`, login and logout outcomes as
 * `HttpServerResponse`s, the OpenAPI security scheme a transport stands for, and backends over HTTP.
 *
 * @since 0.0.0
 */
import type { Strategy, Transport } from "@effect-users/core"
import { AuthenticationBackend } from "@effect-users/core"
import { Effect } from "effect"
import type { HttpServerRequest, HttpServerResponse } from "effect/http"

/**
 * The OpenAPI security scheme of a transport (FastAPI's `OAuth2PasswordBearer` or `APIKeyCookie`).
 *
 * @since 0.0.0
 * @category models
 */
export interface SecurityScheme {
  readonly name: string
  readonly scheme: Readonly<Record<string, unknown>>
}

/**
 * A transport for HTTP.
 *
 * @since 0.0.0
 * @category models
 */
export interface HttpTransport
  extends Transport.Transport<HttpServerRequest.HttpServerRequest, HttpServerResponse.HttpServerResponse>
{
  readonly securityScheme: SecurityScheme
}

/**
 * An authentication backend over HTTP, ready to use (core's `AuthenticationBackend` with an HTTP transport).
 *
 * @since 0.0.0
 * @category models
 */
export type HttpBackend = AuthenticationBackend.AuthenticationBackend<
  HttpServerRequest.HttpServerRequest,
  HttpServerResponse.HttpServerResponse
>

/**
 * A backend as the application declares it: a name, a transport, and a strategy or the effect that builds it
 * (strategies need their stores, e.g. `JwtStrategy.make(...)` needs the `UserRepository`); strategies are built
 * once, when the application's layers are.
 *
 * @since 0.0.0
 * @category models
 */
export interface BackendDefinition<E = never, R = never> {
  readonly name: string
  readonly transport: HttpTransport
  readonly strategy: Strategy.Strategy | Effect.Effect<Strategy.Strategy, E, R>
}

/**
 * Declares a backend.
 *
 * @since 0.0.0
 * @category constructors
 */
export const backend = <E = never, R = never>(
  name: string,
  transport: HttpTransport,
  strategy: Strategy.Strategy | Effect.Effect<Strategy.Strategy, E, R>
): BackendDefinition<E, R> => ({ name, transport, strategy })

/**
 * Builds the strategies of backend definitions, in order.
 *
 * @since 0.0.0
 * @category constructors
 */
export const resolve = <E, R>(
  definitions: ReadonlyArray<BackendDefinition<E, R>>
): Effect.Effect<ReadonlyArray<HttpBackend>, E, R> =>
  Effect.forEach(definitions, (definition) =>
    Effect.isEffect(definition.strategy)
      ? Effect.map(
        definition.strategy,
        (strategy): HttpBackend => AuthenticationBackend.make(definition.name, definition.transport, strategy)
      )
      : Effect.succeed(AuthenticationBackend.make(definition.name, definition.transport, definition.strategy)))

/**
 * The security scheme of a backend's transport, when it declares one.
 *
 * @since 0.0.0
 * @category accessors
 */
export const securitySchemeOf = (backend: { readonly transport: object }): SecurityScheme | undefined => {
  const transport = backend.transport
  return "securityScheme" in transport ? (transport as HttpTransport).securityScheme : undefined
}
