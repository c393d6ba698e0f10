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
 * (strategies need their stores, e.g. `JwtStrategy.make(...)` needs the `UserRepository`); `build` makes the ready
 * backend, once, when the application's layers are built. A list of backends with different strategies type-checks
 * as written: each keeps its own `E` and `R`.
 *
 * @since 0.0.0
 * @category models
 */
export interface BackendDefinition<E = never, R = never> {
  readonly name: string
  readonly transport: HttpTransport
  readonly build: Effect.Effect<HttpBackend, E, R>
}

/**
 * Any backend definition.
 *
 * @since 0.0.0
 * @category models
 */
export type AnyBackend = BackendDefinition<unknown, unknown>

/**
 * What building the backends `B` can fail with.
 *
 * @since 0.0.0
 * @category models
 */
export type BackendError<B extends AnyBackend> = Effect.Error<B["build"]>

/**
 * What building the backends `B` requires.
 *
 * @since 0.0.0
 * @category models
 */
export type BackendServices<B extends AnyBackend> = Effect.Services<B["build"]>

/**
 * Declares a backend.
 *
 * @since 0.0.0
 * @category constructors
 */
export function backend(name: string, transport: HttpTransport, strategy: Strategy.Strategy): BackendDefinition
export function backend<E, R>(
  name: string,
  transport: HttpTransport,
  strategy: Effect.Effect<Strategy.Strategy, E, R>
): BackendDefinition<E, R>
export function backend<E, R>(
  name: string,
  transport: HttpTransport,
  strategy: Strategy.Strategy | Effect.Effect<Strategy.Strategy, E, R>
): BackendDefinition<E, R> {
  return {
    name,
    transport,
    build: Effect.isEffect(strategy)
      ? Effect.map(strategy, (built): HttpBackend => AuthenticationBackend.make(name, transport, built))
      : Effect.succeed(AuthenticationBackend.make(name, transport, strategy))
  }
}

/**
 * Builds backend definitions, in order.
 *
 * @since 0.0.0
 * @category constructors
 */
export const resolve = <B extends AnyBackend>(
  definitions: ReadonlyArray<B>
): Effect.Effect<ReadonlyArray<HttpBackend>, BackendError<B>, BackendServices<B>> => {
  const all: Effect.Effect<ReadonlyArray<HttpBackend>, unknown, unknown> = Effect.forEach(
    definitions,
    (definition) => definition.build
  )
  // The one cast of this package's backend typing: TypeScript cannot relate the elements of a generic list to the
  // conditional types that extract their effects' error and services, though each element's `build` fails and
  // requires exactly what `BackendError<B>` and `BackendServices<B>` extract.
  return all as Effect.Effect<ReadonlyArray<HttpBackend>, BackendError<B>, BackendServices<B>>
}

/**
 * The security scheme of a backend's transport, when it declares one.
 *
 * @since 0.0.0
 * @category accessors
 */
export const securitySchemeOf = (backend: { readonly transport: HttpTransport }): SecurityScheme =>
  backend.transport.securityScheme
