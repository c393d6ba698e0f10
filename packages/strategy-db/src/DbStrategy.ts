/**
 * Database sessions (FastAPI Users' `DatabaseStrategy`): opaque random tokens whose SHA-256
 * digest is stored through core's `AccessTokenRepository`, so a dump of the table hands out no session.
 *
 * @since 0.0.0
 */
import { AccessTokenRepository } from "@effect-users/core/AccessTokenRepository"
import type { AccessTokenRepositoryError } from "@effect-users/core/AccessTokenRepository"
import { StrategyError } from "@effect-users/core/Strategy"
import type { Strategy } from "@effect-users/core/Strategy"
import { UserRepository } from "@effect-users/core/UserRepository"
import { DateTime, Duration, Effect, Option } from "effect"
import * as Token from "./internal/token.ts"

/**
 * Options of a database strategy.
 *
 * @since 0.0.0
 * @category models
 */
export interface Options {
  /**
   * How long a token stays valid after it was written (FastAPI Users' `lifetime_seconds`; a number is read as
   * milliseconds, as every `Duration.Input`, so prefer `"1 hour"`). Absent, zero or infinite: tokens never expire. Validity
   * is not renewed on use, and expired records are not purged (as the reference).
   */
  readonly lifetime?: Duration.Input | undefined
}

const storeError = (method: string) => (cause: AccessTokenRepositoryError): StrategyError =>
  new StrategyError({ method, cause })

/**
 * Builds a database strategy over the application's `AccessTokenRepository`.
 *
 * - `writeToken`: 32 random bytes, URL-safe base64 without padding (43 characters) on the wire; the record holds
 *   the token's SHA-256 digest (base64url, 43 characters: it fits FastAPI Users' `VARCHAR(43)` column), the user id
 *   and `created_at` from `Clock`;
 * - `readToken`: a malformed, unknown or expired token, or one whose user no longer exists, is `None`; only a
 *   failing store fails (`StrategyError`, or the `UserRepositoryError` of the user lookup);
 * - `destroyToken` deletes the record (logout); `destroyAllForUser` deletes every record of the user (log out
 *   everywhere, revoke sessions on a password reset).
 *
 * @since 0.0.0
 * @category constructors
 */
export const make = (
  options: Options = {}
): Effect.Effect<Strategy, never, AccessTokenRepository | UserRepository> =>
  Effect.gen(function*() {
    const tokens = yield* AccessTokenRepository
    const users = yield* UserRepository
    const lifetime = Option.filter(
      Option.fromNullishOr(options.lifetime).pipe(Option.map(Duration.fromInputUnsafe)),
      (duration) => !Duration.isZero(duration) && Duration.isFinite(duration)
    )
    const notBefore: Effect.Effect<Option.Option<DateTime.Utc>> = Option.match(lifetime, {
      onNone: () => Effect.succeed(Option.none()),
      onSome: (duration) => Effect.map(DateTime.now, (now) => Option.some(DateTime.subtractDuration(now, duration)))
    })

    const readToken: Strategy["readToken"] = (token) =>
      Token.isWellFormed(token)
        ? notBefore.pipe(
          Effect.flatMap((limit) => tokens.getByToken(Token.digest(token), limit)),
          Effect.mapError(storeError("readToken")),
          Effect.flatMap(Option.match({
            onNone: () => Effect.succeedNone,
            onSome: (record) => users.get(record.user_id)
          }))
        )
        : Effect.succeedNone

    const writeToken: Strategy["writeToken"] = (user) =>
      Effect.gen(function*() {
        const token = yield* Token.generate
        const created_at = yield* DateTime.now
        yield* tokens.create({ token: Token.digest(token), user_id: user.id, created_at }).pipe(
          Effect.mapError(storeError("writeToken"))
        )
        return token
      })

    const destroyToken: Strategy["destroyToken"] = (token) =>
      Token.isWellFormed(token)
        ? tokens.delete(Token.digest(token)).pipe(Effect.mapError(storeError("destroyToken")))
        : Effect.void

    const destroyAllForUser: Strategy["destroyAllForUser"] = (user) =>
      tokens.deleteAllForUser(user.id).pipe(Effect.mapError(storeError("destroyAllForUser")), Effect.asVoid)

    return { readToken, writeToken, destroyToken, destroyAllForUser }
  })
