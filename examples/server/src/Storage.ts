/**
 * The example's storage, chosen from the environment: MongoDB at `MONGODB_URL` (adapter-mongo), else PostgreSQL at
 * `DATABASE_URL`, else an embedded PostgreSQL (PGlite). Users and access tokens live in the chosen database; its
 * indexes (MongoDB) or tables (PostgreSQL) are created at start.
 */
import {
  EmbeddedPostgres,
  PgUserChanges,
  SqlAccessTokenRepository,
  SqlMigrations,
  SqlUserRepository
} from "@effect-users/adapter-sql"
import type { User } from "@effect-users/core"
import { UserCache, UserChanges } from "@effect-users/core"
import { RedisStrategy, RedisUserChanges } from "@effect-users/strategy-redis"
import { PgClient } from "@effect/sql-pg"
import { Config, Data, Effect, Layer, Option, Redacted } from "effect"

/** The storage part of the application's configuration. */
export const StorageConfig = Config.all({
  databaseUrl: Config.option(Config.Redacted("DATABASE_URL")),
  /** MongoDB (or FerretDB) holds users and access tokens when set; it wins over `DATABASE_URL`. */
  mongodbUrl: Config.option(Config.Redacted("MONGODB_URL")),
  /** The database name on MongoDB. */
  mongodbDatabase: Config.String("MONGODB_DATABASE").pipe(Config.withDefault("effect_users")),
  /** Caches users in memory (`UserCache`), invalidated across instances through PostgreSQL's LISTEN/NOTIFY. */
  userCache: Config.Boolean("USER_CACHE").pipe(Config.withDefault(false)),
  /** The time limit of every SQL call (and Redis call), in milliseconds: past it the request answers 503. */
  timeoutMs: Config.Int("STORAGE_TIMEOUT_MS").pipe(Config.withDefault(1_000)),
  /** `redis`: the cache's change feed on Redis pub/sub (at `REDIS_URL`) instead of LISTEN/NOTIFY. */
  userCacheFeed: Config.Literals(["postgres", "redis"], "USER_CACHE_FEED").pipe(Config.withDefault("postgres")),
  redisUrl: Config.option(Config.Redacted("REDIS_URL"))
})

/** The storage configuration. */
export type StorageConfig = Config.Success<typeof StorageConfig>

const nonEmpty = (url: Option.Option<Redacted.Redacted<string>>) =>
  Option.filter(url, (value) => Redacted.value(value) !== "")

/** The database: PostgreSQL at `DATABASE_URL` (pipelined queries on a pool of 4), else the embedded one. */
const postgres = (config: StorageConfig) =>
  Option.match(nonEmpty(config.databaseUrl), {
    onSome: (url) => PgClient.layer({ url, maxConnections: 4, multiplex: true }),
    onNone: () => EmbeddedPostgres.layerDefault
  })

/**
 * The SQL user repository, behind an in-memory cache when `USER_CACHE` is set: on PostgreSQL the instances tell each
 * other of changes by LISTEN/NOTIFY; the embedded database has one instance (and one connection), so the feed stays
 * in it.
 */
const sqlUserRepository = (config: StorageConfig) => {
  if (!config.userCache) return SqlUserRepository.layer({ timeout: config.timeoutMs })
  const onPostgres = Option.isSome(nonEmpty(config.databaseUrl))
  return UserCache.layer().pipe(
    Layer.provide(SqlUserRepository.layer({ timeout: config.timeoutMs })),
    Layer.provide(changeFeed(config, onPostgres))
  )
}

/** The cache's change feed: Redis pub/sub when `USER_CACHE_FEED=redis`, else LISTEN/NOTIFY (or in memory, embedded). */
const changeFeed = (
  config: StorageConfig,
  onPostgres: boolean
): Layer.Layer<UserChanges.UserChanges, StorageConfigError | Config.ConfigError, PgClient.PgClient> => {
  if (config.userCacheFeed === "redis") {
    return Option.match(nonEmpty(config.redisUrl), {
      onNone: () =>
        Layer.effect(
          UserChanges.UserChanges,
          Effect.fail(new StorageConfigError({ message: "USER_CACHE_FEED=redis needs REDIS_URL" }))
        ),
      onSome: (url) =>
        RedisUserChanges.layer().pipe(Layer.provide(RedisStrategy.layerClientConfig({ url: Config.succeed(url) })))
    })
  }
  return onPostgres ? PgUserChanges.layer() : UserChanges.layerMemory
}

/** An error at start: a combination of settings the example does not support. */
export class StorageConfigError extends Data.TaggedError("StorageConfigError")<{ readonly message: string }> {}

/**
 * The repositories on MongoDB, its indexes created first. adapter-mongo (and the driver, ~30 MB of resident memory)
 * is loaded only when `MONGODB_URL` is set.
 */
const mongo = (config: StorageConfig, url: Redacted.Redacted<string>, model: Layer.Layer<User.UserModel>) =>
  Layer.unwrap(
    Effect.map(
      Effect.promise(() => import("@effect-users/adapter-mongo")),
      ({ MongoAccessTokenRepository, MongoDatabase, MongoIndexes, MongoUserRepository }) =>
        Layer.mergeAll(
          MongoUserRepository.layer({ timeout: config.timeoutMs }),
          MongoAccessTokenRepository.layer({ timeout: config.timeoutMs })
        ).pipe(
          Layer.provide(MongoIndexes.layer()),
          Layer.provideMerge(model),
          Layer.provide(MongoDatabase.layerConnect({ url: Redacted.value(url), database: config.mongodbDatabase })),
          Layer.provide(
            config.userCache
              ? Layer.effectDiscard(Effect.fail(
                new StorageConfigError({ message: "USER_CACHE=1 needs PostgreSQL: MongoDB has no change feed here" })
              ))
              : Layer.empty
          )
        )
    )
  )

/** The repositories on PostgreSQL (or the embedded one), its tables migrated first. */
const sql = (config: StorageConfig, model: Layer.Layer<User.UserModel>) =>
  Layer.mergeAll(sqlUserRepository(config), SqlAccessTokenRepository.layer({ timeout: config.timeoutMs })).pipe(
    Layer.provide(SqlMigrations.layer()),
    Layer.provideMerge(model),
    Layer.provide(postgres(config))
  )

/**
 * The repositories on the configured database, with the user model the routers were built with.
 *
 * MongoDB has no change feed here, so `USER_CACHE` with `MONGODB_URL` is refused at start rather than served stale.
 */
export const layer = (
  config: StorageConfig,
  model: Layer.Layer<User.UserModel>
): Layer.Layer<
  Layer.Success<ReturnType<typeof sql>>,
  Layer.Error<ReturnType<typeof sql>> | Layer.Error<ReturnType<typeof mongo>>
> =>
  Option.match(nonEmpty(config.mongodbUrl), {
    onSome: (url) => mongo(config, url, model),
    onNone: () => sql(config, model)
  })
