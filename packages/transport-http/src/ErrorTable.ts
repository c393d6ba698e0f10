/**
 * The typed tables from core's domain errors to FastAPI Users' answers, one per operation (docs/moving-from-fastapi-users.md,
 * §2.3, §14 Q14). A table must name every domain error its operation can fail with, and nothing else: adding or
 * renaming a core error fails to compile until a table maps it. Infrastructure errors (core's `Infrastructure` mark)
 * need no entry: they are a logged 503 everywhere.
 *
 * @since 0.0.0
 */
import { Infrastructure, UserMetrics } from "@effect-users/core"
import { Effect } from "effect"
import { SERVICE_UNAVAILABLE } from "./ErrorCode.ts"
import { ErrorModel, NotFound, ServiceUnavailable } from "./ErrorResponse.ts"

/**
 * A tagged error.
 *
 * @since 0.0.0
 * @category models
 */
export interface Tagged {
  readonly _tag: string
}

/**
 * The domain errors of an error union: all but the infrastructure ones.
 *
 * @since 0.0.0
 * @category models
 */
export type DomainError<E> = Exclude<E, Infrastructure.InfrastructureError>

/**
 * A table for the errors `E` answering with `W`: one entry per domain error tag, exactly.
 *
 * @since 0.0.0
 * @category models
 */
export type Table<E extends Tagged, W> = {
  readonly [K in DomainError<E>["_tag"]]: (error: Extract<E, { readonly _tag: K }>) => W
}

/**
 * The answers a table may give: FastAPI Users' 400 `ErrorModel` and the 404.
 *
 * @since 0.0.0
 * @category models
 */
export type Wire = ErrorModel | NotFound

/**
 * The error type of an effect-returning function (an operation of core's `UserManager`).
 *
 * @since 0.0.0
 * @category models
 */
export type ErrorOf<F> = F extends (...args: ReadonlyArray<never>) => Effect.Effect<infer _A, infer E, infer _R> ? E
  : never

/**
 * `{"detail": code}`.
 *
 * @since 0.0.0
 * @category constructors
 */
export const code = (detail: string) => (): ErrorModel => new ErrorModel({ detail })

/**
 * `{"detail": {"code": code, "reason": error.reason}}`.
 *
 * @since 0.0.0
 * @category constructors
 */
export const withReason = (detail: string) => (error: { readonly reason: unknown }): ErrorModel =>
  new ErrorModel({ detail: { code: detail, reason: error.reason } })

/**
 * `{"detail": "Not Found"}`.
 *
 * @since 0.0.0
 * @category constructors
 */
export const notFound = (): NotFound => new NotFound({ detail: "Not Found" })

/**
 * The 503 answer.
 *
 * @since 0.0.0
 * @category constants
 */
export const serviceUnavailable = new ServiceUnavailable({ detail: SERVICE_UNAVAILABLE })

/**
 * Logs an unavailable port's error and counts the 503 it causes (`UserMetrics.unavailable`, by port).
 *
 * @since 0.0.0
 * @category combinators
 */
export const unavailable = (error: Infrastructure.InfrastructureError): Effect.Effect<void> =>
  Effect.andThen(
    Effect.logError(`${error._tag}: answering 503`, error),
    UserMetrics.increment(UserMetrics.unavailable, { port: error._tag })
  )

/**
 * Builds the failure mapping of an operation from its table: a domain error becomes its entry's answer, an
 * infrastructure error the logged 503.
 *
 * @since 0.0.0
 * @category constructors
 */
export const make =
  <E extends Tagged>() =>
  <W extends Wire>(table: Table<E, W>): (error: E) => Effect.Effect<never, W | ServiceUnavailable> => {
    const entries: Readonly<Record<string, ((error: never) => W) | undefined>> = table
    return (error) => {
      if (Infrastructure.isInfrastructureError(error)) {
        return Effect.andThen(unavailable(error), Effect.fail(serviceUnavailable))
      }
      const entry = entries[error._tag]
      // `Table<E, W>` has an entry for every domain tag of `E`, so `entry` exists and takes this error; the index
      // signature view of the table is what loses that link
      return entry === undefined ? Effect.die(error) : Effect.fail(entry(error as never))
    }
  }

/**
 * The mapping of an operation that fails only with infrastructure errors: the logged 503.
 *
 * @since 0.0.0
 * @category constants
 */
export const infrastructure: (
  error: Infrastructure.InfrastructureError
) => Effect.Effect<never, ServiceUnavailable> = make<Infrastructure.InfrastructureError>()<never>({})

/**
 * Answers the infrastructure errors of an effect with the logged 503, leaving its domain errors to be mapped (a
 * new domain error still fails to compile where it is not).
 *
 * @since 0.0.0
 * @category combinators
 */
export const catchInfrastructure = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.catchIf(
    effect,
    (error: E): error is Extract<E, Infrastructure.InfrastructureError> => Infrastructure.isInfrastructureError(error),
    infrastructure
  )
