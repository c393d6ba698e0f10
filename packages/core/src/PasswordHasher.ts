/**
 * The password hashing port (pwdlib's `PasswordHash`, FASTAPI_USERS.md §11).
 *
 * @since 0.0.0
 */
import type { Effect, Option } from "effect"
import { Context, Schema } from "effect"

/**
 * The hasher itself failed (not a wrong password, not an unknown hash format): a defect of the platform.
 *
 * @since 0.0.0
 * @category errors
 */
export class PasswordHasherError extends Schema.TaggedError<PasswordHasherError>()("PasswordHasherError", {
  cause: Schema.Defect()
}) {}

/**
 * The outcome of checking a password against a stored hash.
 *
 * @since 0.0.0
 * @category models
 */
export interface Verification {
  readonly verified: boolean
  /** A fresh hash with the current algorithm and parameters when the stored one is outdated (bcrypt, weaker Argon2). */
  readonly updatedHash: Option.Option<string>
}

/**
 * Hashes and verifies passwords; hashing never runs on the event loop.
 *
 * Contract: `hash` produces a PHC string of the current algorithm and parameters; `verifyAndUpdate` recognises the
 * current format and the legacy ones it supports, and reports an unknown hash format or a password a legacy
 * algorithm cannot take (over 72 bytes for bcrypt) as `verified: false`, logging why, never as a failure;
 * `generate` returns a random password (43 URL-safe characters).
 *
 * @since 0.0.0
 * @category services
 */
export class PasswordHasher extends Context.Service<PasswordHasher, {
  readonly hash: (password: string) => Effect.Effect<string, PasswordHasherError>
  readonly verifyAndUpdate: (password: string, hash: string) => Effect.Effect<Verification, PasswordHasherError>
  readonly generate: Effect.Effect<string>
}>()("@effect-users/core/PasswordHasher") {}
