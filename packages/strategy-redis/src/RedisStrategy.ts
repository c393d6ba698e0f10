/**
 * Redis sessions (FastAPI Users' `RedisStrategy`) on an `ioredis` client the application
 * constructs and owns: opaque random tokens whose SHA-256 digest is the key, so a `KEYS` hands out no session, and a
 * per-user index that makes "log out everywhere" one call.
 *
 * @since 0.0.0
 */
import type { Strategy } from "@effect-users/core/Strategy"
import type { UserModel } from "@effect-users/core/User"
import type { UserRepository } from "@effect-users/core/UserRepository"
import { Config, Context, Effect, Layer, Redacted } from "effect"
import type { Duration } from "effect"
import * as EffectRedis from "effect/persistence/Redis"
import { Redis } from "ioredis"
import type { RedisOptions } from "ioredis"
import * as Build from "./internal/build.ts"
import * as Scripts from "./internal/scripts.ts"

/**
 * The application's `ioredis` client (standalone or Sentinel; not Cluster: a token key and its user's index are
 * written in one script, so they must live on one node). The application constructs it, ideally with
 * `recommendedClientOptions`, and closes it.
 *
 * @since 0.0.0
 * @category services
 */
export class RedisClient extends Context.Service<RedisClient, Redis>()("@effect-users/strategy-redis/RedisClient") {}

/**
 * Provides the application's `ioredis` client; the layer does not close it.
 *
 * @since 0.0.0
 * @category layers
 */
export const layerClient = (redis: Redis): Layer.Layer<RedisClient> => Layer.succeed(RedisClient, redis)

/**
 * `ioredis` options that bound a command during an outage and reconnect quickly once Redis is back, to spread into
 * the application's own: `new Redis(url, { ...RedisStrategy.recommendedClientOptions, ...yours })`.
 *
 * - `connectTimeout` / `commandTimeout` 1 s: a connection attempt or a sent command that gets no answer fails (the
 *   defaults wait 10 s, and forever);
 * - `maxRetriesPerRequest` 1: a command queued while disconnected fails after the second failed reconnection
 *   (default 20) instead of waiting;
 * - `retryStrategy`: reconnect after 100, 200, 400 ms, then every 500 ms, forever (the default backs off to 2 s),
 *   so a request issued once Redis is back is sent as soon as the connection is ready, well within the command
 *   timeout (the offline queue stays enabled for that).
 *
 * The strategy's own `timeout` bounds every operation whatever the client's options.
 *
 * @since 0.0.0
 * @category constructors
 */
export const recommendedClientOptions: Pick<
  RedisOptions,
  "connectTimeout" | "commandTimeout" | "maxRetriesPerRequest" | "retryStrategy"
> = {
  connectTimeout: 1_000,
  commandTimeout: 1_000,
  maxRetriesPerRequest: 1,
  retryStrategy: (times) => Math.min(50 * 2 ** times, 500)
}

/**
 * What `layerClientConfig` reads: the Redis URL (`redis://[user:password@]host:port[/db]`, `rediss://` for TLS).
 *
 * @since 0.0.0
 * @category models
 */
export interface ClientConfig {
  readonly url: Redacted.Redacted
}

/**
 * Constructs and owns a client for the application (when it has none of its own): `recommendedClientOptions`
 * overridden by `clientOptions`, closed with the layer. Building the layer does not wait for Redis, so a server starts
 * (and answers 503 on Redis routes) while Redis is down; the client's connection losses and recoveries are logged
 * once each, as a warning and an info line.
 *
 * ```ts
 * RedisStrategy.layerClientConfig({ url: Config.Redacted("REDIS_URL") })
 * ```
 *
 * @since 0.0.0
 * @category layers
 */
export const layerClientConfig = (
  config: Config.Wrap<ClientConfig>,
  clientOptions: Omit<RedisOptions, "replyMapping"> = {}
): Layer.Layer<RedisClient, Config.ConfigError> =>
  Layer.effect(
    RedisClient,
    Effect.gen(function*() {
      const { url } = yield* Config.unwrap(config)
      const context = yield* Effect.context<never>()
      const log = (effect: Effect.Effect<void>) => void Effect.runForkWith(context)(effect)
      return yield* Effect.acquireRelease(
        Effect.sync(() => {
          const client = new Redis(Redacted.value(url), { ...recommendedClientOptions, ...clientOptions })
          let available = true
          client.on("error", (error: unknown) => {
            if (!available) return
            available = false
            log(Effect.logWarning("Redis is unavailable", error instanceof Error ? error.message : String(error)))
          })
          client.on("ready", () => {
            if (available) return
            available = true
            log(Effect.logInfo("Redis is available again"))
          })
          return client
        }),
        (client) =>
          Effect.tryPromise(() => client.quit()).pipe(
            Effect.timeout("1 second"),
            Effect.ignore,
            Effect.ensuring(Effect.sync(() => client.disconnect()))
          )
      )
    })
  )

