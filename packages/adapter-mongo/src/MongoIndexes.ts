/**
 * The indexes the repositories rely on, created idempotently (the MongoDB counterpart of adapter-sql's
 * `SqlMigrations`), with the backfill an existing Beanie database needs.
 *
 * @since 0.0.0
 */
import * as Email from "@effect-users/core/Email"
import { UserModel } from "@effect-users/core/User"
import { Data, Effect, Layer } from "effect"
import type { Collection, CreateIndexesOptions, Document } from "mongodb"
import { MongoServerError } from "mongodb"
import { call } from "./internal/driver.ts"
import { isDuplicateKey, makeStore } from "./internal/store.ts"
import type * as MongoCollections from "./MongoCollections.ts"
import { indexes } from "./MongoCollections.ts"
import { MongoDatabase } from "./MongoDatabase.ts"

/**
 * Creating an index or backfilling failed (for instance two users whose e-mails differ only in case).
 *
 * @since 0.0.0
 * @category errors
 */
export class MongoIndexesError extends Data.TaggedError("MongoIndexesError")<{ readonly cause: unknown }> {}

/** MongoDB's `NamespaceNotFound`: listing the indexes of a collection that does not exist yet. */
const NAMESPACE_NOT_FOUND = 26

const listIndexes = <T extends Document>(collection: Collection<T>) =>
  call(() =>
    collection.indexes().catch((error: unknown) => {
      if (error instanceof MongoServerError && error.code === NAMESPACE_NOT_FOUND) return []
      throw error
    })
  )

const hasIndex = (existing: ReadonlyArray<Document>, keys: Record<string, 1>, unique: boolean): boolean =>
  existing.some((index) => JSON.stringify(index.key) === JSON.stringify(keys) && (index.unique === true) === unique)

/**
 * Creates the index unless one on the same keys with the same uniqueness exists under another name (Beanie's
 * `token_1` on `AccessToken`, for instance: MongoDB and FerretDB refuse a second index on the same keys).
 */
const ensureIndex = <T extends Document>(
  collection: Collection<T>,
  keys: Record<string, 1>,
  options: CreateIndexesOptions
) =>
  Effect.gen(function*() {
    const existing = yield* listIndexes(collection)
    if (!hasIndex(existing, keys, options.unique === true)) yield* call(() => collection.createIndex(keys, options))
  })

/**
 * One thing `run` does: an index to create, or documents to backfill, and whether it is still to do.
 *
 * @since 0.1.0
 * @category models
 */
export interface Item {
  /** e.g. `createIndex User {"email_lower":1} unique email_lower_unique`, `backfill User.email_lower`. */
  readonly description: string
  /** Whether `run` would change something for it now. */
  readonly pending: boolean
  /** For a backfill: how many documents it would write. */
  readonly documents?: number
}

/**
 * What {@link run} would do, in its order, read without changing anything (the dry run and status of a migration).
 *
 * @since 0.1.0
 * @category constructors
 */
