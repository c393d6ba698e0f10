/**
 * The mark every port's infrastructure error carries (a store, a hasher, a mailer or an identity provider that
 * cannot be reached or failed): transports recognise such errors by the mark alone and answer 503, so a new port's
 * error needs no entry in any transport's table.
 *
 * @since 0.0.0
 */
import { hasProperty } from "effect/Predicate"

/**
 * The key of the mark.
 *
 * @since 0.0.0
 * @category symbols
 */
export const TypeId = "~@effect-users/core/Infrastructure" as const

/**
 * An error that says a dependency is unavailable, not that the request is wrong.
 *
 * @since 0.0.0
 * @category models
 */
export interface InfrastructureError {
  readonly [TypeId]: typeof TypeId
  readonly _tag: string
}

/**
 * Whether a value is an infrastructure error.
 *
 * @since 0.0.0
 * @category guards
 */
export const isInfrastructureError = (u: unknown): u is InfrastructureError =>
  hasProperty(u, TypeId) && u[TypeId] === TypeId
