/**
 * core's `AccessTokenRepository` on the official `mongodb` driver, in Beanie's `AccessToken` documents
 * `{ token, user_id, created_at }`.
 *
 * @since 0.0.0
 */
import type { AccessToken } from "@effect-users/core/AccessTokenRepository"
import { AccessTokenRepository, AccessTokenRepositoryError } from "@effect-users/core/AccessTokenRepository"
import { bounded } from "@effect-users/core/TimeLimit"
import { UserModel } from "@effect-users/core/User"
import { DateTime, Effect, Layer, Option } from "effect"
import type { Document } from "mongodb"
import type { DriverError } from "./internal/driver.ts"
import { call } from "./internal/driver.ts"
import { makeStore } from "./internal/store.ts"
import type * as MongoCollections from "./MongoCollections.ts"
import { MongoDatabase } from "./MongoDatabase.ts"

/**
 * Collection names and the time limit of one call (shared with `MongoUserRepository` and `MongoIndexes`).
 *
 * @since 0.0.0
 * @category models
 */
export type Options = MongoCollections.Options

/**
 * Builds the repository on the application's database; the indexes must exist (`MongoIndexes`).
 *
 * @since 0.0.0
 * @category constructors
 */
export const make = (
  options: Options = {}
): Effect.Effect<AccessTokenRepository["Service"], never, MongoDatabase | UserModel> =>
  Effect.gen(function*() {
    const model = yield* UserModel
    const { db } = yield* MongoDatabase
    const store = makeStore(db, model, options)
    const { tokens } = store
    const guard = <A>(method: string, effect: Effect.Effect<A, DriverError>) =>
      effect.pipe(
        bounded(store.timeout, "the database"),
        Effect.mapError((error) =>
          new AccessTokenRepositoryError({ method, cause: error._tag === "DriverError" ? error.cause : error })
        )
      )
    const toToken = (doc: Document): AccessToken => ({
      token: doc.token,
      user_id: store.fromDb(doc.user_id),
      created_at: DateTime.fromDateUnsafe(doc.created_at)
    })
    return AccessTokenRepository.of({
      getByToken: (token, notBefore) =>
        guard(
          "getByToken",
          Effect.map(
            call(() =>
              tokens.findOne(
                Option.match(notBefore, {
                  onNone: () => ({ token }),
                  onSome: (limit) => ({ token, created_at: { $gte: DateTime.toDateUtc(limit) } })
                })
              )
            ),
            (doc) => (doc === null ? Option.none() : Option.some(toToken(doc)))
          )
        ),
      create: (record) =>
        guard(
          "create",
          Effect.as(
            call(() =>
              tokens.insertOne({
                token: record.token,
                user_id: store.toDb(record.user_id) ?? record.user_id,
                created_at: DateTime.toDateUtc(record.created_at)
              })
            ),
            record
          )
        ),
      delete: (token) => guard("delete", Effect.asVoid(call(() => tokens.deleteOne({ token })))),
      deleteAllForUser: (userId) =>
        guard(
          "deleteAllForUser",
          Effect.map(
            call(() => tokens.deleteMany({ user_id: store.toDb(userId) ?? userId })),
            (result) => result.deletedCount
          )
        )
    })
  })

/**
 * The repository as a layer: provides core's `AccessTokenRepository`, requires the application's `MongoDatabase`
 * and `UserModel`.
 *
 * @since 0.0.0
 * @category layers
 */
export const layer = (
  options: Options = {}
): Layer.Layer<AccessTokenRepository, never, MongoDatabase | UserModel> =>
  Layer.effect(AccessTokenRepository, make(options))