export const status = (
  options: MongoCollections.Options = {}
): Effect.Effect<ReadonlyArray<Item>, MongoIndexesError, MongoDatabase | UserModel> =>
  Effect.gen(function*() {
    const model = yield* UserModel
    const { db } = yield* MongoDatabase
    const { links, tokens, users } = makeStore(db, model, options)
    const withoutKey = yield* call(() => users.countDocuments({ email_lower: { $exists: false } }))
    const linked = yield* call(() =>
      users.find({ "oauth_accounts.0": { $exists: true } }, { projection: { oauth_accounts: 1 } }).toArray()
    )
    const accounts = linked.reduce(
      (n, doc) => n + (Array.isArray(doc.oauth_accounts) ? doc.oauth_accounts.length : 0),
      0
    )
    const present = yield* Effect.all({
      users: listIndexes(users),
      links: listIndexes(links),
      tokens: listIndexes(tokens)
    })
    const linkCount = yield* call(() => links.countDocuments({}))
    const index = (
      collection: { readonly collectionName: string },
      existing: ReadonlyArray<Document>,
      keys: Record<string, 1>,
      unique: boolean,
      name: string
    ): Item => ({
      description: `createIndex ${collection.collectionName} ${JSON.stringify(keys)}${unique ? " unique" : ""} ${name}`,
      pending: !hasIndex(existing, keys, unique)
    })
    return [
      { description: `backfill ${users.collectionName}.email_lower`, pending: withoutKey > 0, documents: withoutKey },
      index(links, present.links, { oauth_name: 1, account_id: 1 }, true, indexes.oauthAccount),
      index(links, present.links, { user_id: 1 }, false, indexes.oauthUser),
      {
        description: `backfill ${links.collectionName} from embedded oauth_accounts`,
        pending: accounts > linkCount,
        documents: Math.max(0, accounts - linkCount)
      },
      index(users, present.users, { email_lower: 1 }, true, indexes.emailLower),
      index(tokens, present.tokens, { token: 1 }, true, indexes.token),
      index(tokens, present.tokens, { user_id: 1 }, false, indexes.tokenUser)
    ]
  }).pipe(Effect.mapError((error) => new MongoIndexesError({ cause: error.cause })))

/**
 * Backfills what an existing Beanie database lacks, then creates the indexes; safe to run at every start.
 *
 * - `email_lower` (core's `Email.key` of `email`) on every user document without it;
 * - one `OAuthAccountLink` document per embedded OAuth account without one;
 * - unique `email_lower_unique` on `User.email_lower`, unique `oauth_name_account_id_unique` and `user_id` on
 *   `OAuthAccountLink`, unique `token_unique` and `user_id` on `AccessToken`.
 *
 * @since 0.0.0
 * @category constructors
 */
export const run = (
  options: MongoCollections.Options = {}
): Effect.Effect<void, MongoIndexesError, MongoDatabase | UserModel> =>
  Effect.gen(function*() {
    const model = yield* UserModel
    const { db } = yield* MongoDatabase
    const { links, tokens, users } = makeStore(db, model, options)
    const missing = yield* call(() =>
      users.find({ email_lower: { $exists: false } }, { projection: { email: 1 } }).toArray()
    )
    for (const doc of missing) {
      if (typeof doc.email !== "string") continue
      yield* call(() => users.updateOne({ _id: doc._id }, { $set: { email_lower: Email.key(doc.email) } }))
    }
    yield* ensureIndex(links, { oauth_name: 1, account_id: 1 }, { unique: true, name: indexes.oauthAccount })
    yield* ensureIndex(links, { user_id: 1 }, { name: indexes.oauthUser })
    const linked = yield* call(() =>
      users.find({ "oauth_accounts.0": { $exists: true } }, { projection: { oauth_accounts: 1 } }).toArray()
    )
    for (const doc of linked) {
      const accounts: ReadonlyArray<Document> = Array.isArray(doc.oauth_accounts) ? doc.oauth_accounts : []
      for (const account of accounts) {
        yield* call(() =>
          links.insertOne({ oauth_name: account.oauth_name, account_id: account.account_id, user_id: doc._id })
        ).pipe(Effect.catchIf((error) => isDuplicateKey(error.cause), () => Effect.void))
      }
    }
    yield* ensureIndex(users, { email_lower: 1 }, { unique: true, name: indexes.emailLower })
    yield* ensureIndex(tokens, { token: 1 }, { unique: true, name: indexes.token })
    yield* ensureIndex(tokens, { user_id: 1 }, { name: indexes.tokenUser })
  }).pipe(Effect.mapError((error) => new MongoIndexesError({ cause: error.cause })))

/**
 * Runs {@link run} when the layer is built (an application provides it to the repositories' layers).
 *
 * @since 0.0.0
 * @category layers
 */
export const layer = (
  options: MongoCollections.Options = {}
): Layer.Layer<never, MongoIndexesError, MongoDatabase | UserModel> => Layer.effectDiscard(run(options))
