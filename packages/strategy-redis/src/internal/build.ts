import type { Strategy } from "@effect-users/core/Strategy"
import { StrategyError } from "@effect-users/core/Strategy"
import { UserModel } from "@effect-users/core/User"
import { UserRepository } from "@effect-users/core/UserRepository"
import { Duration, Effect, Option } from "effect"
import type { Options } from "../RedisStrategy.ts"
import { keys } from "../RedisStrategy.ts"
import * as Scripts from "./scripts.ts"
import * as Token from "./token.ts"

/**
 * The two things the strategy asks of a Redis client: `GET`, and running one of its scripts; `prefix` is the
 * client's own key prefix (which it adds to declared keys but not to keys a script builds). Failures are the
 * client's own; the strategy bounds and maps them.
 */
export interface Commands {
  readonly get: (key: string) => Effect.Effect<string | null, unknown>
  readonly run: (
    script: Scripts.Script,
    keys: ReadonlyArray<string>,
    args: ReadonlyArray<string | number>
  ) => Effect.Effect<unknown, unknown>
  readonly prefix: string
}

/** The strategy over a client's commands. */
export const make = (
  options: Options,
  commands: Commands
): Effect.Effect<Strategy, never, UserRepository | UserModel> =>
  Effect.gen(function*() {
    const users = yield* UserRepository
    const model = yield* UserModel
    const layout = keys(options.keyPrefix)
    const prefix = commands.prefix
    const timeout = Duration.fromInputUnsafe(options.timeout ?? "2 seconds")
    const lifetimeMillis = Option.fromNullishOr(options.lifetime).pipe(
      Option.map((input) => Math.ceil(Duration.toMillis(Duration.fromInputUnsafe(input)))),
      Option.filter((millis) => millis > 0 && Number.isFinite(millis)),
      Option.getOrElse(() => 0)
    )

    const redis = <A>(method: string, effect: Effect.Effect<A, unknown>): Effect.Effect<A, StrategyError> =>
      effect.pipe(
        Effect.timeout(timeout),
        Effect.mapError((cause) => new StrategyError({ method, cause }))
      )

    const readToken: Strategy["readToken"] = (token) =>
      Token.isWellFormed(token)
        ? redis("readToken", commands.get(layout.token(Token.digest(token)))).pipe(
          Effect.flatMap((value) =>
            Option.match(Option.flatMap(Option.fromNullishOr(value), model.id.parse), {
              onNone: () => Effect.succeedNone,
              onSome: (id) => users.get(id)
            })
          )
        )
        : Effect.succeedNone

    const writeToken: Strategy["writeToken"] = (user) =>
      Effect.flatMap(Token.generate, (token) => {
        const digest = Token.digest(token)
        const userId = model.id.format(user.id)
        return redis(
          "writeToken",
          commands.run(Scripts.write, [layout.token(digest), layout.index(userId)], [userId, digest, lifetimeMillis])
        ).pipe(Effect.as(token))
      })

    const destroyToken: Strategy["destroyToken"] = (token, user) => {
      if (!Token.isWellFormed(token)) return Effect.void
      const digest = Token.digest(token)
      return redis(
        "destroyToken",
        commands.run(Scripts.destroy, [layout.token(digest), layout.index(model.id.format(user.id))], [digest])
      ).pipe(Effect.asVoid)
    }

    const destroyAllForUser: Strategy["destroyAllForUser"] = (user) =>
      redis(
        "destroyAllForUser",
        commands.run(Scripts.destroyAll, [layout.index(model.id.format(user.id))], [prefix + layout.token("")])
      ).pipe(Effect.asVoid)

    return { readToken, writeToken, destroyToken, destroyAllForUser }
  })