/**
 * The default key prefix, FastAPI Users' (`fastapi_users_token:`).
 *
 * @since 0.0.0
 * @category constructors
 */
export const defaultKeyPrefix = "fastapi_users_token:"

/**
 * Options of a Redis strategy.
 *
 * @since 0.0.0
 * @category models
 */
export interface Options {
  /**
   * How long a token stays valid (FastAPI Users' `lifetime_seconds`; a number is read as milliseconds, as every
   * `Duration.Input`, so prefer `"1 hour"`), enforced by Redis (`SET ... PX`). Absent, zero or infinite: no expiry.
   */
  readonly lifetime?: Duration.Input | undefined
  /** The key prefix, `fastapi_users_token:` by default. */
  readonly keyPrefix?: string | undefined
  /** The bound on every Redis round trip (2 seconds by default): past it, the operation fails with `StrategyError`. */
  readonly timeout?: Duration.Input | undefined
}

/**
 * The Redis keys a strategy uses, for tooling and migrations: `token` is where a token's session lives
 * (`<prefix><digest>`, value: the user id), `index` the user's sorted set of session digests scored by expiry time
 * in milliseconds (`<prefix>user:<user id>`, `+inf` when a session never expires; it expires with its last session).
 *
 * @since 0.0.0
 * @category models
 */
export interface Keys {
  readonly token: (digest: string) => string
  readonly index: (userId: string) => string
}

/**
 * The key layout for a prefix.
 *
 * @since 0.0.0
 * @category constructors
 */
export const keys = (keyPrefix: string = defaultKeyPrefix): Keys => ({
  token: (digest) => `${keyPrefix}${digest}`,
  index: (userId) => `${keyPrefix}user:${userId}`
})

/** The client's own `keyPrefix`, which it adds to declared keys but not to keys a script builds. */
const clientPrefix = (client: Redis): string => String(client.options.keyPrefix ?? "")

/**
 * Builds a Redis strategy on the application's `ioredis` client (`RedisClient`).
 *
 * - `writeToken`: 32 random bytes, URL-safe base64 without padding (43 characters) on the wire; Redis holds
 *   `<prefix><SHA-256 digest, base64url>` = the user id, with the lifetime as TTL, and the digest in the user's index,
 *   in one script (atomic);
 * - `readToken`: `GET`; a malformed, unknown or expired token, an unparsable stored id, or a user that no longer
 *   exists is `None`; only Redis failing (or not answering within `timeout`) fails, with `StrategyError`, and the
 *   user lookup with its `UserRepositoryError`;
 * - `destroyToken` removes the key and its index entry (logout); `destroyAllForUser` removes every indexed session of
 *   the user, atomically.
 *
 * @since 0.0.0
 * @category constructors
 */
export const make = (
  options: Options = {}
): Effect.Effect<Strategy, never, RedisClient | UserRepository | UserModel> =>
  Effect.flatMap(RedisClient, (client) =>
    Build.make(options, {
      get: (key) => Effect.tryPromise({ try: () => client.get(key), catch: (cause) => cause }),
      run: (script, keys, args) =>
        Effect.tryPromise({ try: () => Scripts.run(client, script, keys, args), catch: (cause) => cause }),
      prefix: clientPrefix(client)
    }))

/**
 * Builds the same strategy (same keys, same scripts, same answers) on effect's `Redis` service
 * (`effect/persistence/Redis`, e.g. `NodeRedis.layer` of `@effect/platform-node`), so that one client serves the
 * sessions and everything else of the application on Redis (effect's `RateLimiter` store, e.g.).
 *
 * @since 0.0.0
 * @category constructors
 */
export const makeEffectRedis = (
  options: Options = {}
): Effect.Effect<Strategy, never, EffectRedis.Redis | UserRepository | UserModel> =>
  Effect.flatMap(EffectRedis.Redis, (redis) => {
    const scripts = new Map<Scripts.Script, ReturnType<typeof toEffectScript>>()
    const scriptOf = (script: Scripts.Script) => {
      const found = scripts.get(script)
      if (found !== undefined) return found
      const made = toEffectScript(script)
      scripts.set(script, made)
      return made
    }
    return Build.make(options, {
      get: (key) => redis.send<string | null>("GET", key),
      run: (script, keys, args) => redis.eval(scriptOf(script))(keys, args),
      prefix: ""
    })
  })

const toEffectScript = (script: Scripts.Script) =>
  EffectRedis.script(
    (keys: ReadonlyArray<string>, args: ReadonlyArray<string | number>) => [...keys, ...args.map(String)],
    { lua: script.lua, numberOfKeys: (keys: ReadonlyArray<string>) => keys.length }
  ).withReturnType<unknown>()
