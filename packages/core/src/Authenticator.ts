/**
 * The authenticator: resolves the current user of a request over the application's backends, with FastAPI Users'
 * `current_user(optional, active, verified, superuser, get_enabled_backends)` semantics.
 *
 * @since 0.0.0
 */
import { Effect, Option, Schema } from "effect"
import type { AuthenticationBackend } from "./AuthenticationBackend.ts"
import type { StrategyError } from "./Strategy.ts"
import type { User } from "./User.ts"
import type { UserRepositoryError } from "./UserRepository.ts"

/**
 * No backend authenticated the request, or the user is inactive and `active` was required (401).
 *
 * @since 0.0.0
 * @category errors
 */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", {}) {}

/**
 * An authenticated active user fails the `verified` or `superuser` requirement (403).
 *
 * @since 0.0.0
 * @category errors
 */
export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", {}) {}

/**
 * What a protected operation requires of the current user.
 *
 * @since 0.0.0
 * @category models
 */
export interface Requirements {
  /** A missing or discarded user yields `None` instead of failing. */
  readonly optional?: boolean
  readonly active?: boolean
  readonly verified?: boolean
  readonly superuser?: boolean
  /** Only these backends (by name) are tried; all of them when absent. */
  readonly backends?: ReadonlyArray<string>
}

/**
 * Two backends have the same name once sanitised (FastAPI Users' `DuplicateBackendNamesError`): a start-up error.
 *
 * @since 0.0.0
 * @category errors
 */
export class DuplicateBackendNames extends Schema.TaggedError<DuplicateBackendNames>()("DuplicateBackendNames", {
  names: Schema.Array(Schema.String)
}) {}

/**
 * The current user, the token that authenticated it (what logout destroys) and the backend that read it.
 *
 * @since 0.0.0
 * @category models
 */
export interface Authenticated<Carrier> {
  readonly user: User
  readonly token: string
  readonly backend: AuthenticationBackend<Carrier, unknown>
}

/**
 * What authenticating a request can fail with: 401, 403, or an unavailable store (503).
 *
 * @since 0.0.0
 * @category errors
 */
export type AuthenticationError = Unauthorized | Forbidden | StrategyError | UserRepositoryError

/**
 * A guard: resolves the current user of a carrier (`None` only when the requirements are `optional`).
 *
 * @since 0.0.0
 * @category models
 */
export type Guard<Carrier> = (
  carrier: Carrier
) => Effect.Effect<Option.Option<Authenticated<Carrier>>, AuthenticationError>

/**
 * Resolves the current user over the application's backends: the enabled backends in order,
 * the first whose transport carries a token that its strategy resolves to a user wins (a present but invalid token
 * does not stop the next backend), then no user or an inactive one when `active` is required → `Unauthorized`, an
 * unmet `verified` or `superuser` requirement → `Forbidden`, or `None` instead of either when `optional`.
 *
 * @since 0.0.0
 * @category models
 */
export interface Authenticator<Carrier> {
  readonly backends: ReadonlyArray<AuthenticationBackend<Carrier, unknown>>
  /** Builds a guard for fixed requirements once (at start-up): the form for the hot path of every request. */
  readonly guard: (requirements?: Requirements) => Guard<Carrier>
  /** Authenticates one carrier (builds the guard on each call: prefer `guard` on a hot path). */
  readonly authenticate: (
    carrier: Carrier,
    requirements?: Requirements
  ) => Effect.Effect<Option.Option<Authenticated<Carrier>>, AuthenticationError>
}

/**
 * A backend name as FastAPI Users turns it into a parameter name: characters outside `[0-9a-zA-Z_]` removed, then
 * leading non-letters stripped (`mock-bis` → `mockbis`).
 *
 * @since 0.0.0
 * @category constructors
 */
export const sanitizeName = (name: string): string => name.replace(/[^0-9a-zA-Z_]/gu, "").replace(/^[^a-zA-Z]+/u, "")

// One instance of each failure, built once: the guard runs on every authenticated request.
const unauthorized = new Unauthorized()
const forbidden = new Forbidden()
const failUnauthorized = Effect.fail(unauthorized)
const failForbidden = Effect.fail(forbidden)
const succeedNone = Effect.succeed(Option.none())

/**
 * Builds an authenticator over backends tried in the given order; fails with `DuplicateBackendNames` when two
 * names collide once sanitised.
 *
 * @since 0.0.0
 * @category constructors
 */
export const make = <Carrier>(
  backends: ReadonlyArray<AuthenticationBackend<Carrier, unknown>>
): Effect.Effect<Authenticator<Carrier>, DuplicateBackendNames> => {
  const seen = new Map<string, string>()
  const duplicates = new Set<string>()
  for (const backend of backends) {
    const name = sanitizeName(backend.name)
    const first = seen.get(name)
    if (first === undefined) {
      seen.set(name, backend.name)
    } else {
      duplicates.add(first)
      duplicates.add(backend.name)
    }
  }
  if (duplicates.size > 0) return Effect.fail(new DuplicateBackendNames({ names: [...duplicates] }))
  const all = [...backends]
  const guard = (requirements: Requirements = {}): Guard<Carrier> => {
    const only = requirements.backends
    const enabled = only === undefined ? all : all.filter((backend) => only.includes(backend.name))
    const count = enabled.length
    const active = requirements.active === true
    const verified = requirements.verified === true
    const superuser = requirements.superuser === true
    const onUnauthorized: Effect.Effect<Option.Option<Authenticated<Carrier>>, Unauthorized> =
      requirements.optional === true ? succeedNone : failUnauthorized
    const onForbidden: Effect.Effect<Option.Option<Authenticated<Carrier>>, Forbidden> = requirements.optional === true
      ? succeedNone
      : failForbidden
    const check = (
      user: User,
      token: string,
      backend: AuthenticationBackend<Carrier, unknown>
    ): Effect.Effect<Option.Option<Authenticated<Carrier>>, Unauthorized | Forbidden> => {
      if (active && !user.is_active) return onUnauthorized
      if ((verified && !user.is_verified) || (superuser && !user.is_superuser)) return onForbidden
      return Effect.succeed(Option.some({ user, token, backend }))
    }
    const from = (
      carrier: Carrier,
      start: number
    ): Effect.Effect<Option.Option<Authenticated<Carrier>>, AuthenticationError> => {
      for (let index = start; index < count; index++) {
        const backend = enabled[index]
        const token = backend.transport.readToken(carrier)
        if (Option.isNone(token)) continue
        const next = index + 1
        return Effect.flatMap(
          backend.strategy.readToken(token.value),
          (user) => Option.isSome(user) ? check(user.value, token.value, backend) : from(carrier, next)
        )
      }
      return onUnauthorized
    }
    return (carrier) => from(carrier, 0)
  }
  return Effect.succeed({
    backends: all,
    guard,
    authenticate: (carrier, requirements) => guard(requirements)(carrier)
  })
}
