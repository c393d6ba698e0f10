/**
 * The application's MongoDB database, as a service the repositories require (the application owns the client).
 *
 * @since 0.0.0
 */
import { Context, Effect, Layer } from "effect"
import type { Db, MongoClientOptions } from "mongodb"
import { MongoClient } from "mongodb"

/**
 * The `Db` the repositories store their collections in.
 *
 * @since 0.0.0
 * @category services
 */
export class MongoDatabase extends Context.Service<MongoDatabase, {
  readonly db: Db
}>()("@effect-users/adapter-mongo/MongoDatabase") {}

/**
 * Provides a `Db` of a `MongoClient` the application constructed and closes itself.
 *
 * @since 0.0.0
 * @category layers
 */
export const layer = (db: Db): Layer.Layer<MongoDatabase> => Layer.succeed(MongoDatabase, { db })

/**
 * Client options bounding an outage in time: server selection and connecting fail after 5 s instead of the driver's
 * 30 s (the repositories also limit each call themselves).
 *
 * @since 0.0.0
 * @category constants
 */
export const recommendedClientOptions: MongoClientOptions = {
  serverSelectionTimeoutMS: 5_000,
  connectTimeoutMS: 5_000
}

/**
 * Connects a `MongoClient` to `url` (with {@link recommendedClientOptions} unless `options` are given) and provides
 * its database `database`; the client is closed with the layer.
 *
 * @since 0.0.0
 * @category layers
 */
export const layerConnect = (config: {
  readonly url: string
  readonly database: string
  readonly options?: MongoClientOptions
}): Layer.Layer<MongoDatabase, Error> =>
  Layer.effect(
    MongoDatabase,
    Effect.map(
      Effect.acquireRelease(
        Effect.tryPromise({
          try: () => new MongoClient(config.url, config.options ?? recommendedClientOptions).connect(),
          catch: (cause) => new Error("adapter-mongo: cannot connect to MongoDB", { cause })
        }),
        (client) => Effect.promise(() => client.close())
      ),
      (client) => ({ db: client.db(config.database) })
    )
  )
