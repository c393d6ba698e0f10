/**
 * The token strategy port: how an access token is minted for a user, resolved back to a user, and revoked
 * (FastAPI Users' `Strategy`). A strategy is a value: an application has one per authentication backend.
 *
 * @since 0.0.0
 */
import type { Effect, Option } from "effect"
import { Schema } from "effect"
import { NodeInspectSymbol } from "effect/Inspectable"
import * as Infrastructure from "./Infrastructure.ts"
import { summarize } from "./internal/summary.ts"
import type { User } from "./User.ts"
import type { UserRepositoryError } from "./UserRepository.ts"

/**
 * The strategy's store failed (database or Redis down, timeout): a 503 at the HTTP layer, never a hang.
 *
 * @since 0.0.0
 * @category errors
 */
export class StrategyError extends Schema.TaggedError<StrategyError>()("StrategyError", {
  method: Schema.String,
  cause: Schema.Defect()
}) {
  /** Marks the error as infrastructure: a 503 at the HTTP layer. */
  readonly [Infrastructure.TypeId] = Infrastructure.TypeId

  /** The method and what went wrong, on one line. */
  override get message(): string {
    return `${this.method}: ${summarize(this.cause)}`
  }

  /** One line when logged (a 503 logs one line, not the driver's nested cause). */
  override [NodeInspectSymbol](): string {
    return `${this._tag}: ${this.message}`
  }
}

/**
 * The strategy cannot revoke tokens (a JWT is valid until it expires); logout swallows it.
 *
 * @since 0.0.0
 * @category errors
 */
export class DestroyNotSupported extends Schema.TaggedError<DestroyNotSupported>()("DestroyNotSupported", {
  message: Schema.String
}) {}

/**
 * A token strategy.
 *
 * Contract (pinned by `@effect-users/testing`'s `StrategyConformance`):
 * - `readToken` resolves a token written by `writeToken` to the current stored user; a token that is malformed,
 *   expired, revoked, for another purpose, or whose user no longer exists is `Option.none()`, never a failure;
 * - only an unavailable store fails (`StrategyError`, or the `UserRepositoryError` of the user lookup), and within a
 *   bounded time;
 * - `destroyToken` makes the token unreadable (or fails with `DestroyNotSupported`); `destroyAllForUser` makes every
 *   token of the user unreadable (or fails with `DestroyNotSupported`).
 *
 * @since 0.0.0
 * @category models
 */
export interface Strategy {
  readonly readToken: (token: string) => Effect.Effect<Option.Option<User>, StrategyError | UserRepositoryError>
  readonly writeToken: (user: User) => Effect.Effect<string, StrategyError>
  readonly destroyToken: (token: string, user: User) => Effect.Effect<void, StrategyError | DestroyNotSupported>
  readonly destroyAllForUser: (user: User) => Effect.Effect<void, StrategyError | DestroyNotSupported>
}
