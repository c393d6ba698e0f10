/**
 * The one-time migration that carries Redis sessions stored by FastAPI Users over to `RedisStrategy`: FastAPI Users
 * keys each session by the token itself (`fastapi_users_token:<token>`), effect-users by the token's SHA-256 digest
 * (difference Q15 in docs/moving-from-fastapi-users.md), with a per-user index. Each raw key is renamed to its digest key (value and TTL kept)
 * and indexed, so the tokens the clients hold keep working and "log out everywhere" covers them.
 *
 * @since 0.0.0
 */
import { StrategyError } from "@effect-users/core/Strategy"
import { UserModel } from "@effect-users/core/User"
import { Duration, Effect, Option } from "effect"
import type { Redis } from "ioredis"
import * as Scripts from "./internal/scripts.ts"
import * as Token from "./internal/token.ts"
import { defaultKeyPrefix, keys, RedisClient } from "./RedisStrategy.ts"

/**
 * Options of the migration.
 *
 * @since 0.0.0
 * @category models
 */
export interface Options {
  /** The prefix FastAPI Users wrote with and `RedisStrategy` uses, `fastapi_users_token:` by default. */
  readonly keyPrefix?: string | undefined
  /** The `COUNT` hint of each `SCAN` step (500 by default). */
  readonly batchSize?: number | undefined
  /** The bound on each Redis round trip (10 seconds by default). */
  readonly timeout?: Duration.Input | undefined
}

/**
 * What the migration did: sessions migrated, and sessions left alone because their stored user id does not parse
 * with the model's id kind (they could not authenticate anyway).
 *
 * @since 0.0.0
 * @category models
 */
export interface Report {
  readonly migrated: number
  readonly unparsable: number
}

const escapeGlob = (value: string): string => value.replace(/[*?[\]\\]/gu, (c) => `\\${c}`)

/**
 * Migrates every session FastAPI Users stored under the prefix: `SCAN`s `<prefix>*`, and for each key
 * `<prefix><token>` whose user's index does not already list it, atomically (one script per key) renames it to
 * `<prefix><digest>` (the TTL moves with it) and adds the digest to the user's index.
 *
 * Run it once when switching from FastAPI Users, before the first effect-users process serves requests (tokens
 * FastAPI Users writes after the migration are not readable by `RedisStrategy`). It is safe to re-run: a key
 * `RedisStrategy` wrote is listed in its user's index and is skipped, so only sessions still in FastAPI Users'
 * layout move. Works with a client that has its own `keyPrefix`.
 *
 * @since 0.0.0
 * @category constructors
 */
export const migrate = (options: Options = {}): Effect.Effect<Report, StrategyError, RedisClient | UserModel> =>
  Effect.gen(function*() {
    const client = yield* RedisClient
    const model = yield* UserModel
    const keyPrefix = options.keyPrefix ?? defaultKeyPrefix
    const layout = keys(keyPrefix)
    const timeout = Duration.fromInputUnsafe(options.timeout ?? "10 seconds")
    const clientPrefix = String(client.options.keyPrefix ?? "")
    const fullPrefix = clientPrefix + keyPrefix
    const redis = <A>(step: string, f: (client: Redis) => Promise<A>): Effect.Effect<A, StrategyError> =>
      Effect.tryPromise({
        try: () => f(client),
        catch: (cause) => new StrategyError({ method: `FastApiUsersMigration.${step}`, cause })
      }).pipe(
        Effect.timeout(timeout),
        Effect.catchTag(
          "TimeoutError",
          (cause) => Effect.fail(new StrategyError({ method: `FastApiUsersMigration.${step}`, cause }))
        )
      )

    let cursor = "0"
    let migrated = 0
    const unparsable = new Set<string>() // SCAN may return a key twice
    do {
      const [next, found] = yield* redis(
        "scan",
        (c) => c.scan(cursor, "MATCH", `${escapeGlob(fullPrefix)}*`, "COUNT", options.batchSize ?? 500)
      )
      cursor = next
      for (const fullKey of found) {
        const token = fullKey.slice(fullPrefix.length)
        if (!Token.isWellFormed(token)) continue // an index key, or not a session
        const key = layout.token(token)
        const value = yield* redis("get", (c) => c.get(key))
        if (value === null) continue // expired meanwhile, or not a string
        const id = model.id.parse(value)
        if (Option.isNone(id)) {
          unparsable.add(key)
          continue
        }
        const digest = Token.digest(token)
        const moved = yield* redis(
          "migrate",
          (c) =>
            Scripts.run(c, Scripts.migrate, [key, layout.token(digest), layout.index(model.id.format(id.value))], [
              value,
              token,
              digest
            ])
        )
        if (moved === 1) migrated++
      }
    } while (cursor !== "0")
    return { migrated, unparsable: unparsable.size }
  })
