/**
 * The authenticator: resolves the current user of a request over the application's backends, with FastAPI Users'
 * `current_user(optional, active, verified, superuser, get_enabled_backends)` semantics (FASTAPI_USERS.md §5).
 *
 * @since 0.0.0
 */
import { Schema } from "effect"

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
