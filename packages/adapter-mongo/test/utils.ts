import {
  MongoAccessTokenRepository,
  MongoDatabase,
  MongoIndexes,
  MongoUserRepository
} from "@effect-users/adapter-mongo"
import type { MongoCollections } from "@effect-users/adapter-mongo"
import type { AccessTokenRepository } from "@effect-users/core/AccessTokenRepository"
import * as User from "@effect-users/core/User"
import * as UserId from "@effect-users/core/UserId"
import type { UserRepository } from "@effect-users/core/UserRepository"
import { requireUrl } from "@effect-users/testing/TestServices"
import { Effect, Layer, Schema } from "effect"
import { MongoClient } from "mongodb"
import { randomBytes } from "node:crypto"

/** A database name unique to this run and file. */
export const uniqueName = (prefix: string): string => `${prefix}_${process.pid}_${randomBytes(4).toString("hex")}`

/** FerretDB at MONGODB_URL, on a fresh database dropped when the layer closes; the client is the test's own. */
export const layerMongo = (): Layer.Layer<MongoDatabase.MongoDatabase, unknown> =>
  Layer.effect(
    MongoDatabase.MongoDatabase,
    Effect.gen(function*() {
      const client = yield* Effect.acquireRelease(
        Effect.promise(() =>
          new MongoClient(requireUrl("MONGODB_URL"), MongoDatabase.recommendedClientOptions).connect()
        ),
        (c) => Effect.promise(() => c.close())
      )
      const db = client.db(uniqueName("eu_test"))
      yield* Effect.addFinalizer(() => Effect.promise(() => db.dropDatabase()).pipe(Effect.ignore))
      return { db }
    })
  )

/** Both repositories on a database, its indexes ensured, with a user model. */
export const layerRepositories = (
  database: Layer.Layer<MongoDatabase.MongoDatabase, unknown> = layerMongo(),
  model: User.RegisteredModel = User.defaultModel as User.RegisteredModel,
  options: MongoCollections.Options = {}
): Layer.Layer<UserRepository | AccessTokenRepository | User.UserModel | MongoDatabase.MongoDatabase, unknown> =>
  Layer.mergeAll(MongoUserRepository.layer(options), MongoAccessTokenRepository.layer(options)).pipe(
    Layer.provide(MongoIndexes.layer(options)),
    Layer.provideMerge(Layer.merge(User.layerModel(model), database))
  )

/** ObjectId ids (Beanie's), no custom fields. */
export const objectIdModel = User.makeModel({ id: UserId.objectId }) as unknown as User.RegisteredModel

/** Store-assigned integer ids and two custom fields (one nullable). */
export const integerModel = User.makeModel({
  id: UserId.integer,
  fields: { nickname: Schema.String, age: Schema.NullOr(Schema.Int) }
}) as unknown as User.RegisteredModel
